import type { Communication, Provenance, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import {
  B, CALOPTIMA, KERN, PARTNERSHIP, authorizationRequest, createAuthorization, decide, decideBody, dueOf, expectRule, homelessMember, memberWithoutPof, out, referral, store, storeReviewers,
} from './authorization-support.ts';

const { fhir } = useFhirServer();

beforeAll(async () => {
  await storeReviewers(fhir);
});

async function validIssues(type: string, resource: unknown) {
  const res = await fhir.post(`/${type}/$validate`, resource);
  return (res.body.issue as { severity: string; diagnostics?: string }[]).filter((i) => i.severity === 'error');
}

describe('$ecm-decide approve (AUTH-PERIOD, AUTH-NOTICE, DECISION-RECORD)', () => {
  it('Kern: 12 months from the decision date, notices to member, ECM provider and PCP, Provenance with the reviewer', async () => {
    await store(fhir, homelessMember('app-kern', KERN), 'Practitioner/pcp-1');
    expect((await fhir.put('/ServiceRequest/app-kern-ref', referral('app-kern-ref', 'app-kern'))).status).toBe(201);
    const draft = await createAuthorization(fhir, authorizationRequest('app-kern', { basedOn: ['ServiceRequest/app-kern-ref'], performer: 'Organization/ecm-provider-1' }));
    const res = await decide(fhir, draft.id, decideBody('approve', { reason: 'Meets ELIG-A-HOMELESS', date: '2026-11-25T14:00:00-08:00' }));
    expect(res.status, res.text).toBe(200);
    const o = out(res.body);
    expect(o.period).toEqual({ start: '2026-11-25', end: '2027-11-24' });
    expect(o.authorization.status).toBe('active');
    expect(o.authorization.occurrencePeriod).toEqual(o.period);
    expect(o.authorization.authoredOn).toBe('2026-11-25T14:00:00-08:00');
    expect(o.authorization.meta?.versionId).toBe('2');
    expect(o.rules).toEqual(expect.arrayContaining(['AUTH-FLOW', 'AUTH-PERIOD', 'AUTH-NOTICE', 'ELIG-A-HOMELESS']));
    expect(o.settingsProfile).toEqual({ name: 'kern', version: '0.1.0' });
    // Kern: member, ECM provider, PCP (approvalNoticeRecipients); the referrer is not on Kern's list
    expect(o.notices).toHaveLength(3);
    expect(o.skipped).toEqual([]);
    const notices: Communication[] = await Promise.all(o.notices.map(async (n) => (await fhir.get(`/${n}`)).body));
    expect(notices.map((n) => n.recipient?.[0].reference).sort()).toEqual(['Organization/ecm-provider-1', 'Patient/app-kern', 'Practitioner/pcp-1']);
    for (const n of notices) {
      expect(n.about?.map((a) => a.reference)).toEqual([`ServiceRequest/${draft.id}`, 'ServiceRequest/app-kern-ref']);
      expect(n.sent).toBe('2026-11-25T14:00:00-08:00');
      expect(await validIssues('Communication', n)).toEqual([]);
    }
    expect(notices.find((n) => n.recipient?.[0].reference === 'Patient/app-kern')?.medium?.[0].coding?.[0].code).toBe('MAILWRIT');
    const provenance: Provenance = (await fhir.get(`/${o.provenance}`)).body;
    expect(provenance.target).toEqual([{ reference: `ServiceRequest/${draft.id}/_history/2` }]);
    expect(provenance.agent[0].who).toEqual({ reference: 'PractitionerRole/reviewer-nurse' });
    expect(provenance.activity?.coding?.[0]).toEqual({ system: `${B}/CodeSystem/ecm-auth-decision`, code: 'approve' });
    expect(provenance.policy).toEqual([`${B}/settings-profile/kern|0.1.0`]);
    expect(provenance.reason?.flatMap((r) => r.coding ?? []).map((c) => c.code)).toEqual(o.rules);
    expect(provenance.reason?.some((r) => r.text === 'Meets ELIG-A-HOMELESS')).toBe(true);
    expect(provenance.entity?.map((e) => e.what.reference)).toContain('ServiceRequest/app-kern-ref');
    expect(await validIssues('Provenance', provenance)).toEqual([]);
    expect(await validIssues('ServiceRequest', o.authorization)).toEqual([]);
    // Provenance?target finds the decision (the reviewer and reason are queryable)
    const byTarget = await fhir.get(`/Provenance?target=ServiceRequest/${draft.id}`);
    expect(byTarget.body.total).toBe(1);
  });
});

describe('$ecm-decide approve sets the assignment due date (ASSIGN-TAT)', () => {
  it('an approved, unassigned authorization is due for assignment 10 business days later (Thanksgiving skipped) and found overdue', async () => {
    await store(fhir, homelessMember('app-due', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('app-due'));
    const o = out((await decide(fhir, draft.id, decideBody('approve', { date: '2026-11-24T09:00:00-08:00' }))).body);
    const due = o.authorization.extension?.find((e) => e.url === `${B}/StructureDefinition/ext-assignment-due`)?.valueDate;
    // Nov 25 (1), 26-27 Thanksgiving and the day after (CA state holidays), Nov 30 (2) ... Dec 10 (10)
    expect(due).toBe('2026-12-10');
    const overdue = await fhir.get(`/ServiceRequest?assignment-due=lt2026-12-11&performer:missing=true&subject=Patient/app-due`);
    expect(overdue.body.entry?.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([draft.id]);
    expect((await fhir.get(`/ServiceRequest?assignment-due=lt2026-12-10&subject=Patient/app-due`)).body.entry ?? []).toEqual([]);
  });

  it('an authorization that names its ECM provider (performer) is already assigned: no due date', async () => {
    await store(fhir, homelessMember('app-due-2', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('app-due-2', { performer: 'Organization/ecm-provider-1' }));
    const o = out((await decide(fhir, draft.id, decideBody('approve', { date: '2026-11-24T09:00:00-08:00' }))).body);
    expect(o.authorization.extension?.some((e) => e.url === `${B}/StructureDefinition/ext-assignment-due`) ?? false).toBe(false);
  });
});

describe('$ecm-decide under each plan profile', () => {
  it('CalOptima: 6 months (AUTH-PERIOD) and a notice to the member only (approvalNoticeRecipients)', async () => {
    await store(fhir, homelessMember('app-co', CALOPTIMA), 'Practitioner/pcp-1');
    const draft = await createAuthorization(fhir, authorizationRequest('app-co', { performer: 'Organization/ecm-provider-1' }));
    const o = out((await decide(fhir, draft.id, decideBody('approve', { date: '2026-11-25T14:00:00-08:00' }))).body);
    expect(o.period).toEqual({ start: '2026-11-25', end: '2027-05-24' });
    expect(o.settingsProfile).toEqual({ name: 'caloptima', version: '0.1.0' });
    expect(o.notices).toHaveLength(1);
    expect((await fhir.get(`/${o.notices[0]}`)).body.recipient).toEqual([{ reference: 'Patient/app-co' }]);
  });

  it('CalOptima reauthorization (replaces an approved one): 6 months from the day after it ends (AUTH-REAUTH)', async () => {
    await store(fhir, homelessMember('reauth-co', CALOPTIMA));
    // an approval recorded as decided elsewhere (created active: allowed, see authorization-write-rule.test.ts)
    const first = await createAuthorization(fhir, authorizationRequest('reauth-co', { status: 'active', period: { start: '2026-07-01', end: '2026-12-31' } }));
    const renewal = await createAuthorization(fhir, authorizationRequest('reauth-co', { replaces: [`ServiceRequest/${first.id}`] }));
    const o = out((await decide(fhir, renewal.id, decideBody('approve', { date: '2026-12-15T09:00:00-08:00' }))).body);
    expect(o.period).toEqual({ start: '2027-01-01', end: '2027-06-30' });
    expect(o.rules).toContain('AUTH-REAUTH');
    const provenance: Provenance = (await fhir.get(`/${o.provenance}`)).body;
    expect(provenance.entity).toContainEqual({ role: 'revision', what: { reference: `ServiceRequest/${first.id}` } });
  });

  it('Partnership continuity of care: at most 6 months (CONT-HIST-P), member and ECM provider told', async () => {
    const m = memberWithoutPof('coc-p', PARTNERSHIP);
    // coverage with Partnership from 2026-10-01; ECM with another plan until 2026-09-20 (cocLookback 6 months)
    (m.resources[1] as { period: { start: string } }).period.start = '2026-10-01';
    m.program(['ecm'], '2026-03-01', '2026-09-20', 'Organization/ecm-provider-elsewhere');
    await store(fhir, m);
    const draft = await createAuthorization(fhir, authorizationRequest('coc-p', { performer: 'Organization/ecm-provider-1' }));
    const res = await decide(fhir, draft.id, decideBody('approve', { date: '2026-11-25T14:00:00-08:00' }));
    expect(res.status, res.text).toBe(200);
    const o = out(res.body);
    expect(o.period).toEqual({ start: '2026-11-25', end: '2027-05-24' });
    expect(o.rules).toEqual(expect.arrayContaining(['CONT-HIST-P', 'AUTH-PERIOD']));
    expect(o.notices).toHaveLength(2);
  });

  it('Kern JI member: starts on the release date, before the decision date (AUTH-JI-RETRO, JI-START)', async () => {
    const m = memberWithoutPof('ji-k', KERN);
    m.program(['incarceration'], '2025-06-01', '2026-11-10', 'Organization/kern-county-jail');
    m.dx('F20.9', '2024-01-01');
    await store(fhir, m);
    const draft = await createAuthorization(fhir, authorizationRequest('ji-k', { priority: 'urgent' }));
    const res = await decide(fhir, draft.id, decideBody('approve', { date: '2026-11-25T14:00:00-08:00' }));
    expect(res.status, res.text).toBe(200);
    const o = out(res.body);
    expect(o.period).toEqual({ start: '2026-11-10', end: '2027-11-09' });
    expect(o.rules).toEqual(expect.arrayContaining(['AUTH-JI-RETRO', 'JI-START', 'ELIG-A-JI']));
    // no ECM provider and no PCP yet: reported, not guessed
    expect(o.skipped).toHaveLength(2);
    expect(o.skipped[0]).toMatch(/^ecm-provider: /);
  });
});

describe('$ecm-decide deny (AUTH-DENIAL-AG)', () => {
  it('revokes, sends a Notice of Action with appeal and grievance rights, opens a tracked appeal case', async () => {
    await store(fhir, homelessMember('deny-k', KERN), 'Practitioner/pcp-1');
    const draft = await createAuthorization(fhir, authorizationRequest('deny-k'));
    const res = await decide(fhir, draft.id, decideBody('deny', { reason: 'The member already receives complex case management', date: '2026-11-25T14:00:00-08:00' }));
    expect(res.status, res.text).toBe(200);
    const o = out(res.body);
    expect(o.authorization.status).toBe('revoked');
    expect(o.authorization.authoredOn).toBe('2026-11-25T14:00:00-08:00');
    expect(o.period).toBeUndefined();
    expect(o.rules).toEqual(expect.arrayContaining(['AUTH-FLOW', 'AUTH-NOTICE', 'AUTH-DENIAL-AG']));
    expect(o.notices).toHaveLength(1);
    const noa: Communication = (await fhir.get(`/${o.notices[0]}`)).body;
    expect(noa.category?.[1].coding?.[0].code).toBe('notice-of-action');
    expect(noa.recipient).toEqual([{ reference: 'Patient/deny-k' }]);
    expect(noa.payload?.[0].contentString).toMatch(/appeal/);
    expect(noa.payload?.[0].contentString).toMatch(/grievance/);
    expect(noa.payload?.[0].contentString).toContain('complex case management');
    expect(await validIssues('Communication', noa)).toEqual([]);
    const appeal: Task = (await fhir.get(`/${o.appeal}`)).body;
    expect(appeal).toMatchObject({ status: 'requested', intent: 'order', focus: { reference: `ServiceRequest/${draft.id}` }, for: { reference: 'Patient/deny-k' }, owner: { reference: KERN } });
    expect(appeal.code?.coding?.[0]).toMatchObject({ system: `${B}/CodeSystem/ecm-auth-task`, code: 'appeal-case' });
    expect(appeal.relevantHistory).toEqual([{ reference: o.provenance }]);
    expect(noa.payload?.[0].contentString).toContain(appeal.id);
    // the plan's open appeals: one search
    const open = await fhir.get(`/Task?code=${B}/CodeSystem/ecm-auth-task|appeal-case&status=requested&focus=ServiceRequest/${draft.id}`);
    expect(open.body.total).toBe(1);
  });

  it('deny without a reason → 422 naming DECISION-RECORD, nothing written', async () => {
    await store(fhir, homelessMember('deny-noreason', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('deny-noreason'));
    const res = await decide(fhir, draft.id, decideBody('deny'));
    expect(res.status).toBe(422);
    expectRule(res.body, 'DECISION-RECORD');
    expect((await fhir.get(`/ServiceRequest/${draft.id}`)).body.meta.versionId).toBe('1');
  });
});

describe('$ecm-decide for a member failing the criteria (AUTH-REVIEW, ELIG-CASE-BY-CASE)', () => {
  it('is never denied from draft; pended, then denied only by the medical director', async () => {
    await store(fhir, memberWithoutPof('review-deny', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('review-deny'));
    const straight = await decide(fhir, draft.id, decideBody('deny', { reason: 'Meets no POF', reviewer: 'PractitionerRole/reviewer-md' }));
    expect(straight.status).toBe(409);
    expectRule(straight.body, 'AUTH-REVIEW');
    const byNurse = await decide(fhir, draft.id, decideBody('approve', { reason: 'x' }));
    expect(byNurse.status).toBe(422);
    expectRule(byNurse.body, 'ELIG-CASE-BY-CASE');
    expect((await fhir.get(`/ServiceRequest/${draft.id}`)).body.meta.versionId).toBe('1');

    const pended = await decide(fhir, draft.id, decideBody('pend-review', { date: '2026-11-24T09:00:00-08:00' }));
    expect(pended.status, pended.text).toBe(200);
    const p = out(pended.body);
    expect(p.authorization.status).toBe('on-hold');
    expect(p.authorization.authoredOn).toBe(draft.authoredOn);
    expect(p.rules).toEqual(expect.arrayContaining(['AUTH-REVIEW', 'ELIG-CASE-BY-CASE']));
    expect(p.notices).toEqual([]);
    expect(p.decisionDue).toBe(dueOf(draft));

    const nurseDeny = await decide(fhir, draft.id, decideBody('deny', { reason: 'Meets no POF' }));
    expect(nurseDeny.status).toBe(422);
    expectRule(nurseDeny.body, 'ELIG-CASE-BY-CASE');
    // a Practitioner reviewer is judged by its PractitionerRoles
    const mdDeny = await decide(fhir, draft.id, decideBody('deny', { reason: 'Meets no POF and no complex need', reviewer: 'Practitioner/reviewer-md-p' }));
    expect(mdDeny.status, mdDeny.text).toBe(200);
    const d = out(mdDeny.body);
    expect(d.authorization.status).toBe('revoked');
    const provenance: Provenance = (await fhir.get(`/${d.provenance}`)).body;
    expect(provenance.agent[0].role?.[0].coding?.[0].code).toBe('medical-director');
  });

  it('is approved on case-by-case review by the medical director, with a reason', async () => {
    await store(fhir, memberWithoutPof('review-approve', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('review-approve'));
    const res = await decide(fhir, draft.id, decideBody('approve', { reason: 'Complex needs outside the POFs', reviewer: 'PractitionerRole/reviewer-md', date: '2026-11-25T14:00:00-08:00' }));
    expect(res.status, res.text).toBe(200);
    expect(out(res.body).period).toEqual({ start: '2026-11-25', end: '2027-11-24' });
    expect(out(res.body).rules).toEqual(expect.arrayContaining(['AUTH-REVIEW', 'ELIG-CASE-BY-CASE']));
  });

  it('a reviewer that does not exist holds no role: it cannot decide a case-by-case request', async () => {
    await store(fhir, memberWithoutPof('review-ghost', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('review-ghost', { status: 'on-hold' }));
    for (const reviewer of ['PractitionerRole/nobody', 'Practitioner/nobody']) {
      const res = await decide(fhir, draft.id, decideBody('deny', { reason: 'x', reviewer }));
      expect(res.status).toBe(422);
      expectRule(res.body, 'ELIG-CASE-BY-CASE');
      expect(res.body.issue[0].diagnostics).toContain(`${reviewer} has no such role`);
    }
  });
});

describe('$ecm-decide bad input', () => {
  it('unknown id → 404; a referral → 422 AUTH-FLOW; already decided → 409 AUTH-FLOW', async () => {
    expect((await decide(fhir, 'no-such-request', decideBody('approve'))).status).toBe(404);
    expect((await fhir.put('/ServiceRequest/bad-ref', referral('bad-ref', 'app-kern'))).status).toBe(201);
    const notAuth = await decide(fhir, 'bad-ref', decideBody('approve'));
    expect(notAuth.status).toBe(422);
    expectRule(notAuth.body, 'AUTH-FLOW');
    await store(fhir, homelessMember('twice', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('twice'));
    expect((await decide(fhir, draft.id, decideBody('approve'))).status).toBe(200);
    for (const decision of ['approve', 'deny', 'pend-review']) {
      const again = await decide(fhir, draft.id, decideBody(decision, { reason: 'x' }));
      expect(again.status).toBe(409);
      expectRule(again.body, 'AUTH-FLOW');
      expect(again.body.issue[0].diagnostics).toContain('already decided (status active)');
    }
  });

  it('400 for a missing or unknown decision, a missing or wrong reviewer, a date without a zone, an unknown parameter', async () => {
    await store(fhir, homelessMember('bad-input', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('bad-input'));
    const send = (parameter: unknown[]) => decide(fhir, draft.id, { resourceType: 'Parameters', parameter } as never);
    const reviewer = { name: 'reviewer', valueReference: { reference: 'PractitionerRole/reviewer-nurse' } };
    const cases: [unknown[], string][] = [
      [[reviewer], 'decision'],
      [[{ name: 'decision', valueCode: 'maybe' }, reviewer], 'decision'],
      [[{ name: 'decision', valueCode: 'approve' }], 'reviewer'],
      [[{ name: 'decision', valueCode: 'approve' }, { name: 'reviewer', valueReference: { reference: 'Organization/plan-kern' } }], 'reviewer'],
      [[{ name: 'decision', valueCode: 'approve' }, reviewer, { name: 'date', valueDateTime: '2026-11-25' }], 'date'],
      [[{ name: 'decision', valueCode: 'approve' }, reviewer, { name: 'expedited', valueString: 'yes' }], 'expedited'],
      [[{ name: 'decision', valueCode: 'approve' }, reviewer, { name: 'urgency', valueString: 'high' }], 'urgency'],
    ];
    for (const [parameter, name] of cases) {
      const res = await send(parameter);
      expect(res.status, JSON.stringify(parameter)).toBe(400);
      expect(res.body.issue[0].expression).toEqual([name]);
    }
    expect((await send([{ name: 'decision', valueCode: 'maybe' }, reviewer])).body.issue[0].diagnostics).toBe('"decision" must be approve, deny or pend-review, got "maybe"');
    expect((await fhir.get(`/ServiceRequest/${draft.id}`)).body.meta.versionId).toBe('1');
    expect((await fhir.get(`/ServiceRequest/${draft.id}/$ecm-decide`)).status).toBe(405);
  });
});

describe('$ecm-decide timeliness (AUTH-TAT)', () => {
  it('reports the due date and whether the decision met it; expedited recomputes the due date as 72 clock hours', async () => {
    await store(fhir, homelessMember('tat', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('tat'));
    const due = dueOf(draft)!;
    const receipt = draft.meta!.lastUpdated!;
    const pended = out((await decide(fhir, draft.id, decideBody('pend-review', { expedited: true }))).body);
    expect(pended.authorization.priority).toBe('urgent');
    const hours = (Date.parse(pended.decisionDue!) - Date.parse(receipt)) / 3_600_000;
    expect(hours).toBeCloseTo(72, 5);
    expect(Date.parse(pended.decisionDue!)).toBeLessThanOrEqual(Date.parse(due) + 72 * 3_600_000);
    const late = out((await decide(fhir, draft.id, decideBody('approve', { date: new Date(Date.parse(pended.decisionDue!) + 1000).toISOString() }))).body);
    expect(late.onTime).toBe(false);
    expect(late.decisionDue).toBe(pended.decisionDue);

    await store(fhir, homelessMember('tat-2', KERN));
    const second = await createAuthorization(fhir, authorizationRequest('tat-2'));
    const onTime = out((await decide(fhir, second.id, decideBody('approve', { date: dueOf(second) }))).body);
    expect(onTime.onTime).toBe(true);
  });
});

describe('$ecm-decide writes all or nothing', () => {
  it('two decisions at once: exactly one wins, the other is refused naming AUTH-FLOW', async () => {
    await store(fhir, homelessMember('race', KERN));
    const draft = await createAuthorization(fhir, authorizationRequest('race'));
    const [a, b] = await Promise.all([decide(fhir, draft.id, decideBody('approve')), decide(fhir, draft.id, decideBody('deny', { reason: 'x' }))]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expectRule((a.status === 409 ? a : b).body, 'AUTH-FLOW');
    expect((await fhir.get(`/Provenance?target=ServiceRequest/${draft.id}`)).body.total).toBe(1);
    expect((await fhir.get(`/ServiceRequest/${draft.id}`)).body.meta.versionId).toBe('2');
  });
});
