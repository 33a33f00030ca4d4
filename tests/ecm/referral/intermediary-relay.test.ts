import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Communication, Resource, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithFixtures } from '../../support/fixtures.ts';
import { fhirRequest, forgeToken, organization, startAuthApp, store } from '../../auth/support.ts';

/**
 * The intermediary pattern (X-GRAVITY, CLR-TRACK) and CLR-STATUS notices: the ECM provider works
 * the plan's child Task, and the referrer sees status, reason and results on its own Task.
 */
const B = 'https://ecm-fhir.example.org/fhir';
const ref = (reference: string) => ({ reference });
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };
let app: FastifyInstance;
let close: () => Promise<void>;
const tokens: Record<string, string> = {};

const task = (id: string, requester: string, owner: string, status: Task['status'], extra: Partial<Task> = {}): Task & { id: string } => ({
  resourceType: 'Task', id, status, intent: 'order', code: FULFILL, focus: ref('ServiceRequest/ir-referral'), for: ref('Patient/ir-member'),
  authoredOn: '2026-11-02T09:00:00-08:00', requester: ref(`Organization/${requester}`), owner: ref(`Organization/${owner}`), ...extra,
});
const read = async (id: string) => (await fhirRequest(app, 'GET', `/Task/${id}`, tokens['ir-referrer'])).body as Task;
const put = (t: Task & { id: string }, who: string) => fhirRequest(app, 'PUT', `/Task/${t.id}`, tokens[who], t);
async function noticesAbout(id: string): Promise<Communication[]> {
  // R4 has no Communication `about` search parameter: read the member's and filter
  const res = await fhirRequest(app, 'GET', '/Communication?subject=Patient/ir-member&_count=100', tokens['plan-kern']);
  const all: Communication[] = (res.body.entry ?? []).map((e: { resource: Communication }) => e.resource);
  return all.filter((c) => c.about?.some((a) => a.reference === `Task/${id}`));
}
const noticeType = (c: Communication) => c.category?.flatMap((x) => x.coding ?? []).find((x) => x.system === `${B}/CodeSystem/ecm-notice-type`)?.code;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(
    app,
    organization('ir-referrer', 'prov'), organization('ir-provider', 'prov'),
    { resourceType: 'Patient', id: 'ir-member', name: [{ family: 'Relay' }] },
    { resourceType: 'ServiceRequest', id: 'ir-referral', status: 'active', intent: 'order', subject: ref('Patient/ir-member') } as Resource & { id: string },
  );
  for (const org of ['ir-referrer', 'ir-provider', 'plan-kern']) tokens[org] = await forgeToken(app, { scope: 'user/*.cruds', org, sub: `user-${org}`, fhirUser: `Practitioner/pr-${org}` });
});
afterAll(() => close());

describe('the provider’s Task relays to the referrer’s', () => {
  it('accepted, in progress, then completed: the parent follows with business status, reason and outputs; referrer and member are told', async () => {
    await store(app, task('ir-a1', 'ir-referrer', 'plan-kern', 'requested'), task('ir-b1', 'plan-kern', 'ir-provider', 'requested', { partOf: [ref('Task/ir-a1')] }));
    expect((await put(task('ir-b1', 'plan-kern', 'ir-provider', 'accepted', { partOf: [ref('Task/ir-a1')] }), 'ir-provider')).status).toBe(200);
    let parent = await read('ir-a1');
    expect([parent.status, parent.businessStatus?.coding?.[0].code]).toEqual(['accepted', 'accepted']);
    let notices = await noticesAbout('ir-a1');
    expect(notices.map((n) => [n.recipient?.[0].reference, noticeType(n)]).sort()).toEqual([['Organization/ir-referrer', 'referral-status'], ['Patient/ir-member', 'referral-status']]);
    expect(notices.every((n) => n.sender?.reference === 'Organization/plan-kern' && n.status === 'completed')).toBe(true);

    await put(task('ir-b1', 'plan-kern', 'ir-provider', 'in-progress', { partOf: [ref('Task/ir-a1')] }), 'ir-provider');
    parent = await read('ir-a1');
    expect([parent.status, parent.businessStatus?.coding?.[0].code]).toEqual(['in-progress', 'outreach-in-progress']);

    const done = task('ir-b1', 'plan-kern', 'ir-provider', 'completed', {
      partOf: [ref('Task/ir-a1')],
      statusReason: { coding: [{ system: `${B}/CodeSystem/ecm-loop-closure-reason`, code: 'services-received' }], text: 'Member enrolled' },
      output: [{ type: { text: 'resulting activity' }, valueReference: ref('EpisodeOfCare/ir-episode') }],
    });
    expect((await put(done, 'ir-provider')).status).toBe(200);
    parent = await read('ir-a1');
    expect(parent.status).toBe('completed');
    expect(parent.businessStatus?.coding?.[0].code).toBe('enrolled');
    expect(parent.statusReason?.text).toBe('Member enrolled');
    expect(parent.output?.map((o) => o.valueReference?.reference)).toEqual(['EpisodeOfCare/ir-episode']);
    notices = await noticesAbout('ir-a1');
    const closure = notices.find((n) => noticeType(n) === 'referrer-closure');
    expect(closure?.recipient?.[0].reference).toBe('Organization/ir-referrer');
    expect(closure?.payload?.[0].contentString).toContain('Member enrolled');
    // the provider's own Task tells no one directly: the relay speaks for the plan
    expect(await noticesAbout('ir-b1')).toEqual([]);
  });

  it('a decline leaves the referrer’s Task open for re-assignment, marked declined (CLR-DECLINE-FOLLOWUP)', async () => {
    await store(app, task('ir-a2', 'ir-referrer', 'plan-kern', 'accepted'), task('ir-b2', 'plan-kern', 'ir-provider', 'requested', { partOf: [ref('Task/ir-a2')] }));
    const res = await put(task('ir-b2', 'plan-kern', 'ir-provider', 'rejected', { partOf: [ref('Task/ir-a2')], statusReason: { text: 'At capacity' } }), 'ir-provider');
    expect(res.status).toBe(200);
    const parent = await read('ir-a2');
    expect([parent.status, parent.businessStatus?.coding?.[0].code]).toEqual(['accepted', 'declined']);
  });

  it('a closed parent is left alone while the child still moves', async () => {
    // the referrer already cancelled: a closed parent is left alone, the child still moves
    await store(app, task('ir-a3', 'ir-referrer', 'plan-kern', 'cancelled', { statusReason: { text: 'withdrawn' } }), task('ir-b3', 'plan-kern', 'ir-provider', 'accepted', { partOf: [ref('Task/ir-a3')] }));
    expect((await put(task('ir-b3', 'plan-kern', 'ir-provider', 'in-progress', { partOf: [ref('Task/ir-a3')] }), 'ir-provider')).status).toBe(200);
    expect((await read('ir-a3')).status).toBe('cancelled');
  });
});

describeWithFixtures('the Gravity SDOH CC referral examples through the lifecycle', 'sdoh-cc', (dir) => {
  const load = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Resource & { id: string };
  it('the practitioner requests, the coordination platform accepts and sub-refers, the clinic completes; the results reach the practitioner’s Task', async () => {
    const support = readdirSync(dir).filter((f) => /^(Patient|Organization|Practitioner|PractitionerRole|ServiceRequest|Procedure|Location|HealthcareService|Condition|Goal|Consent)-/.test(f));
    await store(app, ...support.map(load).map((r) => ({ ...r, meta: undefined }) as Resource & { id: string }));
    const fulfillment = load('Task-SDOHCC-TaskReferralManagementOrderFulfillmentAcceptedExample.json') as Task & { id: string };
    const subtask = load('Task-SDOHCC-TaskReferralManagementOrderSubtaskCompletedExample.json') as Task & { id: string };
    const role = load('PractitionerRole-SDOHCC-PractitionerRoleDrJanWaterExample.json') as { practitioner?: { reference?: string } };
    const drWater = await forgeToken(app, { scope: 'user/*.cruds', sub: 'dr-water', fhirUser: role.practitioner?.reference });
    const platform = await forgeToken(app, { scope: 'user/*.cruds', org: 'SDOHCC-OrganizationCoordinationPlatformExample', sub: 'platform', fhirUser: 'Practitioner/platform-user' });
    const clinic = await forgeToken(app, { scope: 'user/*.cruds', org: 'SDOHCC-OrganizationClinicExample', sub: 'clinic', fhirUser: 'Practitioner/clinic-user' });
    const strip = ({ meta: _m, output: _o, ...t }: Task & { id: string }) => t as Task & { id: string };

    const request = { ...strip(fulfillment), status: 'requested' as const };
    expect((await fhirRequest(app, 'PUT', `/Task/${request.id}`, drWater, request)).status).toBe(201);
    // the clinic is not a party to the practitioner's Task
    expect((await fhirRequest(app, 'PUT', `/Task/${request.id}`, clinic, { ...request, status: 'accepted' })).status).toBe(403);
    expect((await fhirRequest(app, 'PUT', `/Task/${request.id}`, platform, { ...request, status: 'accepted' })).status).toBe(200);

    const sub = { ...strip(subtask), status: 'requested' as const, partOf: [ref(`Task/${request.id}`)] };
    expect((await fhirRequest(app, 'PUT', `/Task/${sub.id}`, platform, sub)).status).toBe(201);
    expect((await fhirRequest(app, 'PUT', `/Task/${sub.id}`, clinic, { ...sub, status: 'accepted' })).status).toBe(200);
    const completed = await fhirRequest(app, 'PUT', `/Task/${sub.id}`, clinic, { ...sub, status: 'completed', output: subtask.output });
    expect(completed.status).toBe(200);

    const seen = (await fhirRequest(app, 'GET', `/Task/${request.id}`, drWater)).body as Task;
    expect(seen.status).toBe('completed');
    expect(seen.output?.map((o) => o.valueReference?.reference)).toEqual(subtask.output?.map((o) => o.valueReference?.reference));
  });
});
