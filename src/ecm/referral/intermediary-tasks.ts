import { newResourceId } from '../../fhir/resource-id.ts';
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import type { WriteOp } from '../../fhir/repository.ts';
import { LOOP_CLOSURE_SYSTEM, REFERRAL_STATUS_SYSTEM, REFERRAL_TASK_PROFILE, TASK_CODE_SYSTEM, referenceKey } from './referral-task.ts';
import { FINAL_STATUSES } from './task-lifecycle.ts';

export interface StoredTask {
  resource: Task & { id: string };
  versionId: number;
}

export interface StoredRequest {
  resource: ServiceRequest & { id: string };
  versionId: number;
}

/** A referral the plan assigns before authorizing it, with the plan's filler orders already based on it. */
export interface AssignedReferral {
  referral: ServiceRequest & { id: string };
  fillerOrders: StoredRequest[];
}

export interface IntermediaryInput {
  /** Referral Tasks about the request, its referral or the plan's filler orders (task-code fulfill). */
  referralTasks: StoredTask[];
  /** ServiceRequest/x: the plan's order the provider fulfils when it is the authorization. */
  request: string;
  /** Set when the plan assigns the referral itself (before authorizing): the provider fulfils a filler order. */
  assignedReferral?: AssignedReferral;
  patient: string;
  /** Organization/x of the plan (the intermediary). */
  plan: string;
  /** Organization/x of the ECM provider chosen by $ecm-assign. */
  provider: string;
  providerName?: string;
  now: string;
}

const isOpen = (t: Task) => !FINAL_STATUSES.includes(t.status);
const isOpenOrder = (sr: ServiceRequest) => sr.status === 'draft' || sr.status === 'active' || sr.status === 'on-hold';

/**
 * X-GRAVITY intermediary: when the plan assigns a referral it has not authorized, its order to the
 * provider is a filler-order ServiceRequest `basedOn` the referral (requester the plan, performer
 * the provider). An open one for the same provider is reused; open ones for another provider are
 * revoked (a change of provider).
 */
function fillerOrderWrites(a: AssignedReferral, plan: string, provider: string, providerName: string | undefined, now: string): { ops: WriteOp[]; order: string } {
  const open = a.fillerOrders.filter((o) => isOpenOrder(o.resource));
  const ops: WriteOp[] = open
    .filter((o) => referenceKey(o.resource.performer?.[0]) !== provider)
    .map((o) => ({ kind: 'update', ifMatch: o.versionId, resource: { ...o.resource, status: 'revoked' } }));
  const kept = open.find((o) => referenceKey(o.resource.performer?.[0]) === provider);
  if (kept) return { ops, order: `ServiceRequest/${kept.resource.id}` };
  const r = a.referral;
  const order: ServiceRequest & { id: string } = {
    resourceType: 'ServiceRequest',
    id: newResourceId(),
    status: 'active',
    intent: 'filler-order',
    basedOn: [{ reference: `ServiceRequest/${r.id}` }],
    ...(r.code ? { code: r.code } : {}),
    ...(r.priority ? { priority: r.priority } : {}),
    subject: r.subject,
    authoredOn: now,
    requester: { reference: plan },
    performer: [{ reference: provider, ...(providerName ? { display: providerName } : {}) }],
    ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
  };
  ops.push({ kind: 'create', resource: order });
  return { ops, order: `ServiceRequest/${order.id}` };
}

/**
 * The intermediary pattern (X-GRAVITY, referral-loop.md) when $ecm-assign picks a provider:
 * - a new Task for the provider (requester = the plan, owner = the provider, `focus` = the plan's
 *   order, `partOf` = the referrer's Task when there is one), status `requested`, business status
 *   `assigned`; its response due date comes from the write rule (CLR-STATUS); the plan's order is
 *   the authorization, or a filler order when the plan assigns before authorizing;
 * - the referrer's Task (owned by the plan) accepted and marked `assigned`;
 * - an open Task of another provider for the same order cancelled (a change of provider:
 *   ASSIGN-CHANGE, or re-assignment after a decline, CLR-DECLINE-FOLLOWUP / CLR-REASSIGN).
 */
export function intermediaryWrites(input: IntermediaryInput): WriteOp[] {
  const { plan, provider } = input;
  const parent = input.referralTasks.find((t) => referenceKey(t.resource.owner) === plan && !t.resource.partOf?.length && isOpen(t.resource));
  const children = input.referralTasks.filter((t) => referenceKey(t.resource.requester) === plan && referenceKey(t.resource.owner) !== plan);
  const ops: WriteOp[] = [];
  for (const old of children.filter((t) => isOpen(t.resource) && referenceKey(t.resource.owner) !== provider)) {
    ops.push({
      kind: 'update',
      ifMatch: old.versionId,
      resource: {
        ...old.resource,
        status: 'cancelled',
        lastModified: input.now,
        statusReason: { coding: [{ system: LOOP_CLOSURE_SYSTEM, code: 'other', display: 'Other' }], text: 'The plan assigned the member to another ECM provider' },
      },
    });
  }
  if (children.some((t) => isOpen(t.resource) && referenceKey(t.resource.owner) === provider)) return ops;
  let focus = input.request;
  if (input.assignedReferral) {
    const filler = fillerOrderWrites(input.assignedReferral, plan, provider, input.providerName, input.now);
    ops.push(...filler.ops);
    focus = filler.order;
  }
  const child: Task & { id: string } = {
    resourceType: 'Task',
    id: newResourceId(),
    meta: { profile: [REFERRAL_TASK_PROFILE] },
    status: 'requested',
    businessStatus: { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: 'assigned', display: 'Assigned to provider' }] },
    intent: 'order',
    priority: parent?.resource.priority ?? 'routine',
    code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: { reference: focus },
    for: { reference: input.patient },
    authoredOn: input.now,
    lastModified: input.now,
    requester: { reference: plan },
    owner: { reference: provider, ...(input.providerName ? { display: input.providerName } : {}) },
    ...(parent ? { partOf: [{ reference: `Task/${parent.resource.id}` }] } : {}),
  };
  ops.push({ kind: 'create', resource: child });
  if (parent) {
    const p = parent.resource;
    ops.push({
      kind: 'update',
      ifMatch: parent.versionId,
      resource: {
        ...p,
        status: p.status === 'requested' || p.status === 'on-hold' ? 'accepted' : p.status,
        ...(p.status === 'on-hold' ? { statusReason: undefined } : {}),
        businessStatus: { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: 'assigned', display: 'Assigned to provider' }] },
        lastModified: input.now,
      },
    });
  }
  return ops;
}
