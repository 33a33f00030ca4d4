import type { Task } from '@medplum/fhirtypes';
import type { FhirError } from '../../fhir/outcome.ts';
import { ruleError } from '../rule-error.ts';
import { referenceKey } from './referral-task.ts';
import {
  FINAL_STATUSES,
  REASON_REQUIRED,
  UNUSED_STATUSES,
  hasStatusReason,
  nextStatuses,
  reachableBy,
  roleFor,
  transitionRole,
  type TaskRole,
} from './task-lifecycle.ts';

const RULE = 'X-GRAVITY';

export interface LifecycleCaller {
  roles: Set<TaskRole>;
  /** A server operation's write: its caller was authorized by the operation (no role check). */
  trusted: boolean;
  /** The owner may jump to any status its own legal steps reach (an RTF row, a relayed status). */
  ownerMayJump: boolean;
}

/**
 * Why this write of a referral Task breaks the Gravity workflow (X-GRAVITY), or undefined when it
 * does not. 422: a status the workflow never uses, a missing reason, a changed requester;
 * 409: a move the state machine has no edge for (from a final status, or skipping steps);
 * 403: a legal move by someone who is not the party that makes it.
 */
export function lifecycleProblem(prev: Task | undefined, next: Task, caller: LifecycleCaller): FhirError | undefined {
  if (UNUSED_STATUSES.includes(next.status)) {
    return ruleError(422, RULE, `Task status '${next.status}' is not used in the referral workflow (requester: draft, requested, cancelled; owner: accepted, rejected, in-progress, on-hold, completed, failed)`, ['Task.status']);
  }
  if (REASON_REQUIRED.includes(next.status) && !hasStatusReason(next)) {
    return ruleError(422, RULE, `A referral Task that is ${next.status} needs statusReason (text or a code of ecm-loop-closure-reason) saying why`, ['Task.statusReason']);
  }
  const { roles, trusted } = caller;
  if (!prev) {
    const role = roleFor(next.status) as TaskRole;
    if (!trusted && !roles.has(role)) {
      const party = role === 'requester' ? referenceKey(next.requester) : referenceKey(next.owner);
      return ruleError(403, RULE, `Only the ${role} (${party ?? 'unset'}) may create a referral Task with status '${next.status}'`, ['Task.status']);
    }
    return undefined;
  }
  if (!trusted && roles.size === 0) {
    return ruleError(403, RULE, `You act neither for the requester (${referenceKey(prev.requester) ?? 'unset'}) nor for the owner (${referenceKey(prev.owner) ?? 'unset'}) of Task/${prev.id}`);
  }
  if (referenceKey(prev.requester) !== referenceKey(next.requester)) {
    return ruleError(422, RULE, 'The requester of a referral Task cannot change', ['Task.requester']);
  }
  if (referenceKey(prev.owner) !== referenceKey(next.owner) && !trusted && !roles.has('requester')) {
    return ruleError(403, RULE, 'Only the requester may hand a referral Task to another owner', ['Task.owner']);
  }
  if (prev.status === next.status) return undefined;
  if (FINAL_STATUSES.includes(prev.status)) {
    return ruleError(409, RULE, `Task/${prev.id} is ${prev.status}: a closed referral loop cannot move to '${next.status}'`, ['Task.status']);
  }
  const role = transitionRole(prev.status, next.status) ?? (caller.ownerMayJump && reachableBy('owner', prev.status, next.status) ? 'owner' : undefined);
  if (!role) {
    return ruleError(409, RULE, `A referral Task cannot move from '${prev.status}' to '${next.status}' (from '${prev.status}': ${nextStatuses(prev.status).join(', ') || 'none'})`, ['Task.status']);
  }
  if (!trusted && !roles.has(role)) {
    const party = role === 'requester' ? referenceKey(prev.requester) : referenceKey(prev.owner);
    return ruleError(403, RULE, `Only the ${role} (${party ?? 'unset'}) may move the referral Task to '${next.status}'`, ['Task.status']);
  }
  return undefined;
}

/**
 * A referral Task is closed through its status, never deleted, so the loop keeps its record
 * (CLR metrics, RTF): only a draft (not yet sent) may be deleted by a client.
 */
export function deleteProblem(current: Task): FhirError | undefined {
  if (current.status === 'draft') return undefined;
  return ruleError(409, RULE, `Task/${current.id} is a referral in status ${current.status} and cannot be deleted: the requester cancels it, the owner rejects, completes or fails it (with statusReason), and the loop keeps its record`);
}
