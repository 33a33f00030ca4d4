import type { FastifyInstance } from 'fastify';
import type { Resource, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirRequest, forgeToken, organization, startAuthApp, store, type Res } from '../../auth/support.ts';

/**
 * The referral Task lifecycle (X-GRAVITY) on every write route, with the access context: the
 * requester sets draft / requested / cancelled, the owner accepted / rejected / in-progress /
 * on-hold / completed / failed, received and ready are refused, reasons are required.
 */
const B = 'https://ecm-fhir.example.org/fhir';
const ref = (reference: string) => ({ reference });
let app: FastifyInstance;
let close: () => Promise<void>;
let requester: string;
let owner: string;
let stranger: string;

const ALL: Task['status'][] = ['draft', 'requested', 'received', 'accepted', 'rejected', 'ready', 'cancelled', 'in-progress', 'on-hold', 'failed', 'completed', 'entered-in-error'];
const WORKFLOW: Task['status'][] = ['draft', 'requested', 'accepted', 'rejected', 'cancelled', 'in-progress', 'on-hold', 'completed', 'failed'];

/** The Gravity referral workflow as the IG's table states it: [from, to, who]. */
const LEGAL: [Task['status'], Task['status'], 'requester' | 'owner'][] = [
  ['draft', 'requested', 'requester'], ['draft', 'cancelled', 'requester'],
  ['requested', 'accepted', 'owner'], ['requested', 'rejected', 'owner'], ['requested', 'on-hold', 'owner'], ['requested', 'cancelled', 'requester'],
  ['accepted', 'in-progress', 'owner'], ['accepted', 'on-hold', 'owner'], ['accepted', 'completed', 'owner'], ['accepted', 'failed', 'owner'], ['accepted', 'cancelled', 'requester'],
  ['in-progress', 'on-hold', 'owner'], ['in-progress', 'completed', 'owner'], ['in-progress', 'failed', 'owner'], ['in-progress', 'cancelled', 'requester'],
  ['on-hold', 'accepted', 'owner'], ['on-hold', 'rejected', 'owner'], ['on-hold', 'in-progress', 'owner'], ['on-hold', 'completed', 'owner'], ['on-hold', 'failed', 'owner'], ['on-hold', 'cancelled', 'requester'],
];

function referralTask(id: string, status: Task['status'], extra: Partial<Task> = {}): Task & { id: string } {
  return {
    // no meta.profile: task-code#fulfill alone makes it a referral Task (as Gravity's own examples)
    resourceType: 'Task', id, status, intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    focus: ref('ServiceRequest/sr-1'), for: ref('Patient/lc-member'), authoredOn: '2026-11-02T09:00:00-08:00',
    requester: ref('Organization/lc-referrer'), owner: ref('Organization/lc-provider'),
    ...(['rejected', 'cancelled', 'on-hold', 'failed'].includes(status) ? { statusReason: { text: 'because' } } : {}),
    ...extra,
  };
}

const put = (task: Task & { id: string }, token: string) => fhirRequest(app, 'PUT', `/Task/${task.id}`, token, task);
const issueCode = (res: Res) => res.body?.issue?.[0]?.details?.coding?.[0]?.code;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(
    app,
    organization('lc-referrer', 'prov'), organization('lc-provider', 'prov'), organization('lc-stranger', 'prov'),
    { resourceType: 'Patient', id: 'lc-member', name: [{ family: 'Lifecycle' }] },
    { resourceType: 'Patient', id: 'lc-uncovered' },
    { resourceType: 'Coverage', id: 'lc-coverage', status: 'active', beneficiary: ref('Patient/lc-member'), payor: [ref('Organization/plan-kern')], period: { start: '2026-01-01' } } as Resource & { id: string },
    { resourceType: 'ServiceRequest', id: 'sr-1', status: 'active', intent: 'order', subject: ref('Patient/lc-member') } as Resource & { id: string },
  );
  const token = (org: string) => forgeToken(app, { scope: 'user/*.cruds', org, sub: `user-${org}`, fhirUser: `Practitioner/pr-${org}` });
  [requester, owner, stranger] = await Promise.all([token('lc-referrer'), token('lc-provider'), token('lc-stranger')]);
});
afterAll(() => close());

describe('the transition matrix: every status × every target × requester, owner and a third organization', () => {
  it('allows exactly the workflow moves to the party that makes them; 409 for a missing edge, 403 for the wrong party, 422 for unused statuses', async () => {
    const cases: { from: Task['status']; to: Task['status']; actor: 'requester' | 'owner' | 'stranger'; task: Task & { id: string } }[] = [];
    for (const from of WORKFLOW) for (const to of ALL) for (const actor of ['requester', 'owner', 'stranger'] as const) {
      cases.push({ from, to, actor, task: referralTask(`m-${from}-${to}-${actor}`, from) });
    }
    await store(app, ...cases.map((c) => c.task));
    const tokens = { requester, owner, stranger };
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await put(referralTask(c.task.id, c.to), tokens[c.actor]);
      const legal = LEGAL.find(([f, t]) => f === c.from && t === c.to);
      let expected: number;
      if (['received', 'ready', 'entered-in-error'].includes(c.to)) expected = 422;
      else if (c.actor === 'stranger') expected = 403;
      else if (c.from === c.to) expected = 200;
      else if (!legal) expected = 409;
      else expected = legal[2] === c.actor ? 200 : 403;
      if (res.status !== expected) wrong.push(`${c.from}→${c.to} by ${c.actor}: ${res.status}, expected ${expected}`);
      if (res.status >= 400 && issueCode(res) !== 'X-GRAVITY' && res.status !== 403) wrong.push(`${c.from}→${c.to} by ${c.actor}: rule ${issueCode(res)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('creating, reasons and server-owned values', () => {
  it('the requester creates a requested referral; the response due date comes from the plan (Kern: 5 calendar days, end of day in Los Angeles)', async () => {
    const res = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'requested'), id: undefined });
    expect(res.status).toBe(201);
    const due = res.body.restriction.period.end as string;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date());
    const expectedDay = new Date(Date.parse(`${today}T12:00:00Z`) + 5 * 86_400_000).toISOString().slice(0, 10);
    expect(due).toMatch(new RegExp(`^${expectedDay}T23:59:59-0[78]:00$`));
    const found = await fhirRequest(app, 'GET', `/Task?_id=${res.body.id}&due-date=le${expectedDay}T23:59:59-08:00`, requester);
    expect(found.body.total ?? found.body.entry?.length).toBe(1);
  });

  it('a member whose plan sets no response time gets no due date (the default profile), and a client value is kept', async () => {
    const none = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'requested', { for: ref('Patient/lc-uncovered') }), id: undefined });
    expect(none.status).toBe(201);
    expect(none.body.restriction).toBeUndefined();
    const own = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'requested', { for: ref('Patient/lc-uncovered'), restriction: { period: { end: '2026-12-01' } } }), id: undefined });
    expect(own.body.restriction.period.end).toBe('2026-12-01');
  });

  it('the owner cannot create the requester’s request, nobody creates a received or ready Task, and a third organization creates nothing', async () => {
    expect((await fhirRequest(app, 'POST', '/Task', owner, { ...referralTask('x', 'requested'), id: undefined })).status).toBe(403);
    const received = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'received'), id: undefined });
    expect(received.status).toBe(422);
    expect(received.body.issue[0].diagnostics).toContain('X-GRAVITY');
    // declared with the ecm-referral-task profile, validation already refuses it (the status binding)
    const profiled = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'ready'), id: undefined, meta: { profile: [`${B}/StructureDefinition/ecm-referral-task`] } });
    expect(profiled.status).toBe(422);
    expect((await fhirRequest(app, 'POST', '/Task', stranger, { ...referralTask('x', 'requested', { requester: ref('Organization/lc-referrer') }), id: undefined })).status).toBe(403);
  });

  it('rejected, cancelled, on-hold and failed need a statusReason (422 naming the element)', async () => {
    await store(app, referralTask('reason-1', 'requested'));
    const { statusReason: _none, ...bare } = referralTask('reason-1', 'rejected');
    const res = await put(bare as Task & { id: string }, owner);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].expression).toEqual(['Task.statusReason']);
    expect((await put(referralTask('reason-1', 'rejected', { statusReason: { coding: [{ system: `${B}/CodeSystem/ecm-loop-closure-reason`, code: 'provider-capacity' }] } }), owner)).status).toBe(200);
  });

  it('the owner’s first answer stamps ext-response-date once; the due date survives a PUT that leaves it out', async () => {
    const created = await fhirRequest(app, 'POST', '/Task', requester, { ...referralTask('x', 'requested'), id: undefined });
    const due = created.body.restriction.period.end;
    const accepted = await put(referralTask(created.body.id, 'accepted'), owner);
    expect(accepted.status).toBe(200);
    const stamp = accepted.body.extension.find((e: { url: string }) => e.url === `${B}/StructureDefinition/ext-response-date`).valueDateTime;
    expect(Date.now() - Date.parse(stamp)).toBeLessThan(60_000);
    expect(accepted.body.restriction.period.end).toBe(due);
    // a client cannot write its own value
    const forged = { url: `${B}/StructureDefinition/ext-response-date`, valueDateTime: '2020-01-01T00:00:00Z' };
    const working = await put(referralTask(created.body.id, 'in-progress', { extension: [forged] }), owner);
    expect(working.body.extension.filter((e: { url: string }) => e.url.endsWith('ext-response-date')).map((e: { valueDateTime: string }) => e.valueDateTime)).toEqual([stamp]);
  });

  it('the requester cannot change, and only the requester may hand the Task to another owner', async () => {
    await store(app, referralTask('parties-1', 'requested'));
    expect((await put(referralTask('parties-1', 'requested', { requester: ref('Organization/lc-stranger') }), requester)).status).toBe(422);
    expect((await put(referralTask('parties-1', 'requested', { owner: ref('Organization/lc-stranger') }), owner)).status).toBe(403);
    expect((await put(referralTask('parties-1', 'requested', { owner: ref('Organization/lc-stranger') }), requester)).status).toBe(200);
    const forged = await put(referralTask('parties-1', 'requested', { owner: ref('Organization/lc-stranger'), extension: [{ url: `${B}/StructureDefinition/ext-response-date`, valueDateTime: '2020-01-01T00:00:00Z' }] }), requester);
    expect(forged.body.extension).toBeUndefined();
  });
});

describe('every write route goes through the lifecycle', () => {
  it('JSON Patch, conditional update and a transaction entry are refused like a PUT, and nothing is written', async () => {
    await store(app, referralTask('route-1', 'completed'));
    const patch = await app.inject({
      method: 'PATCH', url: '/fhir/Task/route-1',
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json-patch+json' },
      payload: JSON.stringify([{ op: 'replace', path: '/status', value: 'in-progress' }]),
    });
    expect(patch.statusCode).toBe(409);
    const conditional = await fhirRequest(app, 'PUT', '/Task?_id=route-1', owner, referralTask('route-1', 'accepted'));
    expect(conditional.status).toBe(409);
    const tx = await fhirRequest(app, 'POST', '', owner, {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { request: { method: 'PUT', url: 'Task/route-1' }, resource: referralTask('route-1', 'ready') },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } },
      ],
    });
    expect(tx.status).toBe(422);
    const stored = await fhirRequest(app, 'GET', '/Task/route-1', owner);
    expect([stored.body.status, stored.body.meta.versionId]).toEqual(['completed', '1']);
  });
});

describe('deletes go through the lifecycle too (X-GRAVITY)', () => {
  it('a sent referral Task is not deleted by DELETE, conditional DELETE or a transaction entry (409); a draft is', async () => {
    await store(app, referralTask('del-1', 'requested'), referralTask('del-draft', 'draft'));
    const plain = await fhirRequest(app, 'DELETE', '/Task/del-1', requester);
    expect(plain.status).toBe(409);
    expect(issueCode(plain)).toBe('X-GRAVITY');
    expect(plain.body.issue[0].diagnostics).toMatch(/cannot be deleted/);
    expect((await fhirRequest(app, 'DELETE', '/Task?_id=del-1', requester)).status).toBe(409);
    const tx = await fhirRequest(app, 'POST', '', requester, {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: 'Task/del-1' } },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } },
      ],
    });
    expect(tx.status).toBe(409);
    const kept = await fhirRequest(app, 'GET', '/Task/del-1', requester);
    expect([kept.status, kept.body.status, kept.body.meta.versionId]).toEqual([200, 'requested', '1']);
    expect((await fhirRequest(app, 'DELETE', '/Task/del-draft', requester)).status).toBe(200);
    expect((await fhirRequest(app, 'GET', '/Task/del-draft', requester)).status).toBe(410);
  });
});
