import { createHash } from 'node:crypto';
import type { Task } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../conformance/conformance.ts';

/** What a care-coordination Task for plan staff says: the rule behind it, what to do, about whom. */
export interface PlanStaffTaskSpec {
  /** Prefix of the id; the rest is derived from `key`, so the same key always names the same Task. */
  idPrefix: string;
  key: string;
  rule: string;
  /** The reason as a care manager reads it (reasonCode.text). */
  reason?: string;
  description: string;
  patientId: string;
  focus?: string;
  /** The plan: requester and owner. */
  plan?: string;
  input: { type: string; reference: string }[];
}

/**
 * A care-coordination Task for plan staff (EXCL-PLAN-CM, ELIG-NOT-MET-OFFER): requested, owned
 * by the plan, the rule as reasonCode. Its id is derived from the spec's key, so writing it again
 * (update as create) finds the same Task instead of adding one.
 */
export function planStaffTask(s: PlanStaffTaskSpec): Task & { id: string } {
  const digest = createHash('sha256').update(s.key).digest('hex').slice(0, 32);
  return {
    resourceType: 'Task',
    id: `${s.idPrefix}-${digest}`,
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: `${CANONICAL_BASE}/CodeSystem/ecm-category`, code: 'care-coordination', display: 'Care coordination task' }] },
    reasonCode: { coding: [{ system: `${CANONICAL_BASE}/CodeSystem/ecm-rule`, code: s.rule }], ...(s.reason ? { text: s.reason } : {}) },
    description: s.description,
    for: { reference: `Patient/${s.patientId}` },
    ...(s.focus ? { focus: { reference: s.focus } } : {}),
    authoredOn: new Date().toISOString(),
    ...(s.plan ? { requester: { reference: s.plan }, owner: { reference: s.plan } } : {}),
    input: s.input.map((i) => ({ type: { text: i.type }, valueReference: { reference: i.reference } })),
  };
}
