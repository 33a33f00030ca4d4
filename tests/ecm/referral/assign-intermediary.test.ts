import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { assignCall, loadMember, loadNetwork, p, readAssign, search } from '../assignment/assignment-support.ts';

/**
 * $ecm-assign as the intermediary (X-GRAVITY, referral-loop.md): the plan's Task for the chosen
 * provider, `partOf` the referrer's Task, which the plan accepts; a change of provider cancels the
 * old provider's Task. The provider's answers then relay up (intermediary-relay.test.ts).
 */
const B = 'https://ecm-fhir.example.org/fhir';
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };

describe('$ecm-assign and the referral Tasks', () => {
  const { fhir } = useFhirServer();
  beforeAll(async () => {
    await loadNetwork(fhir);
  });

  async function referrerTask(member: string, focus = `ServiceRequest/${member}-referral`, plan = 'Organization/plan-kern'): Promise<string> {
    const res = await fhir.post('/Task', {
      resourceType: 'Task', status: 'requested', intent: 'order', code: FULFILL,
      focus: { reference: focus }, for: { reference: `Patient/${member}` },
      authoredOn: '2026-11-01T09:00:00-07:00', requester: { reference: 'Organization/county-bhrs' }, owner: { reference: plan },
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  it('creates the provider’s Task under the referrer’s, accepts the referrer’s, and tells the referrer', async () => {
    const request = await loadMember(fhir, { id: 'im-1' });
    const put = await fhir.put('/ServiceRequest/im-1-referral', { resourceType: 'ServiceRequest', id: 'im-1-referral', status: 'active', intent: 'order', subject: { reference: 'Patient/im-1' } });
    expect(put.status).toBeLessThan(300);
    // the authorization is based on the referral
    const auth = (await fhir.get(`/ServiceRequest/${request}`)).body;
    expect((await fhir.put(`/ServiceRequest/${request}`, { ...auth, basedOn: [{ reference: 'ServiceRequest/im-1-referral' }] })).status).toBe(200);
    const parentId = await referrerTask('im-1');

    const res = await assignCall(fhir, request);
    expect(res.status, res.text).toBe(200);
    const provider = readAssign(res.body).provider;
    const children: Task[] = await search(fhir, `/Task?part-of=Task/${parentId}`);
    expect(children).toHaveLength(1);
    const child = children[0];
    expect(child).toMatchObject({
      status: 'requested', intent: 'order', code: FULFILL,
      focus: { reference: `ServiceRequest/${request}` }, for: { reference: 'Patient/im-1' },
      requester: { reference: 'Organization/plan-kern' }, owner: { reference: provider },
    });
    expect(child.businessStatus?.coding?.[0]).toMatchObject({ system: `${B}/CodeSystem/ecm-referral-status`, code: 'assigned' });
    // Kern answers in 5 calendar days (referralResponseDays): the provider's due date is set
    expect(child.restriction?.period?.end).toMatch(/T23:59:59-0[78]:00$/);
    const parent: Task = (await fhir.get(`/Task/${parentId}`)).body;
    expect([parent.status, parent.businessStatus?.coding?.[0].code]).toEqual(['accepted', 'assigned']);
    const notices = await search(fhir, '/Communication?recipient=Organization/county-bhrs');
    expect(notices.some((n: { about?: { reference: string }[] }) => n.about?.some((a) => a.reference === `Task/${parentId}`))).toBe(true);
  });

  it('a plan-identified member (no referrer’s Task) still gets the provider’s Task, without partOf', async () => {
    const request = await loadMember(fhir, { id: 'im-2' });
    const res = await assignCall(fhir, request);
    expect(res.status, res.text).toBe(200);
    const tasks: Task[] = await search(fhir, `/Task?focus=ServiceRequest/${request}`);
    expect(tasks.map((t) => [t.status, t.owner?.reference, t.partOf])).toEqual([['requested', readAssign(res.body).provider, undefined]]);
  });

  it('a change of provider cancels the old provider’s open Task with a reason and opens one for the new provider', async () => {
    const request = await loadMember(fhir, { id: 'im-3' });
    const first = readAssign((await assignCall(fhir, request)).body).provider;
    const res = await assignCall(fhir, request, [p.bool('change', true)], '2026-11-10');
    expect(res.status, res.text).toBe(200);
    const second = readAssign(res.body).provider;
    expect(second).not.toBe(first);
    const tasks: Task[] = await search(fhir, `/Task?focus=ServiceRequest/${request}&_sort=authored-on`);
    const byOwner = new Map(tasks.map((t) => [t.owner?.reference, t]));
    expect(byOwner.get(first)?.status).toBe('cancelled');
    expect(byOwner.get(first)?.statusReason?.text).toContain('another ECM provider');
    expect(byOwner.get(second)?.status).toBe('requested');
  });

  it('a plan that assigns before authorizing orders the provider with a filler-order ServiceRequest based on the referral; a change revokes it', async () => {
    const referral = await loadMember(fhir, { id: 'im-7', plan: 'partnership', request: { kind: 'referral' } });
    const parentId = await referrerTask('im-7', `ServiceRequest/${referral}`, 'Organization/plan-partnership');
    const res = await assignCall(fhir, referral);
    expect(res.status, res.text).toBe(200);
    const first = readAssign(res.body).provider;
    const orders: ServiceRequest[] = await search(fhir, `/ServiceRequest?based-on=ServiceRequest/${referral}&intent=filler-order`);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({
      status: 'active', intent: 'filler-order', basedOn: [{ reference: `ServiceRequest/${referral}` }],
      subject: { reference: 'Patient/im-7' }, requester: { reference: 'Organization/plan-partnership' }, performer: [{ reference: first }],
      code: { coding: [{ code: 'ecm' }] },
    });
    const [child]: Task[] = await search(fhir, `/Task?part-of=Task/${parentId}`);
    expect(child).toMatchObject({ status: 'requested', owner: { reference: first }, focus: { reference: `ServiceRequest/${orders[0].id}` } });
    expect((await fhir.get(`/Task/${parentId}`)).body.status).toBe('accepted');

    // a change of provider revokes the first order; the new provider gets its own
    const change = await assignCall(fhir, referral, [p.bool('change', true)], '2026-11-10');
    expect(change.status, change.text).toBe(200);
    const second = readAssign(change.body).provider;
    expect(second).not.toBe(first);
    const after: ServiceRequest[] = await search(fhir, `/ServiceRequest?based-on=ServiceRequest/${referral}&intent=filler-order`);
    const byPerformer = new Map(after.map((o) => [o.performer?.[0].reference, o]));
    expect([...byPerformer.keys()].sort()).toEqual([first, second].sort());
    expect(byPerformer.get(first)?.status).toBe('revoked');
    expect(byPerformer.get(second)?.status).toBe('active');
    const children: Task[] = await search(fhir, `/Task?part-of=Task/${parentId}`);
    const byOwner = new Map(children.map((t) => [t.owner?.reference, t]));
    expect(byOwner.get(first)?.status).toBe('cancelled');
    expect(byOwner.get(second)).toMatchObject({ status: 'requested', focus: { reference: `ServiceRequest/${byPerformer.get(second)?.id}` } });
  });

  it('a capacity decline of a filler order re-assigns the referral it is based on', async () => {
    const referral = await loadMember(fhir, { id: 'im-8', plan: 'partnership', request: { kind: 'referral' } });
    const first = readAssign((await assignCall(fhir, referral)).body).provider;
    const [child]: Task[] = await search(fhir, `/Task?owner=${first}&patient=Patient/im-8`);
    expect(child.focus?.reference).not.toBe(`ServiceRequest/${referral}`);
    await decline(child, 'provider-capacity', 'No open places');
    const orders: ServiceRequest[] = await search(fhir, `/ServiceRequest?based-on=ServiceRequest/${referral}&intent=filler-order&status=active`);
    expect(orders).toHaveLength(1);
    expect(orders[0].performer?.[0].reference).not.toBe(first);
    // the referral Tasks (task-code#fulfill); the member meets no POF, so Partnership's ELIG-NOT-MET-OFFER Task is open too
    const open: Task[] = await search(fhir, `/Task?patient=Patient/im-8&status=requested&code=http://hl7.org/fhir/CodeSystem/task-code|fulfill`);
    expect(open.map((t) => [t.owner?.reference, t.focus?.reference])).toEqual([[orders[0].performer?.[0].reference, `ServiceRequest/${orders[0].id}`]]);
  });

  async function decline(task: Task, code: string | undefined, text: string) {
    const res = await fhir.put(`/Task/${task.id}`, {
      ...task, status: 'rejected',
      statusReason: { ...(code ? { coding: [{ system: `${B}/CodeSystem/ecm-loop-closure-reason`, code }] } : {}), text },
    });
    expect(res.status, res.text).toBe(200);
  }

  it('a decline for capacity re-assigns at once to another provider (CLR-DECLINE-FOLLOWUP); the referrer’s Task moves on to the new provider', async () => {
    const request = await loadMember(fhir, { id: 'im-4' });
    const parentId = await referrerTask('im-4');
    const auth = (await fhir.get(`/ServiceRequest/${request}`)).body;
    await fhir.put('/ServiceRequest/im-4-referral', { resourceType: 'ServiceRequest', id: 'im-4-referral', status: 'active', intent: 'order', subject: { reference: 'Patient/im-4' } });
    await fhir.put(`/ServiceRequest/${request}`, { ...auth, basedOn: [{ reference: 'ServiceRequest/im-4-referral' }] });
    const first = readAssign((await assignCall(fhir, request)).body).provider;
    const [child]: Task[] = await search(fhir, `/Task?part-of=Task/${parentId}`);
    await decline(child, 'provider-capacity', 'No open places');

    const children: Task[] = await search(fhir, `/Task?part-of=Task/${parentId}`);
    const open = children.filter((t) => t.status === 'requested');
    expect(children.find((t) => t.id === child.id)?.status).toBe('rejected');
    expect(open).toHaveLength(1);
    expect(open[0].owner?.reference).not.toBe(first);
    const episodes = await search(fhir, '/EpisodeOfCare?patient=Patient/im-4');
    const byProvider = new Map(episodes.map((e: { managingOrganization?: { reference: string }; status: string }) => [e.managingOrganization?.reference, e.status]));
    expect(byProvider.get(first)).toBe('finished');
    expect(byProvider.get(open[0].owner?.reference)).toBe('waitlist');
    const parent: Task = (await fhir.get(`/Task/${parentId}`)).body;
    expect([parent.status, parent.businessStatus?.coding?.[0].code]).toEqual(['accepted', 'assigned']);
    const provenance = await search(fhir, `/Provenance?target=ServiceRequest/${request}`);
    expect(provenance.some((p: { reason?: { coding?: { code: string }[] }[] }) => p.reason?.some((r) => r.coding?.some((c) => c.code === 'CLR-DECLINE-FOLLOWUP')))).toBe(true);
  });

  it('a decline for another reason leaves the referral declined for plan staff, nothing re-assigned', async () => {
    const request = await loadMember(fhir, { id: 'im-5' });
    readAssign((await assignCall(fhir, request)).body);
    const [child]: Task[] = await search(fhir, `/Task?focus=ServiceRequest/${request}`);
    await decline(child, 'other', 'Member moved out of the county');
    const tasks: Task[] = await search(fhir, `/Task?focus=ServiceRequest/${request}`);
    expect(tasks.map((t) => t.status)).toEqual(['rejected']);
  });
});
