import type { ServiceRequest } from '@medplum/fhirtypes';
import type { FhirError } from '../../fhir/outcome.ts';
import { isAuthorization, UNDECIDED_STATUSES } from './authorization-resource.ts';
import { ruleError } from '../rule-error.ts';

/**
 * AUTH-FLOW as a state machine over ServiceRequest.status of an ECM authorization:
 * `draft` (received) and `on-hold` (pended for case-by-case review, AUTH-REVIEW) are undecided;
 * `active` (approved) and `revoked` (denied) are decisions, which only `$ecm-decide` makes;
 * `completed` ends an approved authorization and `entered-in-error` marks any as a mistake, which
 * plain writes may do. Pure: the write rule and the operation both ask it.
 */

type Status = ServiceRequest['status'];

/** What `$ecm-decide` moves an undecided request to. */
const DECISION_TARGETS: readonly Status[] = ['active', 'revoked', 'on-hold'];
/** Statuses whose occurrencePeriod and authoredOn are a recorded decision (AUTH-PERIOD, DECISION-RECORD). */
const DECIDED: readonly Status[] = ['active', 'revoked', 'completed'];

/** Whether a plain write (no operation) may move an authorization from `from` to `to`. */
export function plainTransitionAllowed(from: Status, to: Status): boolean {
  if (from === to) return true;
  if (to === 'entered-in-error') return true;
  return from === 'active' && to === 'completed';
}

export function decisionTransitionAllowed(from: Status, to: Status): boolean {
  return UNDECIDED_STATUSES.includes(from) && DECISION_TARGETS.includes(to);
}

const samePeriod = (a: ServiceRequest['occurrencePeriod'], b: ServiceRequest['occurrencePeriod']) => (a?.start ?? '') === (b?.start ?? '') && (a?.end ?? '') === (b?.end ?? '');

/**
 * Why an update of an authorization from `previous` to `next` is refused, or undefined when it is
 * allowed. `byDecision`: the write is `$ecm-decide`'s own.
 */
export function authorizationUpdateProblem(previous: ServiceRequest, next: ServiceRequest, byDecision: boolean): FhirError | undefined {
  const what = `ServiceRequest/${previous.id}`;
  if (!isAuthorization(next)) {
    return ruleError(422, 'AUTH-FLOW', `${what} is an ECM authorization and stays one: keep meta.profile ecm-authorization and category ecm-authorization`, ['ServiceRequest.category']);
  }
  const from = previous.status;
  const to = next.status;
  if (byDecision && !UNDECIDED_STATUSES.includes(from)) {
    // decided by another write since $ecm-decide read it
    return ruleError(409, 'AUTH-FLOW', `${what} was already decided (status ${from}); only a draft or on-hold request can be decided`);
  }
  if (from !== to && !plainTransitionAllowed(from, to) && !(byDecision && decisionTransitionAllowed(from, to))) {
    const how = UNDECIDED_STATUSES.includes(from) && DECISION_TARGETS.includes(to)
      ? 'approve, deny or pend for review with POST ServiceRequest/[id]/$ecm-decide'
      : UNDECIDED_STATUSES.includes(from)
        ? 'an undecided request is decided with $ecm-decide or marked entered-in-error'
        : `a decided authorization (${from}) may only be ${from === 'active' ? 'completed or ' : ''}marked entered-in-error`;
    return ruleError(422, 'AUTH-FLOW', `${what} may not go from ${from} to ${to} by a plain write: ${how}`, ['ServiceRequest.status']);
  }
  if (!byDecision && DECIDED.includes(from)) {
    if (!samePeriod(previous.occurrencePeriod, next.occurrencePeriod)) {
      return ruleError(422, 'AUTH-PERIOD', `${what} is ${from}: its authorized period (occurrencePeriod) is the recorded decision and cannot be changed by a plain write`, ['ServiceRequest.occurrencePeriod']);
    }
    if ((previous.authoredOn ?? '') !== (next.authoredOn ?? '')) {
      return ruleError(422, 'DECISION-RECORD', `${what} is ${from}: its decision time (authoredOn) cannot be changed by a plain write`, ['ServiceRequest.authoredOn']);
    }
  }
  return undefined;
}

/**
 * AUTH-FLOW, DECISION-RECORD: an authorization is never deleted while it means something (a
 * received request has its decision clock, a decided one is the record of the decision); one
 * marked entered-in-error may be.
 */
export function authorizationDeleteProblem(current: ServiceRequest & { id?: string }): FhirError | undefined {
  if (current.status === 'entered-in-error') return undefined;
  return ruleError(409, 'AUTH-FLOW', `ServiceRequest/${current.id} is an ECM authorization (status ${current.status}) and cannot be deleted: it is decided with $ecm-decide and kept as the record of the decision (DECISION-RECORD); one recorded by mistake is marked entered-in-error first`);
}
