import type { Communication, OperationOutcome, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { sweepOverdueReferrals } from '../../../src/ecm/referral-escalation/escalation-sweep.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { B, ESCALATED, FLAG_SYSTEM, NOTICE_TYPE, PLAN, escalate, network, patient, read, referralLoop, searchAll, storeAll } from './escalation-support.ts';

// CLR-ESCALATE: overdue referral Tasks escalated to plan staff, with a controllable clock.

const { fhir, app } = useFhirServer();

const DUE = '2026-11-20T17:00:00-08:00';
const BEFORE = '2026-11-20T16:59:00-08:00';
const AFTER = '2026-11-21T09:00:00-08:00';

const tagged = (t: Task) => (t.meta?.tag ?? []).some((c) => c.system === FLAG_SYSTEM && c.code === 'escalated');

async function validationErrors(resource: Communication | Task) {
  const res = await fhir.post(`/${resource.resourceType}/$validate`, resource);
  return ((res.body as OperationOutcome).issue ?? []).filter((i) => i.severity === 'error');
}

describe('$ecm-clr-escalate and the escalation sweep (CLR-ESCALATE)', () => {
  it('not yet due → nothing; due → the Task tagged, a clr-escalation Task for the plan, a referral-overdue notice to the provider; again → nothing new', async () => {
    await storeAll(fhir, [...network(), patient('m1'), ...referralLoop({ id: 'r1', patient: 'm1', provider: 'alpha', due: DUE })]);

    const early = await escalate(fhir, BEFORE);
    expect(early.count).toBe(0);
    expect(tagged(await read<Task>(fhir, 'Task/r1-b'))).toBe(false);

    const due = await escalate(fhir, AFTER);
    expect(due.count).toBe(1);
    expect(due.escalated).toHaveLength(1);
    const [e] = due.escalated;
    expect(e.task).toBe('Task/r1-b');

    const overdue = await read<Task>(fhir, 'Task/r1-b');
    expect(tagged(overdue)).toBe(true);
    expect(overdue.status).toBe('requested');
    expect(overdue.meta?.versionId).toBe('2');
    expect((await searchAll<Task>(fhir, `Task?_tag=${ESCALATED}`)).map((t) => t.id)).toEqual(['r1-b']);

    const escalation = await read<Task>(fhir, e.escalation);
    expect(escalation.code?.coding?.[0]).toMatchObject({ system: `${B}/CodeSystem/ecm-auth-task`, code: 'clr-escalation' });
    expect(escalation.status).toBe('requested');
    expect(escalation.owner).toEqual({ reference: PLAN });
    expect(escalation.focus).toEqual({ reference: 'Task/r1-b' });
    expect(escalation.for).toEqual({ reference: 'Patient/m1' });
    expect(escalation.reasonCode?.coding?.[0]).toEqual({ system: `${B}/CodeSystem/ecm-rule`, code: 'CLR-ESCALATE' });
    expect(escalation.authoredOn).toBe('2026-11-21T17:00:00.000Z');
    // plan staff find their work by code and owner
    const work = await searchAll<Task>(fhir, `Task?code=${B}/CodeSystem/ecm-auth-task|clr-escalation&owner=${PLAN}&status=requested`);
    expect(work.map((t) => t.id)).toEqual([escalation.id]);
    expect(await validationErrors(escalation)).toEqual([]);

    const notice = await read<Communication>(fhir, e.notice!);
    expect(notice.recipient).toEqual([{ reference: 'Organization/alpha' }]);
    expect(notice.sender).toEqual({ reference: PLAN });
    expect(notice.about).toEqual([{ reference: 'Task/r1-b' }, { reference: 'ServiceRequest/r1' }]);
    expect(notice.category?.[1].coding?.[0]).toEqual({ system: NOTICE_TYPE, code: 'referral-overdue' });
    expect(notice.subject).toEqual({ reference: 'Patient/m1' });
    expect(notice.meta?.profile).toEqual([`${B}/StructureDefinition/ecm-notice`]);
    expect(await validationErrors(notice)).toEqual([]);
    expect(await searchAll<Communication>(fhir, `Communication?recipient=Organization/alpha&category=${NOTICE_TYPE}|referral-overdue`)).toHaveLength(1);

    // idempotent: a second sweep, even later, escalates nothing new and writes nothing
    const again = await escalate(fhir, '2026-12-01T09:00:00-08:00');
    expect(again.count).toBe(0);
    expect((await read<Task>(fhir, 'Task/r1-b')).meta?.versionId).toBe('2');
    expect(await searchAll<Task>(fhir, `Task?focus=Task/r1-b`)).toHaveLength(1);
  });

  it('escalates only referral Tasks still requested: accepted, no due date, or not a referral Task are left alone; the plan’s own late Task goes to the plan', async () => {
    await storeAll(fhir, [
      patient('m2'),
      ...referralLoop({ id: 'r2', patient: 'm2', provider: 'alpha', due: DUE, status: 'accepted' }),
      ...referralLoop({ id: 'r3', patient: 'm2', provider: 'beta' }),
      // the plan has not answered the referrer's Task A: owner the plan, requester the clinic
      ...referralLoop({ id: 'r4', patient: 'm2', provider: 'beta', statusA: 'requested', dueA: DUE }).filter((r) => r.id !== 'r4-b'),
      {
        resourceType: 'Task',
        id: 'not-a-referral',
        status: 'requested',
        intent: 'order',
        code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'approve' }] },
        owner: { reference: 'Organization/alpha' },
        restriction: { period: { end: DUE } },
      } as Task,
    ]);
    const answer = await escalate(fhir, AFTER);
    expect(answer.escalated.map((e) => e.task)).toEqual(['Task/r4-a']);
    for (const id of ['r2-b', 'r3-b', 'not-a-referral']) expect(tagged(await read<Task>(fhir, `Task/${id}`)), id).toBe(false);
    const escalation = await read<Task>(fhir, answer.escalated[0].escalation);
    expect(escalation.owner).toEqual({ reference: PLAN });
    // the notice goes to the late Task's owner: here the plan itself
    expect((await read<Communication>(fhir, answer.escalated[0].notice!)).recipient).toEqual([{ reference: PLAN }]);
  });

  it('a due date without a time is due by the end of that day in America/Los_Angeles', async () => {
    await storeAll(fhir, [patient('m5'), ...referralLoop({ id: 'r5', patient: 'm5', provider: 'gamma', due: '2026-11-25' })]);
    expect((await escalate(fhir, '2026-11-25T23:30:00-08:00')).count).toBe(0);
    const next = await escalate(fhir, '2026-11-26T00:30:00-08:00');
    expect(next.escalated.map((e) => e.task)).toEqual(['Task/r5-b']);
  });

  it('works through many overdue Tasks page by page, and two sweeps at once escalate each Task once', async () => {
    const loops = Array.from({ length: 7 }, (_, i) => referralLoop({ id: `many-${i}`, patient: 'm6', provider: 'beta', due: '2026-11-27T08:00:00-08:00' }));
    await storeAll(fhir, [patient('m6'), ...loops.flat()]);
    const now = new Date('2026-11-28T08:00:00-08:00');
    const [first, second] = await Promise.all([sweepOverdueReferrals(app().fhir, now, { batchSize: 2 }), sweepOverdueReferrals(app().fhir, now, { batchSize: 3 })]);
    const all = [...first.escalated, ...second.escalated].map((e) => e.task).sort();
    expect(all).toEqual(loops.map((_, i) => `Task/many-${i}-b`).sort());
    for (let i = 0; i < 7; i++) expect(await searchAll<Task>(fhir, `Task?focus=Task/many-${i}-b`), `many-${i}`).toHaveLength(1);
    expect((await sweepOverdueReferrals(app().fhir, now, { batchSize: 2 })).escalated).toEqual([]);
  });

  it('bad input → 400 naming the parameter', async () => {
    const bad = await fhir.post('/$ecm-clr-escalate', { resourceType: 'Parameters', parameter: [{ name: 'now', valueDate: '2026-11-21' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].diagnostics).toContain('"now" must be a dateTime');
    expect(bad.body.issue[0].expression).toEqual(['now']);
    const unknown = await fhir.post('/$ecm-clr-escalate', { resourceType: 'Parameters', parameter: [{ name: 'when', valueString: 'x' }] });
    expect(unknown.status).toBe(400);
    expect((await fhir.get('/$ecm-clr-escalate')).status).toBe(405);
  });
});
