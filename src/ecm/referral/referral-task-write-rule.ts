import type { Task } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { FollowUpWrite, WriteRule } from '../../fhir/write-rules.ts';
import { memberSettingsProfile } from '../authorization/authorization-lookups.ts';
import { endOfLocalDay } from '../authorization/decision-due.ts';
import { addCalendarDays } from '../calendar/deadlines.ts';
import { formatLocalInstant, localDateOf } from '../calendar/local-dates.ts';
import { declineFollowUp } from './decline-followup.ts';
import { deleteProblem, lifecycleProblem } from './lifecycle-check.ts';
import { dueDateOf, isReferralTask, referenceKey, responseDateOf, withDueDate, withResponseDate } from './referral-task.ts';
import { relayedParent } from './status-relay.ts';
import { statusNotices } from './status-notices.ts';
import { roleFor } from './task-lifecycle.ts';
import { rolesOf } from './task-roles.ts';

/** Operation names of the server's own referral Task writes (write-rules.ts `operation`). */
export const RTF_IMPORT_OPERATION = 'ecm-rtf-import';
export const RELAY_OPERATION = 'clr-relay';
export const NOTICE_OPERATION = 'clr-status-notice';

/**
 * The write rule of referral Tasks (referral-loop.md), on every create and update whatever the
 * route (PUT, PATCH, conditional update, transaction entries, server operations):
 * - X-GRAVITY: the state machine and who may make each move (lifecycle-check.ts); a delete only
 *   of a draft (409 otherwise: a referral is closed through its status);
 * - CLR-STATUS: entering `requested` sets the response due date (`restriction.period.end`) from
 *   the member's plan `referralResponseDays` (calendar days, end of the due day in
 *   America/Los_Angeles); later writes keep it. The owner's first move out of `requested` stamps
 *   ext-response-date, which the CLR metrics read;
 * - follow-ups: a child Task's status relayed to its `partOf` parent (intermediary pattern), the
 *   re-assignment after a decline for capacity or eligibility (decline-followup.ts), and the
 *   referrer's and member's status notices (status-notices.ts).
 */
export const referralTaskWriteRule: WriteRule = {
  resourceType: 'Task',
  async prepare(resource, previous, { fhir, operation }) {
    const next = resource as Task;
    const prev = previous as Task | undefined;
    if (!isReferralTask(next) && !isReferralTask(prev)) return undefined;
    const problem = lifecycleProblem(prev, next, {
      roles: operation === undefined ? await rolesOf(fhir.repo, fhir.access, prev ?? next) : new Set(),
      trusted: operation !== undefined,
      ownerMayJump: operation === RTF_IMPORT_OPERATION || operation === RELAY_OPERATION,
    });
    if (problem) throw problem;
    const now = new Date();
    let out = next;
    if (next.status === 'requested' && prev?.status !== 'requested') out = withDueDate(out, await responseDue(fhir, next, now));
    else if (!dueDateOf(out) && dueDateOf(prev)) out = withDueDate(out, dueDateOf(prev));
    // server-owned: kept from the previous version, stamped at the owner's first answer, else absent
    // an RTF row reports its own date of the status update: the answer was given then, not at import
    const answeredAt = operation === RTF_IMPORT_OPERATION && next.lastModified ? next.lastModified : formatLocalInstant(now.getTime());
    const firstAnswer = prev?.status === 'requested' && roleFor(next.status) === 'owner' ? answeredAt : undefined;
    return withResponseDate(out, (prev && responseDateOf(prev)) ?? firstAnswer);
  },
  async prepareDelete(current) {
    const problem = isReferralTask(current as Task) ? deleteProblem(current as Task) : undefined;
    if (problem) throw problem;
  },
  async followUps(resource, previous, { fhir }) {
    const task = resource as Task & { id: string };
    const prev = previous as Task | undefined;
    if (!prev || prev.status === task.status || !isReferralTask(task)) return [];
    const now = formatLocalInstant(Date.now());
    const out: FollowUpWrite[] = [];
    const parent = await readParent(fhir, task);
    if (parent) {
      const relayed = relayedParent(parent.task, task, now);
      if (relayed) out.push({ op: { kind: 'update', resource: relayed as Task & { id: string }, ifMatch: parent.versionId }, operation: RELAY_OPERATION });
    }
    const reassign = declineFollowUp(fhir, task, prev);
    if (reassign) out.push(reassign);
    if (roleFor(task.status) === 'owner' && !task.partOf?.length) {
      const { settings } = await memberSettingsProfile(fhir, task.for, localDateOf(now));
      for (const n of statusNotices(task, settings, now)) out.push({ op: { kind: 'create', resource: n }, operation: NOTICE_OPERATION });
    }
    return out;
  },
};

/** CLR-STATUS due date for a Task entering `requested` now, or undefined when the plan sets none. */
async function responseDue(fhir: FhirContext, task: Task, now: Date): Promise<string | undefined> {
  const { settings } = await memberSettingsProfile(fhir, task.for, localDateOf(now));
  if (settings.referralResponseDays === null) return undefined;
  return endOfLocalDay(addCalendarDays(now, settings.referralResponseDays));
}

async function readParent(fhir: FhirContext, task: Task): Promise<{ task: Task & { id: string }; versionId: number } | undefined> {
  const key = referenceKey(task.partOf?.[0]);
  if (!key?.startsWith('Task/')) return undefined;
  const stored = await fhir.repo.read(systemAccess, 'Task', key.slice('Task/'.length));
  if (!stored || stored.deleted || !stored.json) return undefined;
  const parent = JSON.parse(stored.json) as Task & { id: string };
  return isReferralTask(parent) ? { task: parent, versionId: stored.versionId } : undefined;
}
