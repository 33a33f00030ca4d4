import type { CodeableConcept, Communication, Organization, Reference, Task } from '@medplum/fhirtypes';
import { localDateOf } from '../calendar/local-dates.ts';
import {
  CATEGORY_SYSTEM,
  ESCALATED_TAG,
  ESCALATION_TASK_CODE,
  NOTICE_PROFILE,
  NOTICE_TYPE_SYSTEM,
  OVERDUE_NOTICE,
  isEscalated,
  ruleCoding,
} from './escalation-vocabulary.ts';

/**
 * What escalating one overdue referral Task writes (CLR-ESCALATE), pure: the Task tagged
 * `ecm-task-flag#escalated`, a `clr-escalation` Task for plan staff, and a `referral-overdue`
 * notice to the Task's owner.
 */

const LOCAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/**
 * Whether a response due at `due` is late at `now`. A date without a time is due by the end of
 * that day in America/Los_Angeles (DATE-UNITS), so it is late from the next local day on; a
 * dateTime is late once it has passed.
 */
export function isOverdue(due: string | undefined, now: Date): boolean {
  if (!due) return false;
  if (LOCAL_DATE.test(due)) return localDateOf(now).slice(0, due.length) > due;
  const ms = Date.parse(due);
  return Number.isFinite(ms) && ms < now.getTime();
}

/** A referral Task the sweep escalates: still requested, overdue at `now`, not escalated before. */
export function needsEscalation(task: Task, now: Date): boolean {
  return task.status === 'requested' && !isEscalated(task.meta) && isOverdue(task.restriction?.period?.end, now);
}

/** The Task with the escalated tag added (nothing else changes: the state machine sees the same status). */
export function escalatedTask(task: Task & { id: string }): Task & { id: string } {
  const { versionId: _v, lastUpdated: _l, ...meta } = task.meta ?? {};
  return { ...task, meta: { ...meta, tag: [...(meta.tag ?? []), ESCALATED_TAG] } };
}

export interface EscalationFacts {
  task: Task & { id: string };
  /** Organization/x: the plan whose staff follow up (the plan's own Task: its owner; the plan's child Task: its requester). */
  plan?: string;
  now: string;
  escalationId: string;
  noticeId: string;
  /** Communication.medium of a notice to a provider under the plan's settings (noticeChannels). */
  medium: CodeableConcept[];
}

function dueOf(task: Task): string {
  return task.restriction?.period?.end ?? '';
}

/** The work item for plan staff: owner the plan, focus the overdue Task (CLR-ESCALATE, CLR-REASSIGN). */
export function escalationTask(f: EscalationFacts): Task & { id: string } {
  const overdue = `Task/${f.task.id}`;
  const provider = f.task.owner;
  const plan: Reference<Organization> | undefined = f.plan ? { reference: f.plan } : undefined;
  return {
    resourceType: 'Task',
    id: f.escalationId,
    status: 'requested',
    intent: 'order',
    priority: 'urgent',
    code: { coding: [ESCALATION_TASK_CODE] },
    businessStatus: { text: 'Provider response overdue' },
    description: `Referral ${overdue} was due for a response on ${dueOf(f.task)} and is still requested${provider?.reference ? ` by ${provider.reference}` : ''}: follow up with the provider, help with barriers, re-refer if needed (CLR-ESCALATE, CLR-REASSIGN).`,
    focus: { reference: overdue },
    ...(f.task.for ? { for: f.task.for } : {}),
    authoredOn: f.now,
    lastModified: f.now,
    ...(plan ? { requester: plan, owner: plan } : {}),
    reasonCode: { coding: [ruleCoding('CLR-ESCALATE')], text: 'Referral response overdue' },
    input: [
      { type: { text: 'response due' }, valueDateTime: dueOf(f.task) },
      ...(provider?.reference ? [{ type: { text: 'provider' }, valueReference: { reference: provider.reference } }] : []),
    ],
  };
}

/** The notice to the overdue Task's owner; undefined when the Task has no owner to tell. */
export function overdueNotice(f: EscalationFacts): (Communication & { id: string }) | undefined {
  const owner = f.task.owner?.reference;
  if (!owner) return undefined;
  const about: Reference[] = [{ reference: `Task/${f.task.id}` }];
  if (f.task.focus?.reference) about.push({ reference: f.task.focus.reference });
  return {
    resourceType: 'Communication',
    id: f.noticeId,
    meta: { profile: [NOTICE_PROFILE] },
    status: 'completed',
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: 'notice' }] }, { coding: [{ system: NOTICE_TYPE_SYSTEM, code: OVERDUE_NOTICE }] }],
    medium: f.medium,
    ...(f.task.for ? { subject: f.task.for as Communication['subject'] } : {}),
    about,
    sent: f.now,
    recipient: [{ reference: owner }] as Communication['recipient'],
    ...(f.plan ? { sender: { reference: f.plan } as Communication['sender'] } : {}),
    payload: [
      {
        contentString: `The referral Task/${f.task.id} was due for your response on ${dueOf(f.task)} and is still requested. Please accept or decline it; the plan is following up (CLR-ESCALATE).`,
      },
    ],
  };
}
