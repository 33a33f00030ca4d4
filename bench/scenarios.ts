import type autocannon from 'autocannon';
import { patient, transactionBundle } from './fixtures.ts';
import type { ScenarioName } from './options.ts';

const FHIR_JSON = 'application/fhir+json';

export interface Scenario {
  name: ScenarioName;
  /** Fresh request list for one autocannon run (counters start again). */
  requests(): autocannon.Request[];
  resourcesPerRequest: number;
  /** Seconds before a request counts as timed out. */
  timeout: number;
}

/**
 * The load of each scenario. Read, ceiling and update share one counter across all connections,
 * so consecutive requests go to consecutive ids (updates never race on one id while fewer
 * requests are in flight than there are ids); create and transaction bodies are pre-built.
 * read-auth sends `bearer()` (read when each run's requests are built) as its access token.
 */
export function scenario(name: ScenarioName, ids: string[], bundlePatients: number, bearer?: () => string): Scenario {
  const cycling = (build: (i: number) => autocannon.Request): autocannon.Request[] => {
    let i = 0;
    return [{ ...build(0), setupRequest: (req) => ({ ...req, ...build(i++) }) }];
  };
  switch (name) {
    case 'read':
      return {
        name,
        resourcesPerRequest: 1,
        timeout: 10,
        requests: () => cycling((i) => ({ method: 'GET', path: `/fhir/Patient/${ids[i % ids.length]}`, headers: { accept: FHIR_JSON } })),
      };
    case 'read-auth': {
      if (!bearer) throw new Error('the read-auth scenario needs an access token');
      return {
        name,
        resourcesPerRequest: 1,
        timeout: 10,
        requests: () => {
          const headers = { accept: FHIR_JSON, authorization: `Bearer ${bearer()}` };
          return cycling((i) => ({ method: 'GET', path: `/fhir/Patient/${ids[i % ids.length]}`, headers }));
        },
      };
    }
    case 'ceiling':
      return {
        name,
        resourcesPerRequest: 1,
        timeout: 10,
        requests: () => cycling((i) => ({ method: 'GET', path: `/ceiling/Patient/${ids[i % ids.length]}`, headers: { accept: FHIR_JSON } })),
      };
    case 'update':
      return {
        name,
        resourcesPerRequest: 1,
        timeout: 10,
        requests: () =>
          cycling((i) => {
            const id = ids[i % ids.length];
            // A different body every pass, so every PUT is a real change.
            return { method: 'PUT', path: `/fhir/Patient/${id}`, headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON }, body: JSON.stringify(patient(100_000 + i, id)) };
          }),
      };
    case 'create': {
      const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(JSON.stringify(patient(200_000 + i))));
      return {
        name,
        resourcesPerRequest: 1,
        timeout: 10,
        requests: () => bodies.map((body) => ({ method: 'POST', path: '/fhir/Patient', headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON }, body })),
      };
    }
    case 'transaction': {
      // The server assigns new ids to every POST, so re-sending a bundle creates new resources each time.
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.from(JSON.stringify(transactionBundle(bundlePatients, 300_000 + i * bundlePatients))));
      return {
        name,
        resourcesPerRequest: bundlePatients * 2,
        timeout: 60,
        requests: () => bodies.map((body) => ({ method: 'POST', path: '/fhir', headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON }, body })),
      };
    }
  }
}
