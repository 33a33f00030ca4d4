import type { Parameters } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { assignCall, loadMember, loadNetwork, p, refusedRule, search } from './assignment-support.ts';

// Group/[id]/$ecm-member-list (ASSIGN-LISTS, ASSIGN-PROVIDER-FEED, DATA-MIF): the provider's
// attribution list in full or as the changes since a date, as FHIR, CSV and NDJSON.

const { fhir } = useFhirServer();
let alphaGroup = '';
let betaGroup = '';

async function assign(id: string, params: Parameters['parameter'], date: string) {
  const res = await assignCall(fhir, `${id}-req`, params, date);
  expect(res.status, res.text).toBe(200);
}

beforeAll(async () => {
  await loadNetwork(fhir);
  for (const id of ['ml-1', 'ml-2', 'ml-3']) await loadMember(fhir, { id, pofs: ['homelessness'] });
  await assign('ml-1', [p.ref('preference', 'Organization/alpha')], '2026-11-02');
  await assign('ml-2', [p.ref('preference', 'Organization/alpha'), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-trained')], '2026-11-09');
  await assign('ml-3', [p.ref('preference', 'Organization/alpha')], '2026-11-02');
  await assign('ml-3', [p.bool('change', true), p.ref('preference', 'Organization/beta-bh')], '2026-11-16');
  alphaGroup = (await search(fhir, '/Group?attributed-provider=Organization/alpha'))[0].id;
  betaGroup = (await search(fhir, '/Group?attributed-provider=Organization/beta-bh'))[0].id;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Parameters read back as JSON
const members = (body: any) => body.parameter.filter((x: any) => x.name === 'member').map((m: any) => Object.fromEntries(m.part.map((x: any) => [x.name, x.valueString ?? x.valueCode ?? x.valueDate ?? x.valueReference?.reference ?? x.valueCoding?.code ?? x.valuePeriod])));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Parameters read back as JSON
const param = (body: any, name: string) => body.parameter.find((x: any) => x.name === name);
const list = (group: string, query: string) => fhir.get(`/Group/${group}/$ecm-member-list?${query}`);

describe('the full list of assigned members (assignedListFreq)', () => {
  it('lists every member still attributed, with the Member Information File data', async () => {
    const res = await list(alphaGroup, 'date=2026-11-20');
    expect(res.status, res.text).toBe(200);
    expect(param(res.body, 'list').valueCode).toBe('assigned');
    expect(param(res.body, 'frequency').valueCode).toBe('weekly');
    expect(param(res.body, 'provider').valueReference.reference).toBe('Organization/alpha');
    expect(param(res.body, 'plan').valueReference.reference).toBe('Organization/plan-kern');
    expect(param(res.body, 'count').valueInteger).toBe(2);
    const rows = members(res.body);
    expect(rows.map((r: { patient: string }) => r.patient).sort()).toEqual(['Patient/ml-1', 'Patient/ml-2']);
    const m2 = rows.find((r: { patient: string }) => r.patient === 'Patient/ml-2');
    expect(m2).toMatchObject({
      cin: '9ML20000A',
      name: 'ml-2 Member',
      birthDate: '1980-01-01',
      language: 'en',
      pof: 'homelessness',
      changeType: 'new',
      period: { start: '2026-11-09', end: '2027-11-01' },
      enrollmentStatus: 'waitlist',
      authorization: 'ServiceRequest/ml-2-req',
      authorizationPeriod: { start: '2026-11-02', end: '2027-11-01' },
      leadCareManager: 'PractitionerRole/lcm-alpha-trained',
      lcmName: 'Maria Castillo',
      lcmPhone: '661-555-0199',
      lcmEmail: 'lcm-alpha-trained@example.org',
    });
  });
});

describe('the changes since a date (newAssignmentFreq, ASSIGN-PROVIDER-FEED)', () => {
  it('new and dropped members since the date; nothing after the last change', async () => {
    const rows = members((await list(alphaGroup, 'since=2026-11-09&date=2026-11-20')).body);
    expect(rows.map((r: { patient: string; changeType: string }) => [r.patient, r.changeType]).sort()).toEqual([
      ['Patient/ml-2', 'new'],
      ['Patient/ml-3', 'dropped'],
    ]);
    expect(members((await list(alphaGroup, 'since=2026-11-17&date=2026-11-20')).body)).toEqual([]);
    const beta = await list(betaGroup, 'since=2026-11-16&date=2026-11-20');
    expect(members(beta.body).map((r: { patient: string; changeType: string }) => [r.patient, r.changeType])).toEqual([['Patient/ml-3', 'new']]);
    expect(param(beta.body, 'list').valueCode).toBe('changes');
  });
});

describe('CSV and NDJSON (Member Information File columns)', () => {
  it('format=csv: a Binary text/csv with a header row and one line per member', async () => {
    const res = await list(alphaGroup, 'date=2026-11-20&format=csv');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Binary');
    expect(res.body.contentType).toBe('text/csv');
    const lines = Buffer.from(res.body.data, 'base64').toString('utf8').split('\r\n');
    expect(lines[0]).toBe('plan,provider,provider_npi,member_id,cin,family_name,given_name,birth_date,gender,language,phone,address,pcp,pofs,change_type,attribution_start,attribution_end,assignment_date,enrollment_status,authorization_id,authorization_start,authorization_end,lcm_name,lcm_phone,lcm_email');
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes('Patient/ml-2'))).toBe('Organization/plan-kern,Organization/alpha,1234567893,Patient/ml-2,9ML20000A,Member,ml-2,1980-01-01,female,en,661-555-0123,"1 Main St, Bakersfield, CA, 93301",,homelessness,new,2026-11-09,2027-11-01,2026-11-09,waitlist,ServiceRequest/ml-2-req,2026-11-02,2027-11-01,Maria Castillo,661-555-0199,lcm-alpha-trained@example.org');
  });

  it('format=ndjson: a Binary application/x-ndjson, one object a line with the same columns', async () => {
    const res = await list(alphaGroup, 'since=2026-11-09&date=2026-11-20&format=ndjson');
    expect(res.body.contentType).toBe('application/x-ndjson');
    const objects = Buffer.from(res.body.data, 'base64').toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => [o.member_id, o.change_type]).sort()).toEqual([['Patient/ml-2', 'new'], ['Patient/ml-3', 'dropped']]);
    expect(objects.find((o) => o.member_id === 'Patient/ml-3')).toMatchObject({ attribution_end: '2026-11-16', enrollment_status: 'finished', lcm_name: null });
  });
});

describe('the file through Accept (no format parameter)', () => {
  it('Accept: text/csv answers the CSV itself; application/x-ndjson the NDJSON; JSON or none the Parameters', async () => {
    const csv = await fhir.get(`/Group/${alphaGroup}/$ecm-member-list?date=2026-11-20`, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(String(csv.headers['content-type'])).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')[0]).toMatch(/^plan,provider,provider_npi,member_id,/);
    const nd = await fhir.get(`/Group/${alphaGroup}/$ecm-member-list?since=2026-11-09&date=2026-11-20`, { accept: 'application/x-ndjson' });
    expect(String(nd.headers['content-type'])).toMatch(/^application\/x-ndjson/);
    expect(nd.text.trim().split('\n').map((l) => JSON.parse(l).member_id).sort()).toEqual(['Patient/ml-2', 'Patient/ml-3']);
    const json = await fhir.get(`/Group/${alphaGroup}/$ecm-member-list?date=2026-11-20`, { accept: 'application/fhir+json, text/csv' });
    expect(json.body.resourceType).toBe('Parameters');
  });
});

describe('errors', () => {
  it('a Group that is not an attribution list → 422 naming ASSIGN-LISTS; unknown → 404', async () => {
    await fhir.put('/Group/plain', { resourceType: 'Group', id: 'plain', type: 'person', actual: true });
    const res = await list('plain', '');
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('ASSIGN-LISTS');
    expect((await list('no-such-group', '')).status).toBe(404);
  });
  it.each([['format=xlsx', 'format'], ['since=2026-12-01&date=2026-11-01', 'since'], ['since=soon', 'since'], ['colour=red', 'colour']])('%s → 400 naming the parameter', async (query, name) => {
    const res = await list(alphaGroup, query);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([name]);
  });
});
