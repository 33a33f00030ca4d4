import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeToken } from '../../auth/support.ts';
import { fhirClient, useFhirServer } from '../../support/fhir-client.ts';
import { startTestApp } from '../../support/test-app.ts';
import { assignCall, capacityOf, loadMember, loadNetwork, p, readAssign, refusedRule, search, type Fhir } from './assignment-support.ts';

// One repository transaction per assignment: concurrent calls for the last place (exactly one
// wins, on PostgreSQL's pool as on PGlite's single connection), and nothing half-written when a
// write fails after the capacity row was already updated.

describe('concurrent $ecm-assign calls', () => {
  const { fhir, app } = useFhirServer();
  beforeAll(async () => {
    await loadNetwork(fhir);
  });

  const override = (provider: string) => [p.ref('override', provider), p.str('overrideReason', 'plan choice'), p.ref('overrideBy', 'Practitioner/plan-reviewer')];

  it('two calls naming the provider with one place left: exactly one gets it, the other is refused naming ASSIGN-PROVIDER-QUAL', async () => {
    const [a, b] = [await loadMember(fhir, { id: 'race-a' }), await loadMember(fhir, { id: 'race-b' })];
    const results = await Promise.all([assignCall(fhir, a, override('Organization/mu-one')), assignCall(fhir, b, override('Organization/mu-one'))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(refusedRule(loser.body)).toBe('ASSIGN-PROVIDER-QUAL');
    expect(loser.body.issue[0].diagnostics).toContain('no-capacity');
    expect(await capacityOf(fhir, 'mu-one')).toBe(0);
    expect(await search(fhir, '/EpisodeOfCare?organization=Organization/mu-one')).toHaveLength(1);
    const [group] = await search(fhir, '/Group?attributed-provider=Organization/mu-one');
    expect(group.member).toHaveLength(1);
    expect(group.quantity).toBe(1);
  });

  it('two calls preferring the provider with one place left: one gets it, the other goes on to another provider', async () => {
    const [a, b] = [await loadMember(fhir, { id: 'race-c' }), await loadMember(fhir, { id: 'race-d' })];
    const results = await Promise.all([a, b].map((id) => assignCall(fhir, id, [p.ref('preference', 'Organization/lambda-one')])));
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const providers = results.map((r) => readAssign(r.body).provider);
    expect(providers.filter((x) => x === 'Organization/lambda-one')).toHaveLength(1);
    const other = results.map((r) => readAssign(r.body)).find((x) => x.provider !== 'Organization/lambda-one')!;
    expect(other.candidates[0]).toMatchObject({ step: 'preference', outcome: 'rejected', reason: 'no-capacity' });
    expect(await capacityOf(fhir, 'lambda-one')).toBe(0);
  });

  // PGlite runs one transaction at a time: no other transaction can hold a row there
  it.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL: the best fit being assigned by another transaction counts a place less; the assignment does not wait for it', async () => {
    const [first, second] = [await loadMember(fhir, { id: 'busy-a', pofs: ['homelessness'] }), await loadMember(fhir, { id: 'busy-b', pofs: ['homelessness'] })];
    // the providers contracting homelessness with places, all at 40: the best fit is alpha (then id order)
    for (const id of ['alpha', 'beta-bh', 'theta-pofcap', 'zeta-pcp']) {
      const service = (await fhir.get(`/HealthcareService/svc-${id}`)).body;
      const capacity = service.extension.find((e: { url: string }) => e.url.endsWith('/ext-provider-capacity'));
      capacity.valueInteger = 40;
      expect((await fhir.put(`/HealthcareService/svc-${id}`, service)).status).toBe(200);
    }
    const dry = await assignCall(fhir, first, [p.bool('dryRun', true)]);
    expect(readAssign(dry.body)).toMatchObject({ provider: 'Organization/alpha', step: 'best-fit' });
    const before = { alpha: await capacityOf(fhir, 'alpha'), beta: await capacityOf(fhir, 'beta-bh') };
    // another transaction holds alpha's capacity row (an assignment there under way)
    await app().database.transaction(async (tx) => {
      await tx.query(`SELECT 1 FROM resource WHERE resource_type = 'HealthcareService' AND id = 'svc-alpha' FOR UPDATE`);
      const started = Date.now();
      const res = await assignCall(fhir, first);
      expect(res.status, res.text).toBe(200);
      // with alpha at 39 once that commits, beta-bh (40) is the best fit
      expect(readAssign(res.body)).toMatchObject({ provider: 'Organization/beta-bh', step: 'best-fit' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });
    // alpha's place was only counted for the decision: its row is untouched, beta-bh's used
    expect(await capacityOf(fhir, 'alpha')).toBe(before.alpha);
    expect(await capacityOf(fhir, 'beta-bh')).toBe(before.beta - 1);
    // the holder ended without assigning there: alpha (40) is the best fit again
    expect(readAssign((await assignCall(fhir, second)).body).provider).toBe('Organization/alpha');
    expect(await capacityOf(fhir, 'alpha')).toBe(before.alpha - 1);
  });

  it('the same request sent twice at once: one assignment, the other refused naming ASSIGN-CHANGE', async () => {
    const id = await loadMember(fhir, { id: 'race-same' });
    const results = await Promise.all([assignCall(fhir, id), assignCall(fhir, id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(refusedRule(results.find((r) => r.status === 409)!.body)).toBe('ASSIGN-CHANGE');
    expect(await search(fhir, '/EpisodeOfCare?patient=Patient/race-same')).toHaveLength(1);
  });
});

describe('with SMART tokens (authorization on)', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let admin: Fhir;
  beforeAll(async () => {
    ({ app, close } = await startTestApp({ authDisabled: false, audit: false }));
    const token = await forgeToken(app, { scope: 'user/*.cruds', fhirUser: 'Practitioner/plan-reviewer' });
    const base = fhirClient(app);
    const auth = { authorization: `Bearer ${token}` };
    admin = {
      ...base,
      get: (path, headers) => base.get(path, { ...auth, ...headers }),
      post: (path, body, headers) => base.post(path, body, { ...auth, ...headers }),
    };
    await loadNetwork(admin);
  });
  afterAll(() => close());

  it('nothing is half-written: a write refused after the capacity row was updated rolls the whole assignment back', async () => {
    const id = await loadMember(admin, { id: 'tx-1' });
    // may update capacity, create enrollments, lists, referral Tasks and records, but not send notices (Communication)
    const token = await forgeToken(app, { scope: 'user/*.rs user/HealthcareService.u user/EpisodeOfCare.cu user/CareTeam.cu user/Group.cu user/ServiceRequest.u user/Provenance.c user/Task.cu' });
    const before = (await admin.get('/_history?_count=1')).body.total;
    const capacity = await capacityOf(admin, 'alpha');
    const res = await assignCall(fhirClient(app), id, [p.ref('preference', 'Organization/alpha')], undefined, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].diagnostics).toContain('Communication');
    expect(await capacityOf(admin, 'alpha')).toBe(capacity);
    expect((await admin.get('/_history?_count=1')).body.total).toBe(before);
    expect(await search(admin, '/EpisodeOfCare?patient=Patient/tx-1')).toEqual([]);
  });

  it('ASSIGN-OVERRIDE takes the signed-in user (fhirUser) as the deciding user', async () => {
    const id = await loadMember(admin, { id: 'tx-override' });
    const res = await assignCall(admin, id, [p.ref('override', 'Organization/beta-bh'), p.str('overrideReason', 'member asked the plan by phone')]);
    expect(res.status, res.text).toBe(200);
    const a = readAssign(res.body);
    expect(a.override?.part?.find((x) => x.name === 'by')?.valueReference?.reference).toBe('Practitioner/plan-reviewer');
  });
});
