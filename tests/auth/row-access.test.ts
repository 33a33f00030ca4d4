import type { FastifyInstance } from 'fastify';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirRequest, forgeToken, organization, startAuthApp, store, type Res } from './support.ts';

/**
 * Row-level access enforced in the repository (issue 5 "Access control"): patient compartment
 * for patient/ scopes, ECM organization tenancy, ROI consent, v2 scope constraints. Every attack
 * is also tried through search, include, revinclude, chain, _has, history and bundles.
 */
let app: FastifyInstance;
let close: () => Promise<void>;

const ref = (r: string) => ({ reference: r });
const ROI = { coding: [{ system: 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category', code: 'roi' }] };
const patient = (id: string, family: string): Resource & { id: string } => ({ resourceType: 'Patient', id, name: [{ family }] });
const observation = (id: string, subject: string, extra: Record<string, unknown> = {}): Resource & { id: string } =>
  ({ resourceType: 'Observation', id, status: 'final', code: { text: id }, subject: ref(`Patient/${subject}`), ...extra }) as Resource & { id: string };
const task = (id: string, member: string, requester: string, owner?: string): Resource & { id: string } => ({
  resourceType: 'Task', id, status: 'requested', intent: 'order', for: ref(`Patient/${member}`),
  requester: ref(`Organization/${requester}`), ...(owner ? { owner: ref(`Organization/${owner}`) } : {}),
});

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(
    app,
    organization('prov-a', 'prov'), organization('prov-b', 'prov'), organization('ref-c', 'prov'), organization('ref-d', 'prov'),
    { resourceType: 'Practitioner', id: 'pr-1', name: [{ family: 'Performer' }] },
    { resourceType: 'Practitioner', id: 'pr-2', name: [{ family: 'Other' }] },
    patient('m1', 'Alpha'), patient('m2', 'Bravo'), patient('m3', 'Charlie'), patient('m4', 'Delta'), patient('m5', 'Echo'), patient('m6', 'Foxtrot'),
    observation('o1', 'm1', { performer: [ref('Practitioner/pr-2')], category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }] }),
    observation('o1-vital', 'm1', { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }] }),
    observation('o2', 'm2', { performer: [ref('Practitioner/pr-1')] }),
    observation('o4', 'm4'), observation('o5', 'm5'),
    // prov-a cares for m1 (current episode) and m3 (attribution Group); its finished episode with m2 gives nothing.
    { resourceType: 'EpisodeOfCare', id: 'e1', status: 'active', patient: ref('Patient/m1'), managingOrganization: ref('Organization/prov-a') },
    { resourceType: 'EpisodeOfCare', id: 'e2-old', status: 'finished', patient: ref('Patient/m2'), managingOrganization: ref('Organization/prov-a') },
    { resourceType: 'Group', id: 'g-a', type: 'person', actual: true, managingEntity: ref('Organization/prov-a'), member: [{ entity: ref('Patient/m3') }] },
    // The plan's attribution list for prov-b (the plan manages it; the provider is in the extension).
    {
      resourceType: 'Group', id: 'g-b', type: 'person', actual: true, managingEntity: ref('Organization/plan-kern'), member: [{ entity: ref('Patient/m6') }],
      extension: [{ url: 'https://ecm-fhir.example.org/fhir/StructureDefinition/ext-attributed-provider', valueReference: ref('Organization/prov-b') }],
    },
    // prov-b is on m2's care team.
    { resourceType: 'CareTeam', id: 'ct2', status: 'active', subject: ref('Patient/m2'), participant: [{ member: ref('Organization/prov-b') }] },
    // ref-c referred m1, m4 (who has an active ROI consent) and m5 (who has none); ref-d referred m2.
    task('t1', 'm1', 'ref-c', 'prov-a'), task('t4', 'm4', 'ref-c'), task('t5', 'm5', 'ref-c'), task('t6', 'm2', 'ref-d', 'prov-b'),
    { resourceType: 'Consent', id: 'c4', status: 'active', scope: { text: 'privacy' }, category: [ROI], patient: ref('Patient/m4') },
    { resourceType: 'Consent', id: 'c5-old', status: 'inactive', scope: { text: 'privacy' }, category: [ROI], patient: ref('Patient/m5') },
    // m7 was referred by ref-c too; the ROI consent is still marked active but its time frame ended.
    patient('m7', 'Golf'), observation('o7', 'm7'), task('t7', 'm7', 'ref-c'),
    {
      resourceType: 'Consent', id: 'c7-ended', status: 'active', scope: { text: 'privacy' }, category: [ROI], patient: ref('Patient/m7'),
      provision: { period: { start: '2025-01-01', end: '2025-12-31' } },
    },
  );
});
afterAll(() => close());

const patientToken = (id: string, scope = 'patient/*.cruds') => forgeToken(app, { scope, patient: id });
const orgToken = (org: string, scope = 'user/*.cruds') => forgeToken(app, { scope, org, sub: `user-${org}`, fhirUser: 'Practitioner/pr-1' });
const get = async (path: string, token: string) => fhirRequest(app, 'GET', path, token);
const ids = (res: Res) => (res.body.entry ?? []).map((e: { resource: Resource }) => `${e.resource.resourceType}/${e.resource.id}`).sort();

function expectForbidden(res: Res) {
  expect(res.status).toBe(403);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe('forbidden');
}

describe('patient/ scopes: the patient in context and nothing else', () => {
  it('reads the own compartment; another patient or their data by id is 403', async () => {
    const t = await patientToken('m1');
    expect((await get('/Patient/m1', t)).status).toBe(200);
    expect((await get('/Observation/o1', t)).status).toBe(200);
    expect((await get('/Practitioner/pr-1', t)).status).toBe(200); // outside every compartment: no patient data
    expectForbidden(await get('/Patient/m2', t));
    expectForbidden(await get('/Observation/o2', t));
    expectForbidden(await get('/Observation/o2/_history/1', t));
    expectForbidden(await get('/Patient/m2/_history', t));
  });

  it('search, include, revinclude, chain and _has return only the compartment', async () => {
    const t = await patientToken('m1');
    expect(ids(await get('/Observation', t))).toEqual(['Observation/o1', 'Observation/o1-vital']);
    expect(ids(await get('/Observation?subject=Patient/m2', t))).toEqual([]);
    expect(ids(await get('/Patient', t))).toEqual(['Patient/m1']);
    expect(ids(await get('/Observation?_id=o1&_include=Observation:subject', t))).toEqual(['Observation/o1', 'Patient/m1']);
    expect(ids(await get('/Practitioner?_id=pr-1&_revinclude=Observation:performer', t))).toEqual(['Practitioner/pr-1']);
    // _has: pr-1 performed an Observation only on m2, which m1's app must not learn.
    expect(ids(await get('/Practitioner?_has:Observation:performer:subject=Patient/m2', t))).toEqual([]);
    expect(ids(await get('/Practitioner?_has:Observation:performer:subject=Patient/m1', t))).toEqual(['Practitioner/pr-2']);
    expect(ids(await get('/Task?patient.name=Bravo', t))).toEqual([]);
    expect(ids(await get('/Patient/m1/*', t)).every((id: string) => !id.endsWith('/o2'))).toBe(true);
  });

  it('history at type and system level shows only visible resources', async () => {
    const t = await patientToken('m1');
    const typeHistory = ids(await get('/Observation/_history', t));
    expect(typeHistory).toContain('Observation/o1');
    expect(typeHistory.some((id: string) => ['Observation/o2', 'Observation/o4', 'Observation/o5'].includes(id))).toBe(false);
    const system = ids(await get('/_history?_count=500', t));
    expect(system).toContain('Patient/m1');
    expect(system.filter((id: string) => /Patient\/m[2-5]|Observation\/o[245]|Task\/t[456]/.test(id))).toEqual([]);
  });

  it('cannot write into another compartment, directly or by moving its own data', async () => {
    const t = await patientToken('m1');
    expectForbidden(await fhirRequest(app, 'POST', '/Observation', t, observation('x', 'm2')));
    expectForbidden(await fhirRequest(app, 'PUT', '/Observation/o1', t, observation('o1', 'm2')));
    expectForbidden(await fhirRequest(app, 'PUT', '/Observation/o2', t, observation('o2', 'm1')));
    expectForbidden(await fhirRequest(app, 'DELETE', '/Observation/o2', t));
    const admin = await orgToken('plan-kern');
    expect((await get('/Observation/o1', admin)).body.subject.reference).toBe('Patient/m1');
    expect((await get('/Observation/o2', admin)).status).toBe(200);
    expect((await get('/Observation?subject=Patient/m2', admin)).body.total).toBe(1);
    // ...while its own compartment is writable.
    const created = await fhirRequest(app, 'POST', '/Observation', t, observation('x', 'm1'));
    expect(created.status).toBe(201);
  });

  it('bundles: a batch entry for another patient is 403; a transaction touching one is refused whole', async () => {
    const t = await patientToken('m1');
    const batch = await fhirRequest(app, 'POST', '', t, {
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Patient/m1' } }, { request: { method: 'GET', url: 'Patient/m2' } }, { request: { method: 'GET', url: 'Observation?subject=Patient/m2' } }],
    });
    expect(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3))).toEqual(['200', '403', '200']);
    expect(batch.body.entry[2].resource.total).toBe(0);
    const tx = await fhirRequest(app, 'POST', '', t, {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: observation('tx-ok', 'm1'), request: { method: 'PUT', url: 'Observation/tx-ok' } },
        { resource: observation('tx-bad', 'm2'), request: { method: 'PUT', url: 'Observation/tx-bad' } },
      ],
    });
    expect(tx.status).toBe(403);
    expect((await get('/Observation/tx-ok', await orgToken('plan-kern'))).status).toBe(404);
  });

  it('v2 scope constraints limit rows to the matching category', async () => {
    const t = await patientToken('m1', 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(ids(await get('/Observation', t))).toEqual(['Observation/o1']);
    expectForbidden(await get('/Observation/o1-vital', t));
  });
});

describe('organization tenancy (ECM providers, referrers, plan staff)', () => {
  it('an ECM provider sees its members (episode, care team, attribution Group) and their data, not others', async () => {
    const a = await orgToken('prov-a');
    expect(ids(await get('/Patient', a))).toEqual(['Patient/m1', 'Patient/m3']);
    expect((await get('/Observation/o1', a)).status).toBe(200);
    expectForbidden(await get('/Patient/m2', a)); // a finished episode gives no access
    expectForbidden(await get('/Observation/o2', a));
    const b = await orgToken('prov-b');
    expect((await get('/Patient/m2', b)).status).toBe(200);
    expect((await get('/Patient/m6', b)).status).toBe(200);
    expectForbidden(await get('/Patient/m1', b));
    expect(ids(await get('/Observation', b))).toEqual(['Observation/o2']);
  });

  it('a referrer sees the Tasks it requested; a member it referred only with an active ROI consent (CONSENT-ROI)', async () => {
    const c = await orgToken('ref-c');
    expect(ids(await get('/Task', c))).toEqual(['Task/t1', 'Task/t4', 'Task/t5', 'Task/t7']);
    expect((await get('/Observation/o4', c)).status).toBe(200);
    expectForbidden(await get('/Observation/o5', c));
    expectForbidden(await get('/Observation/o7', c)); // consent period over
    expectForbidden(await get('/Patient/m5', c));
    expect(ids(await get('/Task?_id=t5&_include=Task:patient', c))).toEqual(['Task/t5']);
    expect(ids(await get('/Task?_id=t5', c))).toEqual(['Task/t5']);
    expect(ids(await get('/Task?_id=t5&patient.name=Echo', c))).toEqual([]); // the chain must not confirm m5's name
    expect(ids(await get('/Task?_id=t4&patient.name=Delta', c))).toEqual(['Task/t4']);
  });

  it("a referral from org C is not visible to org D, and D cannot change it", async () => {
    const d = await orgToken('ref-d');
    expectForbidden(await get('/Task/t1', d));
    expect(ids(await get('/Task', d))).toEqual(['Task/t6']);
    expectForbidden(await fhirRequest(app, 'PUT', '/Task/t1', d, task('t1', 'm1', 'ref-d')));
    expect((await get('/Task/t1', await orgToken('plan-kern'))).body.requester.reference).toBe('Organization/ref-c');
  });

  it('revinclude from a visible member brings only the resources the provider may see', async () => {
    const a = await orgToken('prov-a');
    expect(ids(await get('/Patient?_id=m1&_revinclude=Task:patient', a))).toEqual(['Patient/m1', 'Task/t1']);
    const c = await orgToken('ref-c');
    expect(ids(await get('/Patient?_id=m4&_revinclude=Observation:subject', c))).toEqual(['Observation/o4', 'Patient/m4']);
  });

  it('plan staff (an organization of type pay) see every member', async () => {
    const plan = await orgToken('plan-kern');
    expect(ids(await get('/Patient?_id=m1,m2,m3,m4,m5,m6,m7', plan))).toHaveLength(7);
    expect(ids(await get('/Task?_id=t1,t4,t5,t6', plan))).toHaveLength(4);
  });
});
