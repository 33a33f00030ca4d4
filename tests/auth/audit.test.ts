import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyInteraction } from '../../src/auth/audit/audit-event.ts';
import { AuditQueue } from '../../src/auth/audit/audit-queue.ts';
import type { Repository, WriteOp } from '../../src/fhir/repository.ts';
import { startTestApp } from '../support/test-app.ts';
import { authorizeCode, exchangeCode, fhirRequest, startAuthApp, store, caredForByDemoClinician } from './support.ts';

let app: FastifyInstance;
let close: () => Promise<void>;
let staffToken: string;
let patientToken: string;

const RESTFUL = 'http://hl7.org/fhir/restful-interaction';

async function auditEvents(query: string): Promise<AuditEvent[]> {
  await app.auditQueue!.flush();
  const res = await fhirRequest(app, 'GET', `/AuditEvent?${query}&_count=100`, staffToken);
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
}

const subtypeOf = (e: AuditEvent) => e.subtype?.[0]?.code;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(app, { resourceType: 'Patient', id: 'aud-pat', name: [{ family: 'Secretname' }] }, { resourceType: 'Patient', id: 'aud-other', name: [{ family: 'Other' }] }, ...caredForByDemoClinician('aud-pat'));
  staffToken = (await exchangeCode(app, await authorizeCode(app, { scope: 'user/*.cruds', username: 'demo-plan-staff' }))).body.access_token;
  patientToken = (await exchangeCode(app, await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'aud-pat' }))).body.access_token;
});
afterAll(() => close());

describe('AuditEvent for FHIR interactions', () => {
  it('records create, read, update, search and delete with DICOM codes, the user, the client and the reference', async () => {
    const created = await fhirRequest(app, 'POST', '/Patient', staffToken, { resourceType: 'Patient', name: [{ family: 'Createdname' }] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await fhirRequest(app, 'GET', `/Patient/${id}`, staffToken)).status).toBe(200);
    expect((await fhirRequest(app, 'PUT', `/Patient/${id}`, staffToken, { resourceType: 'Patient', id, name: [{ family: 'Updatedname' }] })).status).toBe(200);
    expect((await fhirRequest(app, 'GET', `/Patient?family=Updatedname`, staffToken)).status).toBe(200);
    expect((await fhirRequest(app, 'DELETE', `/Patient/${id}`, staffToken)).status).toBe(200);

    const events = await auditEvents(`entity=Patient/${id}`);
    const bySubtype = Object.fromEntries(events.map((e) => [subtypeOf(e), e]));
    expect(Object.keys(bySubtype).sort()).toEqual(['delete', 'read', 'update']);
    expect(bySubtype.read.action).toBe('R');
    expect(bySubtype.update.action).toBe('U');
    expect(bySubtype.delete.action).toBe('D');
    for (const e of events) {
      expect(e.type).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' });
      expect(e.subtype?.[0].system).toBe(RESTFUL);
      expect(e.outcome).toBe('0');
      expect(e.agent?.[0]).toMatchObject({ who: { reference: 'Practitioner/demo-practitioner-3' }, requestor: true });
      expect(e.agent?.[1]).toMatchObject({ who: { identifier: { value: 'demo-app' } }, requestor: false });
      expect(e.entity?.[0].what?.reference).toBe(`Patient/${id}`);
    }

    const all = await auditEvents('subtype=create,search-type');
    const create = all.find((e) => subtypeOf(e) === 'create')!;
    expect(create).toMatchObject({ action: 'C', outcome: '0', entity: [{ what: { type: 'Patient' } }] });
    const search = all.find((e) => subtypeOf(e) === 'search-type' && e.entity?.[0].query)!;
    expect(search.action).toBe('E');
    expect(Buffer.from(search.entity![0].query!, 'base64').toString()).toBe('family=Updatedname');
    // Never resource bodies: no name written by the requests appears in any AuditEvent.
    expect(JSON.stringify(all)).not.toMatch(/Createdname|Updatedname"|Secretname/);
  });

  it('records refused requests: 401 without a token and 403 for a write with a read scope', async () => {
    expect((await fhirRequest(app, 'GET', '/Patient/aud-other')).status).toBe(401);
    expect((await fhirRequest(app, 'PUT', '/Patient/aud-pat', patientToken, { resourceType: 'Patient', id: 'aud-pat' })).status).toBe(403);
    const events = await auditEvents('outcome=4');
    const unauthenticated = events.find((e) => e.entity?.[0].what?.reference === 'Patient/aud-other' && subtypeOf(e) === 'read');
    expect(unauthenticated).toMatchObject({ action: 'R', outcome: '4', outcomeDesc: 'HTTP 401', agent: [{ who: { display: 'unauthenticated' }, requestor: true }] });
    const forbidden = events.find((e) => e.entity?.[0].what?.reference === 'Patient/aud-pat' && subtypeOf(e) === 'update');
    expect(forbidden).toMatchObject({ action: 'U', outcome: '4', outcomeDesc: 'HTTP 403' });
    expect(forbidden?.agent?.[0].who?.reference).toBe('Practitioner/demo-practitioner-1');
  });

  it('records every entry of a batch with its own interaction and outcome, besides the batch itself', async () => {
    const batch = await fhirRequest(app, 'POST', '', patientToken, {
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Patient/aud-pat' } }, { request: { method: 'GET', url: 'Patient/aud-other' } }],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['200', '403']);
    const own = (await auditEvents('entity=Patient/aud-pat&subtype=read')).filter((e) => e.outcome === '0');
    expect(own.length).toBeGreaterThan(0);
    const refused = (await auditEvents('entity=Patient/aud-other&subtype=read')).find((e) => e.outcome === '4' && e.outcomeDesc === 'HTTP 403');
    expect(refused).toMatchObject({ action: 'R', outcome: '4' });
    expect((await auditEvents('subtype=batch')).length).toBeGreaterThan(0);
  });

  it('records a refused token request (PKCE verifier mismatch) as a failed DICOM login, without the verifier', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'aud-pat' });
    const wrongVerifier = 'x'.repeat(50);
    const refused = await exchangeCode(app, { ...a, verifier: wrongVerifier });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    const events = await auditEvents('type=http://dicom.nema.org/resources/ontology/DCM|110114');
    const login = events.find((e) => e.outcomeDesc === 'HTTP 400 invalid_grant');
    expect(login).toMatchObject({ action: 'E', outcome: '4', subtype: [{ code: '110122' }], agent: [{ who: { identifier: { value: 'demo-app' } }, requestor: true }] });
    expect(JSON.stringify(events)).not.toContain(wrongVerifier);
  });

  it('names the patient in context of a patient-scoped token, and does not audit reading the audit log', async () => {
    expect((await fhirRequest(app, 'GET', '/Observation?code=1234-5', patientToken)).status).toBe(200);
    const events = await auditEvents('entity=Patient/aud-pat&subtype=search-type');
    const e = events.find((x) => x.entity?.[0].what?.type === 'Observation');
    expect(e?.entity?.[1]).toMatchObject({ what: { reference: 'Patient/aud-pat' }, role: { code: '1' } });

    const count = async () => {
      await app.auditQueue!.flush();
      return (await fhirRequest(app, 'GET', '/AuditEvent?_total=accurate&_count=0', staffToken)).body.total as number;
    };
    const first = await count();
    await fhirRequest(app, 'GET', '/AuditEvent?action=R', staffToken);
    expect(first).toBeGreaterThan(0);
    expect(await count()).toBe(first);
  });

  it('AUDIT=off records nothing', async () => {
    const off = await startTestApp({ audit: false, authDisabled: true });
    try {
      expect(off.app.auditQueue).toBeUndefined();
      await store(off.app, { resourceType: 'Patient', id: 'p1' });
      expect((await off.app.inject({ method: 'GET', url: '/fhir/Patient/p1' })).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      expect((await off.app.inject({ method: 'GET', url: '/fhir/AuditEvent?_total=accurate' })).json().total).toBe(0);
    } finally {
      await off.close();
    }
  });
});

describe('classifyInteraction', () => {
  it.each([
    ['GET', ['Patient', '1'], 'read', 'R'],
    ['GET', ['Patient', '1', '_history', '2'], 'vread', 'R'],
    ['GET', ['Patient', '1', '_history'], 'history-instance', 'R'],
    ['GET', ['Patient'], 'search-type', 'E'],
    ['POST', ['Patient', '_search'], 'search-type', 'E'],
    ['POST', ['Patient'], 'create', 'C'],
    ['PATCH', ['Patient', '1'], 'patch', 'U'],
    ['DELETE', ['Patient'], 'delete', 'D'],
    ['POST', [], 'batch', 'E'],
    ['GET', ['Patient', '1', '$everything'], 'operation', 'E'],
    ['POST', ['$ecm-eligibility'], 'operation', 'E'],
  ])('%s %j → %s / %s', (method, segments, subtype, action) => {
    expect(classifyInteraction(method, segments)).toMatchObject({ subtype, action });
  });

  it('skips metadata and reads or searches of AuditEvent', () => {
    expect(classifyInteraction('GET', ['metadata'])).toBeUndefined();
    expect(classifyInteraction('GET', ['AuditEvent'])).toBeUndefined();
    expect(classifyInteraction('GET', ['AuditEvent', 'x'])).toBeUndefined();
    expect(classifyInteraction('POST', ['AuditEvent'])).toMatchObject({ subtype: 'create' });
  });
});

describe('AuditQueue', () => {
  function fakeRepo() {
    const writes: WriteOp[][] = [];
    const repo = { write: async (_ctx: unknown, ops: WriteOp[]) => (writes.push(ops), []) } as unknown as Repository;
    return { repo, writes };
  }
  const event = (i: number) => ({ resourceType: 'AuditEvent' as const, id: `e${i}`, type: { code: 'rest' }, recorded: '2026-01-01T00:00:00Z', agent: [], source: { observer: {} } });

  it('writes 100 events in one batch at once, and fewer after the interval', async () => {
    const { repo, writes } = fakeRepo();
    const q = new AuditQueue(repo, { flushIntervalMs: 50 });
    for (let i = 0; i < 100; i++) q.push(event(i));
    await Promise.resolve();
    expect(writes.map((w) => w.length)).toEqual([100]);
    q.push(event(100));
    expect(writes).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(writes.map((w) => w.length)).toEqual([100, 1]);
    q.push(event(101));
    await q.close();
    expect(writes.map((w) => w.length)).toEqual([100, 1, 1]);
  });

  it('reports a failed batch without throwing into the request path', async () => {
    const lost: number[] = [];
    const repo = { write: async () => Promise.reject(new Error('db down')) } as unknown as Repository;
    const q = new AuditQueue(repo, { onError: (_e, n) => lost.push(n) });
    q.push(event(1));
    q.push(event(2));
    await q.flush();
    expect(lost).toEqual([2]);
  });
});
