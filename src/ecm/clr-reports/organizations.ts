import type { Organization } from '@medplum/fhirtypes';
import { systemAccess, type AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import { NPI_SYSTEM } from '../assignment/vocabulary.ts';
import { readMany } from '../assignment/search-all.ts';

export { NPI_SYSTEM };
/** The IRS Employer Identification Number (a provider's TIN), OID 2.16.840.1.113883.4.4. */
export const TIN_SYSTEM = 'urn:oid:2.16.840.1.113883.4.4';
const ORGANIZATION_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

/** A health plan: Organization.type `pay` (as the access rules read it, access-control.md). */
export function isPlan(org: Organization | undefined): boolean {
  return (org?.type ?? []).some((t) => (t.coding ?? []).some((c) => c.system === ORGANIZATION_TYPE && c.code === 'pay'));
}

export function identifierOf(org: Organization | undefined, system: string): string | undefined {
  return org?.identifier?.find((i) => i.system === system && i.value)?.value;
}

/**
 * Whether the caller may act for every organization: system access or authorization off (no
 * organizations and no user, as the referral lifecycle reads it), or acting for a health plan
 * (plan staff).
 */
export async function actsForEveryOrganization(repo: Repository, access: AccessContext): Promise<boolean> {
  const organizations = access.organizations ?? [];
  if (organizations.length === 0) return !access.fhirUser;
  const mine = await readMany<Organization>(repo, systemAccess, 'Organization', organizations);
  return [...mine.values()].some((o) => isPlan(o.resource));
}

/** Whether the caller acts for this organization (`Organization/x`): one of its organizations, or its user. */
export function actsFor(access: AccessContext, organization: string): boolean {
  return (access.organizations ?? []).some((o) => `Organization/${o}` === organization) || access.fhirUser === organization;
}
