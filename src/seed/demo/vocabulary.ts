import type { CodeableConcept, Coding, Meta, Reference } from '@medplum/fhirtypes';

/** Canonical base of everything we define (profiles/README.md). */
export const BASE = 'https://ecm-fhir.example.org/fhir';
export const CIN_SYSTEM = 'https://ecm-fhir.example.org/sid/medi-cal-cin';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
export const HCPCS = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const BCP47 = 'urn:ietf:bcp:47';

/** The fixed evaluation date the demo data and seed/demo-expectations.json are written for. */
export const EVALUATION_DATE = '2026-11-01';

/** StructureDefinition ids of the naming contract (/work/helper-naming.md). */
export type EcmProfile =
  | 'ecm-member'
  | 'medi-cal-coverage'
  | 'ecm-referral'
  | 'ecm-referral-task'
  | 'ecm-authorization'
  | 'ecm-enrollment'
  | 'ecm-outreach'
  | 'ecm-notice'
  | 'ecm-provider'
  | 'ecm-provider-service'
  | 'ecm-care-team'
  | 'ecm-roi-consent'
  | 'ecm-attribution-group'
  | 'ecm-care-plan'
  | 'ecm-goal'
  | 'ecm-pof-condition'
  | 'ecm-pof-flag';

export function profileUrl(id: EcmProfile): string {
  return `${BASE}/StructureDefinition/${id}`;
}

export function meta(id: EcmProfile): Meta {
  return { profile: [profileUrl(id)] };
}

/** Our CodeSystems: the contract's ids plus the few the seed needs that the contract leaves open. */
export type EcmCodeSystem =
  | 'ecm-population-of-focus'
  | 'ecm-category'
  | 'ecm-referral-status'
  | 'ecm-loop-closure-reason'
  | 'ecm-referral-source-type'
  | 'ecm-referral-type'
  | 'ecm-outreach-category'
  | 'ecm-outreach-medium'
  | 'ecm-notice-type'
  | 'ecm-icp-domain'
  | 'ecm-attribution-change'
  | 'ecm-rule'
  // not in the naming contract (yet): listed in the seed README
  | 'ecm-utilization-marker'
  | 'ecm-program'
  | 'ecm-assessment'
  | 'ecm-provider-characteristic'
  | 'ecm-role';

export function codeSystemUrl(id: EcmCodeSystem): string {
  return `${BASE}/CodeSystem/${id}`;
}

export function coding(system: EcmCodeSystem, code: string, display?: string): Coding {
  return display ? { system: codeSystemUrl(system), code, display } : { system: codeSystemUrl(system), code };
}

export function concept(system: EcmCodeSystem, code: string, display?: string): CodeableConcept {
  return { coding: [coding(system, code, display)] };
}

/** A literal reference; typed for any target since the seed references by string. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- medplum types Reference<T> by target; the string says the type
export function ref(reference: string, display?: string): Reference<any> {
  return display ? { reference, display } : { reference };
}

/** NPI with a valid Luhn check digit (prefix 80840, as the NPI standard defines). */
export function npi(base9: string): string {
  const digits = `80840${base9}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${base9}${(10 - (sum % 10)) % 10}`;
}

/** The day before the same date `months` later: a period of whole months (AUTH-PERIOD, DATE-UNITS). */
export function monthsLater(start: string, months: number): string {
  const [y, m, d] = start.split('-').map(Number);
  const end = new Date(Date.UTC(y, m - 1 + months, d - 1));
  return end.toISOString().slice(0, 10);
}

/** Completed years on `on` (DATE-UNITS); both dates YYYY-MM-DD. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = on.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
