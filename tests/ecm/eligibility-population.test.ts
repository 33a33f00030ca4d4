import { readFileSync } from 'node:fs';
import type { Bundle, Group, Parameters, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { eligibilityParameters } from '../../src/ecm/eligibility/eligibility-parameters.ts';
import { PRIORITY_EXTENSION } from '../../src/ecm/population/eligible-list.ts';
import { POPULATION_JOB, populationJob } from '../../src/ecm/population/population-job.ts';
import { decideBatch } from '../../src/ecm/population/population-run.ts';
import type { FhirContext } from '../../src/fhir/request.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { listJobs } from '../../src/store/job-queue-sql.ts';
import { ANCHOR_DATE, patientId, populationBatches, populationOrganizations, transactionBundle } from '../../seed/population/generate.ts';
import { useFhirServer, type TestResponse } from '../support/fhir-client.ts';
import { readEligibility } from './eligibility-support.ts';

const E = (JSON.parse(readFileSync(new URL('../../seed/demo-expectations.json', import.meta.url), 'utf8')) as { evaluationDate: string }).evaluationDate;
const ASYNC = { prefer: 'respond-async' };
/** Background jobs on, polling often: population runs are queued jobs (src/jobs). */
const JOBS = { jobs: { enabled: true, pollMs: 20, leaseMs: 60_000, concurrency: 1, clrEscalateIntervalMs: 0 } };
const BASE = 'http://localhost:8080/fhir';

type Client = ReturnType<typeof useFhirServer>['fhir'];

/** The path after the base of a Content-Location / download URL. */
const local = (url: string) => url.slice(BASE.length);

async function pollUntilDone(fhir: Client, statusUrl: string): Promise<{ final: TestResponse; progress: string[] }> {
  const progress: string[] = [];
  for (let i = 0; i < 600; i++) {
    const res = await fhir.get(local(statusUrl));
    if (res.status !== 202) return { final: res, progress };
    progress.push(String(res.headers['x-progress']));
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the job did not finish');
}

function summary(bundle: Bundle) {
  const params = (bundle.entry?.[0]?.resource as Parameters).parameter ?? [];
  const get = (n: string) => params.find((p) => p.name === n);
  return {
    evaluated: get('evaluated')?.valueInteger,
    eligible: get('eligible')?.valueInteger,
    group: get('group')?.valueReference?.reference,
    csv: get('csv')?.valueUri,
    ndjson: get('ndjson')?.valueUri,
  };
}

const decode = (binary: { data: string }) => Buffer.from(binary.data, 'base64').toString('utf8');

/**
 * Holds the population run's member batches (searches of 200 Patients) until released, so a test
 * sees the job running whatever the machine's speed.
 */
function holdMemberBatches(ctx: FhirContext): () => void {
  const original = ctx.repo.search.bind(ctx.repo);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  ctx.repo.search = async (access, query) => {
    if (query.resourceType === 'Patient' && query.count === 200) await gate;
    return original(access, query);
  };
  return () => {
    ctx.repo.search = original;
    release();
  };
}

/** Every Patient id of the server, in pages. */
async function allPatientIds(fhir: Client): Promise<string[]> {
  const res = await fhir.get('/Patient?_count=1000&_elements=id');
  return (res.body as Bundle).entry!.map((e) => (e.resource as Patient).id!);
}

describe('population $ecm-eligibility on the demo seed (ID-STRAT, ID-LIST)', () => {
  const { fhir, app } = useFhirServer(JOBS);
  let perMember: Map<string, ReturnType<typeof readEligibility>>;
  beforeAll(async () => {
    await loadDemoSeed(app().fhir);
    perMember = new Map();
    for (const id of await allPatientIds(fhir)) {
      const res = await fhir.get(`/Patient/${id}/$ecm-eligibility?date=${E}`);
      expect(res.status).toBe(200);
      perMember.set(id, readEligibility(res.body));
    }
  }, 120_000);

  let result: Bundle;
  it('answers 202 + Content-Location, shows X-Progress while running, then 200 with a batch-response Bundle', async () => {
    const release = holdMemberBatches(app().fhir as FhirContext);
    let location: string;
    try {
      const res = await fhir.post(`/$ecm-eligibility?date=${E}`, undefined, ASYNC);
      expect(res.status).toBe(202);
      location = String(res.headers['content-location']);
      expect(location).toMatch(new RegExp(`^${BASE}/\\$ecm-eligibility-status/[0-9a-f-]{36}$`));
      let running = await fhir.get(local(location));
      // queued until a runner claims it; then the member count comes first
      for (let i = 0; i < 500 && running.headers['x-progress'] === 'queued'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        running = await fhir.get(local(location));
      }
      expect(running.status).toBe(202);
      expect(running.headers['x-progress']).toBe(`0/${perMember.size} members`);
    } finally {
      release();
    }
    const { final, progress } = await pollUntilDone(fhir, location);
    for (const p of progress) expect(p).toMatch(/^(\d+\/\d+ members|queued)$/);
    expect(final.status).toBe(200);
    result = final.body;
    expect(result.resourceType).toBe('Bundle');
    expect(result.type).toBe('batch-response');
    expect(result.entry).toHaveLength(4);
    expect(summary(result).evaluated).toBe([...perMember.values()].filter((r) => r.base.evidence.length > 0).length);
  });

  it('writes the Group of exactly the members the per-member run finds eligible, ranked by score then id', async () => {
    const s = summary(result);
    const expected = [...perMember.entries()].filter(([, r]) => r.eligible).map(([id]) => `Patient/${id}`).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(s.eligible).toBe(expected.length);
    const group = (await fhir.get(`/${s.group!.split('/_history')[0]}`)).body as Group;
    expect(group.id).toBe(`ecm-eligible-${E.slice(0, 7)}`);
    expect(group.name).toBe(`eligible members for ${E.slice(0, 7)}`);
    expect(group.type).toBe('person');
    expect(group.actual).toBe(true);
    expect(group.quantity).toBe(expected.length);
    expect(group.member!.map((m) => m.entity.reference).sort()).toEqual(expected);
    const ranked = group.member!.map((m) => {
      const ext = m.extension!.find((x) => x.url === PRIORITY_EXTENSION)!.extension!;
      return { id: m.entity.reference!, rank: ext.find((x) => x.url === 'rank')!.valuePositiveInt!, score: ext.find((x) => x.url === 'score')!.valueDecimal!, tier: ext.find((x) => x.url === 'tier')!.valueCode! };
    });
    expect(ranked.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
    const resorted = [...ranked].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    expect(ranked.map((r) => r.id)).toEqual(resorted.map((r) => r.id));
    for (const r of ranked) expect(['high', 'medium', 'low']).toContain(r.tier);
  });

  it('gives the same ranking when run again (deterministic), as a new version of the same Group', async () => {
    const again = await fhir.post(`/$ecm-eligibility?date=${E}`, undefined, ASYNC);
    const { final } = await pollUntilDone(fhir, String(again.headers['content-location']));
    const first = (result.entry![1].resource as Group).member!.map((m) => m.entity.reference);
    const second = (final.body.entry[1].resource as Group).member!.map((m) => m.entity.reference);
    expect(second).toEqual(first);
    expect(summary(final.body).group).not.toBe(summary(result).group);
  });

  it('offers the list as CSV and NDJSON (Binary), in rank order with CIN, POFs, tier, score, reasons', async () => {
    const s = summary(result);
    const group = result.entry![1].resource as Group;
    const csvRes = await fhir.get(local(s.csv!));
    expect(csvRes.status).toBe(200);
    expect(csvRes.body.resourceType).toBe('Binary');
    expect(csvRes.body.contentType).toBe('text/csv');
    const lines = decode(csvRes.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe('rank,member_id,cin,pofs,risk_tier,score,reasons');
    expect(lines).toHaveLength(group.member!.length + 1);
    const first = lines[1].split(',');
    const firstId = group.member![0].entity.reference!.slice('Patient/'.length);
    expect(first.slice(0, 2)).toEqual(['1', firstId]);
    const patient = (await fhir.get(`/Patient/${firstId}`)).body as Patient;
    expect(first[2]).toBe(patient.identifier!.find((i) => i.system === 'https://ecm-fhir.example.org/sid/medi-cal-cin')!.value);
    const metCodes = perMember.get(firstId)!.populations.filter((p) => p.met).map((p) => p.code);
    expect(first[3].split(';')).toEqual(metCodes);

    const ndRes = await fhir.get(local(s.ndjson!));
    expect(ndRes.body.contentType).toBe('application/x-ndjson');
    const rows = decode(ndRes.body).trimEnd().split('\n').map((l) => JSON.parse(l) as { rank: number; member: string; pofs: { code: string; reason: string }[]; riskTier: string; score: number });
    expect(rows.map((r) => r.member)).toEqual(group.member!.map((m) => m.entity.reference));
    for (const row of rows) {
      const per = perMember.get(row.member.slice('Patient/'.length))!;
      expect(row.pofs.map((p) => p.code)).toEqual(per.populations.filter((p) => p.met).map((p) => p.code));
      expect(row.pofs.map((p) => p.reason)).toEqual(per.populations.filter((p) => p.met).map((p) => p.reason));
    }
    expect((await fhir.get(`${local(s.csv!).replace('list.csv', 'list.xml')}`)).status).toBe(404);
  });

  it('gives identical determinations to the per-member operation, member by member', async () => {
    const ctx = app().fhir as FhirContext;
    const patients = (await Promise.all([...perMember.keys()].map((id) => fhir.get(`/Patient/${id}`)))).map((r) => r.body as Patient & { id: string });
    const decided = await decideBatch(ctx, patients, { date: E, persist: false });
    expect(decided).toHaveLength(patients.length);
    for (const { evidence, decided: d } of decided) {
      const per = await fhir.get(`/Patient/${evidence.patient.id}/$ecm-eligibility?date=${E}`);
      expect(eligibilityParameters(d.decision), evidence.patient.id).toEqual(per.body);
    }
  });

  it('runs a Group of members synchronously without respond-async, and a Group of 0 members gives an empty list', async () => {
    const ids = [...perMember.keys()].slice(0, 5);
    const created = await fhir.post('/Group', { resourceType: 'Group', type: 'person', actual: true, member: ids.map((id) => ({ entity: { reference: `Patient/${id}` } })) });
    const res = await fhir.post(`/Group/${created.body.id}/$ecm-eligibility`, { resourceType: 'Parameters', parameter: [{ name: 'date', valueDate: E }] });
    expect(res.status).toBe(200);
    const s = summary(res.body);
    expect(s.evaluated).toBe(ids.filter((id) => perMember.get(id)!.base.evidence.length > 0).length);
    expect(s.eligible).toBe(ids.filter((id) => perMember.get(id)!.eligible).length);
    expect(s.group).toMatch(new RegExp(`^Group/ecm-eligible-${E.slice(0, 7)}-${created.body.id}/_history/1$`));

    const empty = await fhir.post('/Group', { resourceType: 'Group', type: 'person', actual: true });
    const run = await fhir.post(`/Group/${empty.body.id}/$ecm-eligibility?date=${E}`, undefined, ASYNC);
    expect(run.status).toBe(202);
    const { final } = await pollUntilDone(fhir, String(run.headers['content-location']));
    expect(final.status).toBe(200);
    expect(summary(final.body)).toMatchObject({ evaluated: 0, eligible: 0 });
    const group = final.body.entry[1].resource as Group;
    expect(group.quantity).toBe(0);
    expect(group.member ?? []).toEqual([]);
    const csv = await fhir.get(local(summary(final.body).csv!));
    expect(decode(csv.body)).toBe('rank,member_id,cin,pofs,risk_tier,score,reasons\r\n');
  });

  it('with persist=true opens the EXCL-PLAN-CM care-coordination Task, as the per-member run does, once', async () => {
    const member = 'demo-member-48';
    expect(perMember.get(member)!.exclusions.map((x) => x.code)).toEqual(['EXCL-PLAN-CM']);
    const created = await fhir.post('/Group', { resourceType: 'Group', type: 'person', actual: true, member: [{ entity: { reference: `Patient/${member}` } }] });
    const params = { resourceType: 'Parameters', parameter: [{ name: 'date', valueDate: E }, { name: 'persist', valueBoolean: true }] };
    const tasks = async () => (await fhir.get(`/Task?patient=Patient/${member}&code=https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category|care-coordination`)).body.entry ?? [];
    expect(await tasks()).toEqual([]);
    expect((await fhir.post(`/Group/${created.body.id}/$ecm-eligibility`, params)).status).toBe(200);
    const [task] = await tasks();
    expect(task.resource).toMatchObject({ status: 'requested', reasonCode: { coding: [{ code: 'EXCL-PLAN-CM' }] }, for: { reference: `Patient/${member}` } });
    expect(task.resource.owner.reference).toMatch(/^Organization\//);
    expect((await fhir.post(`/Group/${created.body.id}/$ecm-eligibility`, params)).status).toBe(200);
    expect((await tasks()).map((e: { resource: { id: string } }) => e.resource.id)).toEqual([task.resource.id]);
  });

  it('cancels a job on DELETE: 202, then its status URL is 404', async () => {
    const release = holdMemberBatches(app().fhir as FhirContext);
    let location: string;
    try {
      const run = await fhir.post('/$ecm-eligibility?date=2026-01-15', undefined, ASYNC);
      location = local(String(run.headers['content-location']));
      expect((await fhir.get(location)).status).toBe(202);
      const del = await fhir.delete(location);
      expect(del.status).toBe(202);
    } finally {
      release();
    }
    expect((await fhir.get(location)).status).toBe(404);
    expect((await fhir.get(`${location}/list.csv`)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect((await fhir.get('/Group/ecm-eligible-2026-01')).status, 'a cancelled run writes no list').toBe(404);
  });

  it('answers 404 for an unknown job and an unknown Group, 400 for a bad date or a system run without respond-async', async () => {
    const unknown = await fhir.get('/$ecm-eligibility-status/00000000-0000-0000-0000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.resourceType).toBe('OperationOutcome');
    expect((await fhir.post('/Group/no-such-group/$ecm-eligibility', undefined, ASYNC)).status).toBe(404);
    const bad = await fhir.post('/$ecm-eligibility?date=2026-13-01', undefined, ASYNC);
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].expression).toEqual(['date']);
    const sync = await fhir.post(`/$ecm-eligibility?date=${E}`, undefined);
    expect(sync.status).toBe(400);
    expect(sync.body.issue[0].diagnostics).toMatch(/respond-async/);
    expect((await fhir.get(`/$ecm-eligibility?date=${E}`)).status).toBe(405);
  });
});

describe('population $ecm-eligibility on generated members: identical to per-member runs', () => {
  const { fhir, app } = useFhirServer(JOBS);
  const N = 50;
  beforeAll(async () => {
    const orgs = await fhir.post('/', transactionBundle(populationOrganizations()));
    expect(orgs.status).toBe(200);
    for (const batch of populationBatches({ to: N, membersPerBatch: 25 })) {
      const res = await fhir.post('/', transactionBundle(batch.resources));
      expect(res.status).toBe(200);
    }
  }, 120_000);

  it('gives every member the per-member determination, and lists exactly the eligible ones', async () => {
    const ctx = app().fhir as FhirContext;
    const ids = Array.from({ length: N }, (_, n) => patientId(n));
    const patients = (await Promise.all(ids.map((id) => fhir.get(`/Patient/${id}`)))).map((r) => r.body as Patient & { id: string });
    const decided = await decideBatch(ctx, patients, { date: ANCHOR_DATE, persist: false });
    expect(decided).toHaveLength(N);
    const eligible: string[] = [];
    for (const { evidence, decided: d } of decided) {
      const per = await fhir.get(`/Patient/${evidence.patient.id}/$ecm-eligibility?date=${ANCHOR_DATE}`);
      expect(per.status).toBe(200);
      expect(eligibilityParameters(d.decision), evidence.patient.id).toEqual(per.body);
      if (per.body.parameter[0].valueBoolean === true) eligible.push(`Patient/${evidence.patient.id}`);
    }
    const run = await fhir.post(`/$ecm-eligibility?date=${ANCHOR_DATE}`, undefined, ASYNC);
    const { final } = await pollUntilDone(fhir, String(run.headers['content-location']));
    expect(final.status).toBe(200);
    const group = final.body.entry[1].resource as Group;
    expect((group.member ?? []).map((m) => m.entity.reference).sort()).toEqual(eligible.sort());
  }, 120_000);
});

describe('population runs live on the job queue (DESIGN.md src/jobs)', () => {
  // this server runs no jobs: another process's runner (here: one built on the same database) does
  const { fhir, app } = useFhirServer();
  beforeAll(async () => {
    await loadDemoSeed(app().fhir);
  }, 60_000);

  it('stays queued until a runner claims it, then any process answers its status from the job row', async () => {
    const run = await fhir.post(`/$ecm-eligibility?date=${E}`, undefined, ASYNC);
    expect(run.status).toBe(202);
    const location = local(String(run.headers['content-location']));
    await new Promise((r) => setTimeout(r, 50));
    const queued = await fhir.get(location);
    expect(queued.status).toBe(202);
    expect(queued.headers['x-progress']).toBe('queued');
    const [row] = await listJobs(app().database, POPULATION_JOB);
    expect(row).toMatchObject({ state: 'queued', payload: { source: { kind: 'all' }, input: { date: E, persist: false } } });

    const runner = new JobRunner({ database: app().database, concurrency: 1 }).handle(POPULATION_JOB, populationJob(app().fhir));
    expect(await runner.tick()).toBe(1);
    const done = await fhir.get(location);
    expect(done.status).toBe(200);
    const s = summary(done.body as Bundle);
    expect(s.evaluated).toBeGreaterThan(0);
    const [finished] = await listJobs(app().database, POPULATION_JOB);
    expect(finished).toMatchObject({ state: 'done', progress: { done: expect.any(Number), total: expect.any(Number) }, result: { record: { evaluated: s.evaluated, group: s.group } } });
    expect((await fhir.get(`${location}/list.csv`)).status).toBe(200);
    await runner.stop();
  });

  it('a run deleted while queued is never run; one whose Group is deleted meanwhile ends with the 410 a read gives, not retried', async () => {
    const run = await fhir.post(`/$ecm-eligibility?date=${E}`, undefined, ASYNC);
    const location = local(String(run.headers['content-location']));
    expect((await fhir.delete(location)).status).toBe(202);
    const runner = new JobRunner({ database: app().database, concurrency: 1 }).handle(POPULATION_JOB, populationJob(app().fhir));
    expect(await runner.tick()).toBe(0);
    expect((await fhir.get(location)).status).toBe(404);

    // the Group is deleted after the run was accepted: the job ends with the 404 a read gives
    const group = await fhir.post('/Group', { resourceType: 'Group', type: 'person', actual: true });
    expect(group.status).toBe(201);
    const later = await fhir.post(`/Group/${group.body.id}/$ecm-eligibility?date=${E}`, undefined, ASYNC);
    expect(later.status).toBe(202);
    expect((await fhir.delete(`/Group/${group.body.id}`)).status).toBe(200);
    expect(await runner.tick()).toBe(1);
    const ended = await fhir.get(local(String(later.headers['content-location'])));
    expect(ended.status).toBe(410);
    expect(ended.body.resourceType).toBe('OperationOutcome');
    await runner.stop();
  });
});
