import type { Communication, OperationOutcome, Parameters, ServiceRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { B, KERN, authorizationRequest, createAuthorization, expectRule, homelessMember, referral, store } from './authorization-support.ts';

// CLR-ACK, REF-STANDARDS: Task/[id]/$ecm-acknowledge.

const { fhir } = useFhirServer();

function referralTask(id: string, focus: string, patient: string, status: Task['status'] = 'requested'): Task {
  return {
    resourceType: 'Task',
    id,
    meta: { profile: [`${B}/StructureDefinition/ecm-referral-task`] },
    status,
    intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    focus: { reference: focus },
    for: { reference: `Patient/${patient}` },
    requester: { reference: 'Organization/clinic-eastside' },
    owner: { reference: KERN },
    authoredOn: '2026-11-23T09:15:00-08:00',
    businessStatus: { coding: [{ system: `${B}/CodeSystem/ecm-referral-status`, code: 'submitted' }] },
  };
}

const acknowledge = (id: string, date?: string) =>
  fhir.post(`/Task/${id}/$ecm-acknowledge`, { resourceType: 'Parameters', parameter: date ? [{ name: 'date', valueDateTime: date }] : [] });

function read(body: Parameters) {
  const p = (name: string) => body.parameter?.find((x) => x.name === name);
  return { task: p('task')?.resource as Task, accepted: p('accepted')?.valueBoolean, notice: p('notice')?.valueReference?.reference as string, errors: p('errors')?.resource as OperationOutcome };
}

async function validationErrors(type: string, resource: unknown) {
  return ((await fhir.post(`/${type}/$validate`, resource)).body.issue as { severity: string }[]).filter((i) => i.severity === 'error');
}

describe('$ecm-acknowledge (CLR-ACK)', () => {
  it('a complete referral: Task accepted, pending-authorization; the referrer gets an acknowledgement notice', async () => {
    await store(fhir, homelessMember('ack-ok', KERN));
    expect((await fhir.put('/ServiceRequest/ack-ok-ref', referral('ack-ok-ref', 'ack-ok'))).status).toBe(201);
    expect((await fhir.put('/Task/ack-ok-task', referralTask('ack-ok-task', 'ServiceRequest/ack-ok-ref', 'ack-ok'))).status).toBe(201);
    const res = await acknowledge('ack-ok-task', '2026-11-23T11:00:00-08:00');
    expect(res.status, res.text).toBe(200);
    const o = read(res.body);
    expect(o.accepted).toBe(true);
    expect(o.task.status).toBe('accepted');
    expect(o.task.businessStatus?.coding?.[0].code).toBe('pending-authorization');
    expect(o.task.statusReason).toBeUndefined();
    expect(o.task.lastModified).toBe('2026-11-23T11:00:00-08:00');
    expect(o.errors.issue?.[0].severity).toBe('information');
    const notice: Communication = (await fhir.get(`/${o.notice}`)).body;
    expect(notice.recipient).toEqual([{ reference: 'Organization/clinic-eastside' }]);
    expect(notice.sender).toEqual({ reference: KERN });
    expect(notice.category?.[1].coding?.[0]).toEqual({ system: `${B}/CodeSystem/ecm-notice-type`, code: 'referral-acknowledgement' });
    expect(notice.about).toEqual([{ reference: 'Task/ack-ok-task' }, { reference: 'ServiceRequest/ack-ok-ref' }]);
    expect(notice.payload?.[0].contentString).toContain('received your ECM referral ServiceRequest/ack-ok-ref on 2026-11-23');
    expect(await validationErrors('Communication', notice)).toEqual([]);
    expect(await validationErrors('Task', o.task)).toEqual([]);
    // acknowledged once: again → 409 naming CLR-ACK
    const again = await acknowledge('ack-ok-task');
    expect(again.status).toBe(409);
    expectRule(again.body, 'CLR-ACK');
  });

  it('a referral with errors against ecm-referral: Task on hold, pending-information, the errors in statusReason and in the notice; acknowledged again once corrected', async () => {
    await store(fhir, homelessMember('ack-bad', KERN));
    // not claiming the profile (a Gravity referral), so stored; without the code ecm-referral requires
    const { code: _code, meta: _meta, ...incomplete } = referral('ack-bad-ref', 'ack-bad');
    expect((await fhir.put('/ServiceRequest/ack-bad-ref', incomplete)).status).toBe(201);
    expect((await fhir.put('/Task/ack-bad-task', referralTask('ack-bad-task', 'ServiceRequest/ack-bad-ref', 'ack-bad'))).status).toBe(201);
    const res = await acknowledge('ack-bad-task');
    expect(res.status, res.text).toBe(200);
    const o = read(res.body);
    expect(o.accepted).toBe(false);
    expect(o.task.status).toBe('on-hold');
    expect(o.task.businessStatus?.coding?.[0].code).toBe('pending-information');
    expect(o.errors.issue?.some((i) => i.severity === 'error' && i.expression?.includes('ServiceRequest.code'))).toBe(true);
    expect(o.task.statusReason?.text).toContain('ServiceRequest.code');
    const notice: Communication = (await fhir.get(`/${o.notice}`)).body;
    expect(notice.payload?.[0].contentString).toMatch(/correct these errors[\s\S]*1\. ServiceRequest\.code/);
    expect(await validationErrors('Task', o.task)).toEqual([]);

    const corrected: ServiceRequest = { ...incomplete, code: referral('x', 'y').code };
    expect((await fhir.put('/ServiceRequest/ack-bad-ref', corrected)).status).toBe(200);
    const second = read((await acknowledge('ack-bad-task')).body);
    expect(second.accepted).toBe(true);
    expect(second.task.status).toBe('accepted');
    expect(second.task.statusReason).toBeUndefined();
    expect((await fhir.get('/Communication?recipient=Organization/clinic-eastside&subject=Patient/ack-bad')).body.total).toBe(2);
  });

  it('unknown Task → 404; a Task whose focus is not a referral → 422 CLR-ACK; bad parameters → 400', async () => {
    expect((await acknowledge('no-such-task')).status).toBe(404);
    await store(fhir, homelessMember('ack-odd', KERN));
    const auth = await createAuthorization(fhir, authorizationRequest('ack-odd'));
    expect((await fhir.put('/Task/ack-odd-task', { ...referralTask('ack-odd-task', `ServiceRequest/${auth.id}`, 'ack-odd'), meta: undefined })).status).toBe(201);
    const odd = await acknowledge('ack-odd-task');
    expect(odd.status).toBe(422);
    expectRule(odd.body, 'CLR-ACK');
    expect((await fhir.put('/Task/ack-none-task', { ...referralTask('ack-none-task', 'ServiceRequest/missing', 'ack-odd'), meta: undefined })).status).toBe(201);
    expect((await acknowledge('ack-none-task')).status).toBe(422);
    const bad = await fhir.post('/Task/ack-odd-task/$ecm-acknowledge', { resourceType: 'Parameters', parameter: [{ name: 'date', valueDate: '2026-11-23' }] });
    expect(bad.status).toBe(400);
    expect((await fhir.post('/Task/ack-odd-task/$ecm-acknowledge', { resourceType: 'Parameters', parameter: [{ name: 'when', valueString: 'now' }] })).status).toBe(400);
  });
});
