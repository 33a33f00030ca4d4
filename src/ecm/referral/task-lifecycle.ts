import type { Task } from '@medplum/fhirtypes';

/**
 * The referral Task state machine of the HL7 Gravity SDOH Clinical Care workflow (X-GRAVITY):
 * the requester sets draft, requested and cancelled; the owner (performer) accepted, rejected,
 * in-progress, on-hold, completed and failed; `received` and `ready` are not used. Pure: the
 * write rule (referral-task-write-rule.ts) applies it to every write.
 */
export type TaskStatus = Task['status'];
export type TaskRole = 'requester' | 'owner';

export const REQUESTER_STATUSES: readonly TaskStatus[] = ['draft', 'requested', 'cancelled'];
export const OWNER_STATUSES: readonly TaskStatus[] = ['accepted', 'rejected', 'in-progress', 'on-hold', 'completed', 'failed'];
/** Statuses a referral Task may never take (Gravity: received and ready are not used). */
export const UNUSED_STATUSES: readonly TaskStatus[] = ['received', 'ready', 'entered-in-error'];
/** Closed loops: no transition leaves them. */
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'rejected', 'cancelled'];
/** A reason (statusReason text or coding) must say why (Gravity Task profile invariant). */
export const REASON_REQUIRED: readonly TaskStatus[] = ['rejected', 'cancelled', 'on-hold', 'failed'];

const OPEN_WORK: readonly TaskStatus[] = ['accepted', 'in-progress', 'on-hold'];

/** Each status's next statuses, with the role that may make the move. */
const TRANSITIONS: Readonly<Partial<Record<TaskStatus, readonly (readonly [TaskStatus, TaskRole])[]>>> = {
  draft: [['requested', 'requester'], ['cancelled', 'requester']],
  // on-hold straight from requested: the owner holds a request it cannot accept yet (CLR-ACK: information missing)
  requested: [['accepted', 'owner'], ['rejected', 'owner'], ['on-hold', 'owner'], ['cancelled', 'requester']],
  ...Object.fromEntries(
    OPEN_WORK.map((from) => [
      from,
      [...(['in-progress', 'on-hold', 'completed', 'failed'] as const).filter((to) => to !== from).map((to) => [to, 'owner'] as const), ['cancelled', 'requester'] as const],
    ]),
  ),
};
// a held request, once complete, is accepted (or declined)
(TRANSITIONS['on-hold'] as (readonly [TaskStatus, TaskRole])[]).push(['accepted', 'owner'], ['rejected', 'owner']);

export function roleFor(status: TaskStatus): TaskRole | undefined {
  if (REQUESTER_STATUSES.includes(status)) return 'requester';
  if (OWNER_STATUSES.includes(status)) return 'owner';
  return undefined;
}

/** The role that may move a Task from `from` to `to` in one step, or undefined when no one may. */
export function transitionRole(from: TaskStatus, to: TaskStatus): TaskRole | undefined {
  return TRANSITIONS[from]?.find(([next]) => next === to)?.[1];
}

/**
 * Whether `to` can be reached from `from` through steps of `role` alone (an RTF row reports the
 * month's latest status: requested → completed passes through accepted).
 */
export function reachableBy(role: TaskRole, from: TaskStatus, to: TaskStatus): boolean {
  const seen = new Set<TaskStatus>([from]);
  const queue: TaskStatus[] = [from];
  while (queue.length > 0) {
    const status = queue.shift() as TaskStatus;
    for (const [next, who] of TRANSITIONS[status] ?? []) {
      if (who !== role || seen.has(next)) continue;
      if (next === to) return true;
      seen.add(next);
      queue.push(next);
    }
  }
  return false;
}

/** The statuses `from` may move to, for error messages. */
export function nextStatuses(from: TaskStatus): TaskStatus[] {
  return (TRANSITIONS[from] ?? []).map(([to]) => to);
}

export function hasStatusReason(task: Task): boolean {
  return !!task.statusReason && (!!task.statusReason.text?.trim() || (task.statusReason.coding ?? []).some((c) => !!c.code));
}
