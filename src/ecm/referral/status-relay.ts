import type { Task, TaskOutput } from '@medplum/fhirtypes';
import { LOOP_CLOSURE_SYSTEM, REFERRAL_STATUS_SYSTEM, businessStatusOf, referenceKey } from './referral-task.ts';
import { FINAL_STATUSES, type TaskStatus } from './task-lifecycle.ts';

/**
 * The intermediary pattern (X-GRAVITY, CLR-TRACK): what the referrer's Task (the parent) becomes
 * when the ECM provider's Task (its `partOf` child) changes status, so the referring EHR sees the
 * outcome on its own Task. Pure; undefined when the parent does not change.
 *
 * | child        | parent status                      | parent businessStatus        |
 * |--------------|------------------------------------|------------------------------|
 * | accepted     | accepted (from requested)          | accepted                     |
 * | in-progress  | in-progress                        | outreach-in-progress         |
 * | on-hold      | on-hold, with the child's reason   | the child's, else unchanged  |
 * | completed    | completed, reason and outputs      | the child's, else enrolled   |
 * | failed       | failed, with the child's reason    | the child's, else from reason|
 * | rejected     | unchanged: the plan re-assigns (CLR-DECLINE-FOLLOWUP) | declined  |
 * | cancelled    | unchanged (the plan cancelled its own child, e.g. a change of provider) |
 */
export function relayedParent(parent: Task, child: Task, now: string): Task | undefined {
  if (FINAL_STATUSES.includes(parent.status)) return undefined;
  const next = relayedStatus(parent.status, child.status);
  const business = relayedBusinessStatus(child);
  if (next === undefined && business === undefined) return undefined;
  const out: Task = { ...parent, lastModified: now };
  if (next !== undefined) out.status = next;
  if (business !== undefined) out.businessStatus = { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: business }] };
  if (child.status === 'on-hold' || child.status === 'completed' || child.status === 'failed') {
    if (child.statusReason) out.statusReason = child.statusReason;
    else if (child.status === 'completed') out.statusReason = { coding: [{ system: LOOP_CLOSURE_SYSTEM, code: 'services-received', display: 'Services Received' }] };
  }
  if (child.status === 'completed') out.output = mergedOutputs(parent.output, child.output);
  const unchanged = out.status === parent.status && businessStatusOf(out) === businessStatusOf(parent) && out.statusReason === parent.statusReason && out.output === parent.output;
  return unchanged ? undefined : out;
}

function relayedStatus(parent: TaskStatus, child: TaskStatus): TaskStatus | undefined {
  switch (child) {
    case 'accepted':
      return parent === 'requested' ? 'accepted' : undefined;
    case 'in-progress':
      return parent === 'in-progress' ? undefined : 'in-progress';
    case 'on-hold':
    case 'completed':
    case 'failed':
      return parent === child ? undefined : child;
    default:
      return undefined;
  }
}

const CLOSURE_TO_STATUS: Record<string, string> = { 'unable-to-reach': 'unable-to-reach', declined: 'declined', 'services-received': 'enrolled' };

function relayedBusinessStatus(child: Task): string | undefined {
  const own = businessStatusOf(child);
  switch (child.status) {
    case 'accepted':
      return 'accepted';
    case 'in-progress':
      return own ?? 'outreach-in-progress';
    case 'on-hold':
      return own;
    case 'completed':
      return own ?? 'enrolled';
    case 'failed': {
      const reason = child.statusReason?.coding?.find((c) => c.system === LOOP_CLOSURE_SYSTEM)?.code;
      return own ?? (reason ? CLOSURE_TO_STATUS[reason] : undefined);
    }
    case 'rejected':
      return 'declined';
    default:
      return undefined;
  }
}

/** The parent's outputs plus the child's results it does not hold yet (same reference or value). */
function mergedOutputs(parent: TaskOutput[] | undefined, child: TaskOutput[] | undefined): TaskOutput[] | undefined {
  if (!child || child.length === 0) return parent;
  const key = (o: TaskOutput) => referenceKey(o.valueReference) ?? JSON.stringify(o);
  const have = new Set((parent ?? []).map(key));
  const added = child.filter((o) => !have.has(key(o)));
  return added.length === 0 ? parent : [...(parent ?? []), ...added];
}
