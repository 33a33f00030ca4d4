import type { Coding } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';

/** Codes and URLs of escalation and list removal (CLR-ESCALATE, CLR-LIST-REMOVAL; referral-loop.md). */
export const TASK_FLAG_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-task-flag`;
export const ESCALATED_TAG: Coding = { system: TASK_FLAG_SYSTEM, code: 'escalated', display: 'Escalated: response overdue' };
export const PLAN_TASK_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-auth-task`;
export const ESCALATION_TASK_CODE: Coding = { system: PLAN_TASK_SYSTEM, code: 'clr-escalation', display: 'Closed-loop referral escalation' };
export const NOTICE_TYPE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-notice-type`;
export const OVERDUE_NOTICE = 'referral-overdue';
export const TECHNICAL_ASSISTANCE = 'technical-assistance';
export const CATEGORY_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-category`;
export const NOTICE_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-notice`;
export const RULE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-rule`;
export const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';
export const ORGANIZATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/organization-type';

/** The write rules see this operation name on every write of the sweep. */
export const ESCALATE_OPERATION = 'clr-escalate';
export const MOVE_LIST_OPERATION = 'ecm-move-list';

export function ruleCoding(rule: string): Coding {
  return { system: RULE_SYSTEM, code: rule };
}

export function isEscalated(meta: { tag?: Coding[] } | undefined): boolean {
  return (meta?.tag ?? []).some((t) => t.system === TASK_FLAG_SYSTEM && t.code === ESCALATED_TAG.code);
}
