import type { CodeableConcept, Coding, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';

/**
 * What makes a ServiceRequest an ECM authorization or an ECM referral, the server-owned decision
 * due date extension, and the OperationOutcome of an authorization rule.
 */

export const AUTHORIZATION_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-authorization`;
export const REFERRAL_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-referral`;
export const CATEGORY_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-category`;
export const RULE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-rule`;
/** AUTH-TAT: when the decision is due (valueDateTime), set by the server on receipt. */
export const DECISION_DUE_URL = `${CANONICAL_BASE}/StructureDefinition/ext-decision-due`;

/** Statuses of a request not decided yet: received (`draft`) or pended for case-by-case review (`on-hold`). */
export const UNDECIDED_STATUSES: readonly ServiceRequest['status'][] = ['draft', 'on-hold'];
/** Priorities that make a decision expedited (AUTH-TAT: clock hours instead of business days). */
const EXPEDITED_PRIORITIES: readonly ServiceRequest['priority'][] = ['urgent', 'asap', 'stat'];

function hasCategory(sr: { category?: CodeableConcept[] }, code: string): boolean {
  return (sr.category ?? []).some((c) => c.coding?.some((k) => k.system === CATEGORY_SYSTEM && k.code === code));
}

/** An ECM authorization: claims the ecm-authorization profile or carries its category. */
export function isAuthorization(sr: { resourceType?: string; meta?: { profile?: string[] }; category?: CodeableConcept[] }): boolean {
  return sr.resourceType === 'ServiceRequest' && ((sr.meta?.profile ?? []).includes(AUTHORIZATION_PROFILE) || hasCategory(sr, 'ecm-authorization'));
}

/** An ECM referral: claims the ecm-referral profile or carries its category. */
export function isReferral(sr: { resourceType?: string; meta?: { profile?: string[] }; category?: CodeableConcept[] }): boolean {
  return sr.resourceType === 'ServiceRequest' && ((sr.meta?.profile ?? []).includes(REFERRAL_PROFILE) || hasCategory(sr, 'ecm-referral'));
}

export function isUndecided(sr: ServiceRequest): boolean {
  return UNDECIDED_STATUSES.includes(sr.status);
}

export function isExpedited(sr: ServiceRequest): boolean {
  return EXPEDITED_PRIORITIES.includes(sr.priority);
}

export function decisionDueOf(sr: ServiceRequest): string | undefined {
  return sr.extension?.find((e) => e.url === DECISION_DUE_URL)?.valueDateTime;
}

/** The resource with its decision due extension set to `due` (or removed when undefined). */
export function withDecisionDue(sr: ServiceRequest, due: string | undefined): ServiceRequest {
  const others = (sr.extension ?? []).filter((e) => e.url !== DECISION_DUE_URL);
  const extension = due === undefined ? others : [...others, { url: DECISION_DUE_URL, valueDateTime: due }];
  const { extension: _dropped, ...rest } = sr;
  return extension.length > 0 ? { ...rest, extension } : rest;
}

/** `Type/id` of a relative literal reference of one of the types, else undefined. */
export function referenceId(ref: Reference | undefined, ...types: string[]): { type: string; id: string } | undefined {
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref?.reference ?? '');
  return m && (types.length === 0 || types.includes(m[1])) ? { type: m[1], id: m[2] } : undefined;
}

export function ruleCoding(rule: string): Coding {
  return { system: RULE_SYSTEM, code: rule };
}

