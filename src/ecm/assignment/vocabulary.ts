import type { CodeableConcept, Coding, Reference } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';

/** Canonical URLs and codings the assignment code writes and reads (profiles/). */
export const BASE = CANONICAL_BASE;
export const CS = {
  category: `${BASE}/CodeSystem/ecm-category`,
  pof: `${BASE}/CodeSystem/ecm-population-of-focus`,
  program: `${BASE}/CodeSystem/ecm-program`,
  characteristic: `${BASE}/CodeSystem/ecm-provider-characteristic`,
  role: `${BASE}/CodeSystem/ecm-role`,
  step: `${BASE}/CodeSystem/ecm-assignment-step`,
  rejection: `${BASE}/CodeSystem/ecm-assign-rejection`,
  outcome: `${BASE}/CodeSystem/ecm-assign-outcome`,
  attributionChange: `${BASE}/CodeSystem/ecm-attribution-change`,
  noticeType: `${BASE}/CodeSystem/ecm-notice-type`,
  rule: `${BASE}/CodeSystem/ecm-rule`,
  discontinuation: `${BASE}/CodeSystem/ecm-discontinuation-reason`,
  referralChannel: `${BASE}/CodeSystem/ecm-referral-channel`,
} as const;

export const EXT = {
  providerCapacity: `${BASE}/StructureDefinition/ext-provider-capacity`,
  pofCapacity: `${BASE}/StructureDefinition/ext-pof-capacity`,
  attributedProvider: `${BASE}/StructureDefinition/ext-attributed-provider`,
  attributionChange: `${BASE}/StructureDefinition/ext-attribution-change`,
  assignmentDue: `${BASE}/StructureDefinition/ext-assignment-due`,
  discontinuationReason: `${BASE}/StructureDefinition/ext-discontinuation-reason`,
  referralChannel: `${BASE}/StructureDefinition/ext-referral-channel`,
} as const;

export const ATTRIBUTION_LIST_SYSTEM = 'https://ecm-fhir.example.org/sid/attribution-list';
export const CIN_SYSTEM = 'https://ecm-fhir.example.org/sid/medi-cal-cin';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

export type EcmProfileId = 'ecm-enrollment' | 'ecm-care-team' | 'ecm-attribution-group' | 'ecm-notice' | 'ecm-authorization' | 'ecm-referral';

export function profileUrl(id: EcmProfileId): string {
  return `${BASE}/StructureDefinition/${id}`;
}

export function coding(system: string, code: string, display?: string): Coding {
  return display ? { system, code, display } : { system, code };
}

export function concept(system: string, code: string, display?: string): CodeableConcept {
  return { coding: [coding(system, code, display)] };
}

export function hasCoding(concepts: (CodeableConcept | undefined)[] | undefined, system: string, code?: string): boolean {
  return (concepts ?? []).some((cc) => cc?.coding?.some((c) => c.system === system && (code === undefined || c.code === code)));
}

/** The codes of one system among the concepts, in order, without repeats. */
export function codesOf(concepts: (CodeableConcept | undefined)[] | undefined, system: string): string[] {
  const codes: string[] = [];
  for (const cc of concepts ?? []) for (const c of cc?.coding ?? []) if (c.system === system && c.code && !codes.includes(c.code)) codes.push(c.code);
  return codes;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- medplum types Reference<T> by target; the string names the type
export function ref(reference: string, display?: string): Reference<any> {
  return display ? { reference, display } : { reference };
}

/** "Organization/x" of a literal relative reference, or undefined (absolute, contained, logical references are not followed). */
export function relativeReference(reference: Reference | undefined, type?: string): string | undefined {
  const r = reference?.reference;
  if (!r || !/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r)) return undefined;
  if (type && !r.startsWith(`${type}/`)) return undefined;
  return r;
}

/** `Type/id` of a literal reference, relative or absolute, without its version (as the search index reads it). */
export function literalTarget(reference: string | undefined): string | undefined {
  return /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '')?.[1];
}

export function idOf(reference: string): string {
  return reference.slice(reference.indexOf('/') + 1);
}

/** The date part (YYYY-MM-DD) of a FHIR date or dateTime. */
export function datePart(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}
