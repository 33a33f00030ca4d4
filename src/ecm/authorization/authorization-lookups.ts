import type { Coverage, Patient, PractitionerRole, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { systemAccess } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { coverageOn } from '../eligibility/evaluate-eligibility.ts';
import { decideMember } from '../eligibility/member-decision.ts';
import { loadMemberEvidence } from '../eligibility/member-evidence.ts';
import { settingsProfileForPayors, type SettingsProfile } from '../settings/settings-profile.ts';
import { isAuthorization, referenceId } from './authorization-resource.ts';

/**
 * What the authorization rules look up besides the authorization itself. Lookups use system
 * access: they feed values the server derives (a due date, a plan's settings), never a response
 * body, and a reviewer's token must not change which plan's rules apply. Every lookup goes
 * through `fhir.repo`, which is the transaction's when the caller is inside one.
 */

const COVERAGE_PAGE = 100;

/**
 * Every Coverage whose beneficiary is the patient, as a transaction already read them, keyed by
 * the transaction's repository (so they are forgotten with it): $ecm-assign reads them with the
 * member's records, and the write rules of what it writes (a referral Task's CLR-STATUS due date)
 * then take the plan's settings from them instead of searching again.
 */
const coveragesReadIn = new WeakMap<Repository, Map<string, Coverage[]>>();

export function rememberMemberCoverages(repo: Repository, patientId: string, coverages: Coverage[]): void {
  let byPatient = coveragesReadIn.get(repo);
  if (!byPatient) coveragesReadIn.set(repo, (byPatient = new Map()));
  byPatient.set(patientId, coverages);
}

async function beneficiaryCoverages(fhir: FhirContext, patientId: string): Promise<Coverage[]> {
  const known = coveragesReadIn.get(fhir.repo)?.get(patientId);
  if (known) return known;
  const page = await fhir.repo.search(systemAccess, {
    resourceType: 'Coverage',
    criteria: [{ kind: 'reference', param: 'beneficiary', values: [{ targetType: 'Patient', targetId: patientId }] }],
    count: COVERAGE_PAGE,
    offset: 0,
    total: false,
    prepared: true,
  });
  return page.resources.flatMap((stored) => (stored.json ? [JSON.parse(stored.json) as Coverage] : []));
}

/** The settings profile of the plan paying the member's coverage on `date` (else the latest coverage, else the default). */
export async function memberSettingsProfile(fhir: FhirContext, subject: Reference | undefined, date: string): Promise<SettingsProfile> {
  const patient = referenceId(subject, 'Patient');
  const coverages = patient ? await beneficiaryCoverages(fhir, patient.id) : [];
  const { current, latest } = coverageOn(coverages, date);
  const payors = ((current ?? latest)?.payor ?? []).map((p) => p.reference).filter((r): r is string => !!r);
  return settingsProfileForPayors(payors, date);
}

export async function readServiceRequest(fhir: FhirContext, ref: Reference | undefined): Promise<(ServiceRequest & { id: string }) | undefined> {
  const target = referenceId(ref, 'ServiceRequest');
  if (!target) return undefined;
  const stored = await fhir.repo.read(systemAccess, 'ServiceRequest', target.id);
  return stored?.json ? (JSON.parse(stored.json) as ServiceRequest & { id: string }) : undefined;
}

/** The referral an authorization is based on: the first `basedOn` ServiceRequest that is not itself an authorization. */
export async function referralOf(fhir: FhirContext, authorization: ServiceRequest): Promise<(ServiceRequest & { id: string }) | undefined> {
  for (const ref of authorization.basedOn ?? []) {
    const sr = await readServiceRequest(fhir, ref);
    if (sr && !isAuthorization(sr)) return sr;
  }
  return undefined;
}

/** When the server first stored a resource (its version 1), else when it stored the current version. */
async function receivedAt(fhir: FhirContext, type: string, id: string): Promise<string | undefined> {
  const first = await fhir.repo.vread(systemAccess, type, id, 1);
  if (first) return first.lastUpdated;
  return (await fhir.repo.read(systemAccess, type, id))?.lastUpdated;
}

/**
 * Day 0 of the AUTH-TAT clock (`authClockStart` = referral-receipt): when the server received the
 * referral the authorization is based on. Without one (a plan-identified member, a
 * reauthorization), or when the referral arrives in the same transaction, the clock starts when
 * the server received the authorization request itself (`now` for a create).
 */
export async function decisionClockStart(fhir: FhirContext, authorization: ServiceRequest & { id: string }, now: Date): Promise<string> {
  const referral = await referralOf(fhir, authorization);
  const referralReceipt = referral ? await receivedAt(fhir, 'ServiceRequest', referral.id) : undefined;
  if (referralReceipt) return referralReceipt;
  return (await receivedAt(fhir, 'ServiceRequest', authorization.id)) ?? now.toISOString();
}

/**
 * The approved authorization a request renews (AUTH-REAUTH): the first `replaces` or `basedOn`
 * ServiceRequest that is an authorization with status active or completed (approved, possibly
 * ended since).
 */
export async function renewedAuthorization(fhir: FhirContext, authorization: ServiceRequest): Promise<(ServiceRequest & { id: string }) | undefined> {
  for (const ref of [...(authorization.replaces ?? []), ...(authorization.basedOn ?? [])]) {
    const sr = await readServiceRequest(fhir, ref);
    if (sr && isAuthorization(sr) && (sr.status === 'active' || sr.status === 'completed')) return sr;
  }
  return undefined;
}

const ROLE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-role`;

function roleCodes(role: PractitionerRole): string[] {
  if (role.active === false) return [];
  return (role.code ?? []).flatMap((c) => (c.coding ?? []).filter((k) => k.system === ROLE_SYSTEM && k.code).map((k) => k.code as string));
}

/**
 * The ROLES codes (ecm-role, e.g. medical-director) of a reviewer: the codes of the
 * PractitionerRole named, or of every active PractitionerRole of the Practitioner named.
 * Undefined when the reviewer does not exist.
 */
export async function reviewerRoles(fhir: FhirContext, reviewer: Reference): Promise<string[] | undefined> {
  const target = referenceId(reviewer, 'Practitioner', 'PractitionerRole');
  if (!target) return undefined;
  if (target.type === 'PractitionerRole') {
    const stored = await fhir.repo.read(systemAccess, 'PractitionerRole', target.id);
    return stored?.json ? roleCodes(JSON.parse(stored.json) as PractitionerRole) : undefined;
  }
  const practitioner = await fhir.repo.read(systemAccess, 'Practitioner', target.id);
  if (!practitioner?.json) return undefined;
  const roles = await fhir.repo.search(systemAccess, {
    resourceType: 'PractitionerRole',
    criteria: [{ kind: 'reference', param: 'practitioner', values: [{ targetType: 'Practitioner', targetId: target.id }] }],
    count: 100,
    offset: 0,
    total: false,
    prepared: true,
  });
  return [...new Set(roles.resources.flatMap((r) => (r.json ? roleCodes(JSON.parse(r.json) as PractitionerRole) : [])))];
}

/** Whether the member has prior ECM within the plan's look-back on `date` (CONT-HIST: continuity of care met). */
export async function continuityOfCare(fhir: FhirContext, subject: Reference | undefined, date: string, profileName: string): Promise<boolean> {
  const patient = referenceId(subject, 'Patient');
  const stored = patient ? await fhir.repo.read(systemAccess, 'Patient', patient.id) : undefined;
  if (!stored?.json || stored.deleted) return false;
  const evidence = await loadMemberEvidence({ ...fhir, access: systemAccess }, JSON.parse(stored.json) as Patient & { id: string });
  return decideMember(evidence, date, fhir.conformance, profileName)?.decision.continuity?.met === true;
}
