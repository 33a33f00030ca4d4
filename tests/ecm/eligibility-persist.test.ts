import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';
import { TestMember } from './eligibility-fixtures.ts';
import { readEligibility } from './eligibility-support.ts';

const { fhir } = useFhirServer();
const POF = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-population-of-focus';
const CAT = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category';

async function member(id: string, build: (m: TestMember) => void) {
  const m = new TestMember(id, '1980-01-01');
  build(m);
  expect((await fhir.post('', m.bundle())).status).toBe(200);
  return m;
}
const run = (id: string, date: string) => fhir.post(`/Patient/${id}/$ecm-eligibility`, { resourceType: 'Parameters', parameter: [{ name: 'date', valueDate: date }, { name: 'persist', valueBoolean: true }] });
const pofConditions = async (id: string) => (await fhir.get(`/Condition?subject=Patient/${id}&category=${CAT}|pof`)).body.entry?.map((e: { resource: unknown }) => e.resource) ?? [];
const pofFlags = async (id: string) => (await fhir.get(`/Flag?subject=Patient/${id}`)).body.entry?.map((e: { resource: unknown }) => e.resource) ?? [];

describe('$ecm-eligibility persist=true (POF-MULTI, DECISION-RECORD)', () => {
  it('writes one POF Condition + Flag per POF met, with the evidence; a second run writes nothing; abates when no longer met', async () => {
    const m = await member('persist-1', (x) => {
      ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => x.ed(d));
      x.dx('Z59.02', '2026-01-01');
      x.obs('complex-need', true);
    });
    const first = await run(m.id, '2026-11-01');
    expect(first.status).toBe(200);
    expect(readEligibility(first.body).written).toHaveLength(4);
    const conditions = await pofConditions(m.id);
    expect(conditions.map((c: { code: { coding: { code: string }[] } }) => c.code.coding[0].code).sort()).toEqual(['avoidable-utilization', 'homelessness']);
    const util = conditions.find((c: { code: { coding: { code: string }[] } }) => c.code.coding[0].code === 'avoidable-utilization');
    expect(util.meta.profile).toEqual(['https://ecm-fhir.example.org/fhir/StructureDefinition/ecm-pof-condition']);
    expect(util.evidence[0].code[0].coding[0].code).toBe('ELIG-A-UTIL');
    expect(util.evidence[0].detail).toHaveLength(5);
    expect(util.note[1].text).toContain('settings profile default 0.1.0');
    expect((await fhir.post('/Condition/$validate', util)).body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
    const flags = await pofFlags(m.id);
    expect(flags).toHaveLength(2);
    expect(flags.every((f: { status: string }) => f.status === 'active')).toBe(true);
    expect((await fhir.post('/Flag/$validate', flags[0])).body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);

    const versions = (rs: { id: string; meta: { versionId: string } }[]) => rs.map((r) => `${r.id}@${r.meta.versionId}`).sort();
    const before = [...versions(conditions), ...versions(flags)];
    const second = await run(m.id, '2026-11-01');
    expect(readEligibility(second.body).written).toEqual([]);
    expect([...versions(await pofConditions(m.id)), ...versions(await pofFlags(m.id))]).toEqual(before);

    // 2027-06-01: the ED visits are outside the 6-month window; homelessness still met
    const later = await run(m.id, '2027-06-01');
    expect(readEligibility(later.body).written).toHaveLength(2);
    const after = await pofConditions(m.id);
    const abated = after.find((c: { code: { coding: { code: string }[] } }) => c.code.coding[0].code === 'avoidable-utilization');
    expect(abated.clinicalStatus.coding[0].code).toBe('resolved');
    expect(abated.abatementDateTime).toBe('2027-06-01');
    const home = after.find((c: { code: { coding: { code: string }[] } }) => c.code.coding[0].code === 'homelessness');
    expect(home.clinicalStatus.coding[0].code).toBe('active');
    const flag = (await pofFlags(m.id)).find((f: { code: { coding: { system: string; code: string }[] } }) => f.code.coding[0].code === 'avoidable-utilization');
    expect(flag.status).toBe('inactive');
    expect(flag.period.end).toBe('2027-06-01');
    expect(readEligibility((await run(m.id, '2027-06-01')).body).written).toEqual([]);
  });

  it('persist=false (the default) writes nothing; persist=true over GET is refused', async () => {
    const m = await member('persist-2', (x) => ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => x.ed(d)));
    expect((await fhir.get(`/Patient/${m.id}/$ecm-eligibility?date=2026-11-01`)).status).toBe(200);
    expect(await pofConditions(m.id)).toEqual([]);
    const res = await fhir.get(`/Patient/${m.id}/$ecm-eligibility?date=2026-11-01&persist=true`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('EXCL-PLAN-CM is never a silent denial', () => {
  const followUps = async (id: string) => (await fhir.get(`/Task?patient=Patient/${id}&code=${CAT}|care-coordination`)).body.entry?.map((e: { resource: Task }) => e.resource) ?? [];

  it('opens one care-coordination Task for plan staff, with the rule, reason and enrollment; runs after it and staff closing it add none', async () => {
    const m = await member('plan-cm-1', (x) => {
      ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => x.ed(d));
      x.program(['plan-complex-cm'], '2026-09-01');
    });
    const first = await run(m.id, '2026-11-01');
    expect(first.status).toBe(200);
    expect(readEligibility(first.body).exclusions.map((e) => e.code)).toEqual(['EXCL-PLAN-CM']);
    const [task, ...more] = await followUps(m.id);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      status: 'requested', intent: 'order', for: { reference: `Patient/${m.id}` },
      owner: { reference: 'Organization/test-plan' }, requester: { reference: 'Organization/test-plan' },
      reasonCode: { coding: [{ system: 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-rule', code: 'EXCL-PLAN-CM' }] },
    });
    expect(task.description).toContain('right level of case management');
    const enrollment = readEligibility(first.body).exclusions[0].evidence[0];
    expect(task.focus?.reference).toBe(enrollment);
    expect(readEligibility(first.body).written).toContain(`Task/${task.id}/_history/1`);

    expect(readEligibility((await run(m.id, '2026-11-01')).body).written).toEqual([]);
    expect((await fhir.put(`/Task/${task.id}`, { ...task, status: 'completed' })).status).toBe(200);
    await run(m.id, '2026-11-01');
    expect((await followUps(m.id)).map((t: Task) => [t.id, t.status])).toEqual([[task.id, 'completed']]);
  });

  it('is not opened without persist, nor for a member the rule does not exclude', async () => {
    const m = await member('plan-cm-2', (x) => x.program(['plan-basic-cm'], '2026-09-01'));
    expect((await fhir.get(`/Patient/${m.id}/$ecm-eligibility?date=2026-11-01`)).status).toBe(200);
    expect(await followUps(m.id)).toEqual([]);
    const other = await member('plan-cm-3', (x) => x.dx('Z59.02', '2026-01-01'));
    await run(other.id, '2026-11-01');
    expect(await followUps(other.id)).toEqual([]);
  });
});

describe('$ecm-eligibility errors (every one an OperationOutcome)', () => {
  it('unknown patient → 404', async () => {
    const res = await fhir.get('/Patient/no-such-member/$ecm-eligibility?date=2026-11-01');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
  it.each(['2026-13-01', '2026-02-30', 'yesterday', '2026-11'])('bad date %s → 400 naming the parameter', async (date) => {
    await member('errors-1', () => undefined);
    const res = await fhir.get(`/Patient/errors-1/$ecm-eligibility?date=${date}`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['date']);
  });
  it('bad persist, unknown settings profile → 400', async () => {
    await member('errors-2', () => undefined);
    expect((await fhir.get('/Patient/errors-2/$ecm-eligibility?persist=maybe')).body.issue[0].expression).toEqual(['persist']);
    expect((await fhir.get('/Patient/errors-2/$ecm-eligibility?settingsProfile=nope')).status).toBe(400);
  });
  it('no date: evaluates on today in America/Los_Angeles', async () => {
    await member('errors-3', () => undefined);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date());
    expect(readEligibility((await fhir.get('/Patient/errors-3/$ecm-eligibility')).body).date).toBe(today);
  });
  it('is listed in the CapabilityStatement on Patient with its OperationDefinition', async () => {
    const cs = (await fhir.get('/metadata')).body;
    const patient = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.operation).toContainEqual({ name: 'ecm-eligibility', definition: 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility' });
    expect((await fhir.get('/OperationDefinition?url=https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility')).status).toBe(200);
  });
});
