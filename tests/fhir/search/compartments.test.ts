import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

/**
 * Compartment search for every R4 compartment (compartmentdefinition.html#search): the types and
 * parameters come from the official CompartmentDefinitions, and a search returns exactly the
 * resources that refer to the focal resource through one of them.
 */
const { fhir } = useFhirServer();
const examples = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const ids = (res: { body: { entry?: { resource: { resourceType: string; id: string } }[] } }) =>
  (res.body.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`).sort();

describe('the compartment definitions', () => {
  it('are the official R4 ones (Encounter, RelatedPerson, Practitioner, Device), {def} aside', () => {
    const ours = JSON.parse(readFileSync(new URL('../../../src/fhir/compartments/r4-compartments.json', import.meta.url), 'utf8')) as Record<string, Record<string, string[]>>;
    for (const file of ['encounter', 'relatedPerson', 'practitioner', 'device']) {
      const def = JSON.parse(readFileSync(join(examples, `CompartmentDefinition-${file}.json`), 'utf8')) as CompartmentDefinition;
      const official = Object.fromEntries(
        (def.resource ?? []).map((r) => [r.code, (r.param ?? []).filter((p) => p !== '{def}')] as const).filter(([, params]) => params.length > 0),
      );
      expect(ours[def.code], def.code).toEqual(official);
    }
  });
});

describe('compartment search beyond Patient', () => {
  beforeAll(async () => {
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resourceType: 'Practitioner', id: 'cmp-pr-1' },
        { resourceType: 'Practitioner', id: 'cmp-pr-2' },
        { resourceType: 'Patient', id: 'cmp-pt-1' },
        { resourceType: 'Encounter', id: 'cmp-enc-1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/cmp-pt-1' }, participant: [{ individual: { reference: 'Practitioner/cmp-pr-1' } }] },
        { resourceType: 'Encounter', id: 'cmp-enc-2', status: 'finished', class: { code: 'AMB' }, participant: [{ individual: { reference: 'Practitioner/cmp-pr-2' } }] },
        { resourceType: 'Observation', id: 'cmp-obs-1', status: 'final', code: { text: 'x' }, encounter: { reference: 'Encounter/cmp-enc-1' }, performer: [{ reference: 'Practitioner/cmp-pr-1' }] },
        { resourceType: 'Observation', id: 'cmp-obs-2', status: 'final', code: { text: 'y' }, encounter: { reference: 'Encounter/cmp-enc-2' } },
        { resourceType: 'Condition', id: 'cmp-cond-1', subject: { reference: 'Patient/cmp-pt-1' }, encounter: { reference: 'Encounter/cmp-enc-1' } },
        { resourceType: 'Device', id: 'cmp-dev-1' },
        { resourceType: 'Observation', id: 'cmp-obs-3', status: 'final', code: { text: 'z' }, device: { reference: 'Device/cmp-dev-1' } },
      ].map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
    });
    expect(res.status, res.text).toBe(200);
  });

  it('Encounter/[id]/[type] and /*: what refers to the encounter, nothing else', async () => {
    expect(ids(await fhir.get('/Encounter/cmp-enc-1/Observation'))).toEqual(['Observation/cmp-obs-1']);
    expect(ids(await fhir.get('/Encounter/cmp-enc-1/*'))).toEqual(['Condition/cmp-cond-1', 'Observation/cmp-obs-1']);
    expect(ids(await fhir.get('/Encounter/cmp-enc-2/Condition'))).toEqual([]);
  });

  it('Practitioner/[id]/[type] by any of the compartment parameters, with further criteria and POST _search', async () => {
    expect(ids(await fhir.get('/Practitioner/cmp-pr-1/Encounter'))).toEqual(['Encounter/cmp-enc-1']);
    expect(ids(await fhir.get('/Practitioner/cmp-pr-1/*'))).toEqual(['Encounter/cmp-enc-1', 'Observation/cmp-obs-1']);
    expect(ids(await fhir.get('/Practitioner/cmp-pr-1/Observation?code:text=y'))).toEqual([]);
    const post = await fhir.post('/Practitioner/cmp-pr-2/Encounter/_search', 'status=finished', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(post.status, post.text).toBe(200);
    expect(ids(post)).toEqual(['Encounter/cmp-enc-2']);
  });

  it('Device/[id]/Observation; the self link keeps the compartment path', async () => {
    const res = await fhir.get('/Device/cmp-dev-1/Observation');
    expect(ids(res)).toEqual(['Observation/cmp-obs-3']);
    expect(res.body.link[0].url).toMatch(/\/Device\/cmp-dev-1\/Observation(\?|$)/);
  });

  it('a type outside the compartment, or a type that has no compartment: 404 OperationOutcome', async () => {
    for (const path of ['/Device/cmp-dev-1/Patient', '/Organization/x/Task']) {
      const res = await fhir.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('the CapabilityStatement names the five compartments', async () => {
    const cs = (await fhir.get('/metadata')).body;
    expect(cs.rest[0].compartment).toEqual(
      ['patient', 'encounter', 'relatedPerson', 'practitioner', 'device'].map((c) => `http://hl7.org/fhir/CompartmentDefinition/${c}`),
    );
  });
});
