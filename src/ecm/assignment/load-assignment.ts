import type { CareTeam, EpisodeOfCare, Patient, PractitionerRole, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../../fhir/repository.ts';
import { gone, notFound } from '../../fhir/outcome.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { coverageOn } from '../eligibility/evaluate-eligibility.ts';
import { rememberMemberCoverages } from '../authorization/authorization-lookups.ts';
import type { MemberEvidence } from '../eligibility/member-evidence.ts';
import { valueSetMatcherFor } from '../rules/value-set-match.ts';
import { settingsProfileForPayors, type SettingsProfile } from '../settings/settings-profile.ts';
import { assignmentFacts, currentEnrollment, type AssignmentFacts } from './assignment-facts.ts';
import { isAuthorization } from './assignment-due.ts';
import { loadMemberRecords } from './member-records.ts';
import { loadProviderNetwork, type ProviderNetwork } from './provider-network.ts';
import { isReferralTask } from '../referral/referral-task.ts';
import { ruleError } from '../rule-error.ts';
import { readMany, readStored, searchAll, type Stored } from './search-all.ts';
import { CS, hasCoding, idOf, relativeReference } from './vocabulary.ts';

/** The member's PCP as the assignment uses it (CareTeam participant, ASSIGN-PCP-NOTICE recipient, `pcp` step). */
export interface MemberPcp {
  /** PractitionerRole/x when one is found, else the generalPractitioner reference. */
  reference: string;
  organizations: string[];
}

/** Everything $ecm-assign reads, loaded inside its transaction. */
export interface LoadedAssignment {
  request: Stored<ServiceRequest>;
  kind: 'authorization' | 'referral';
  patient: Patient & { id: string };
  evidence: MemberEvidence;
  careTeams: Stored<CareTeam>[];
  profile: SettingsProfile;
  /** The plan (Organization/x): the payor of the member's coverage, else the authorization's requester. */
  plan?: string;
  facts: AssignmentFacts;
  network: ProviderNetwork;
  /** The member's current ECM assignment (ecm-enrollment not ended), with its version. */
  current?: Stored<EpisodeOfCare>;
  /** Referral Tasks (task-code fulfill) whose focus is the request, the referral it is based on or a filler order (X-GRAVITY). */
  referralTasks: Stored<Task>[];
  /** For a referral: the plan's filler orders (intent filler-order) based on it. */
  fillerOrders: Stored<ServiceRequest>[];
  pcp?: MemberPcp;
}

function participantReferences(teams: CareTeam[]): string[] {
  return teams.flatMap((t) => (t.participant ?? []).map((p) => relativeReference(p.member)).filter((r): r is string => !!r));
}

/**
 * Organizations behind Organization, PractitionerRole and Practitioner references: roles are
 * read, a practitioner's roles searched (those coded ecm-role#pcp first, when any is).
 */
async function organizationResolver(repo: Repository, ctx: FhirContext, references: string[]): Promise<OrganizationResolver> {
  const roleIds = references.filter((r) => r.startsWith('PractitionerRole/')).map(idOf);
  const roles = await readMany<PractitionerRole>(repo, ctx.access, 'PractitionerRole', roleIds);
  const byPractitioner = new Map<string, PractitionerRole[]>();
  const practitioners = [...new Set(references.filter((r) => r.startsWith('Practitioner/')))];
  for (const p of practitioners) {
    const { matches } = await searchAll<PractitionerRole>(repo, ctx.access, 'PractitionerRole', [
      { kind: 'reference', param: 'practitioner', values: [{ targetType: 'Practitioner', targetId: idOf(p) }] },
    ]);
    const active = matches.map((m) => m.resource).filter((r) => r.active !== false);
    const pcpRoles = active.filter((r) => hasCoding(r.code, CS.role, 'pcp'));
    byPractitioner.set(p, pcpRoles.length > 0 ? pcpRoles : active);
  }
  const orgOf = (r: PractitionerRole) => relativeReference(r.organization, 'Organization');
  return {
    organizationOf: (reference) => {
      if (reference.startsWith('Organization/')) return [reference];
      if (reference.startsWith('PractitionerRole/')) {
        const org = roles.get(idOf(reference))?.resource;
        return org && orgOf(org) ? [orgOf(org)!] : [];
      }
      if (reference.startsWith('Practitioner/')) return (byPractitioner.get(reference) ?? []).map(orgOf).filter((o): o is string => !!o);
      return [];
    },
    rolesOf: (practitioner) => byPractitioner.get(practitioner) ?? [],
  };
}

interface OrganizationResolver {
  organizationOf(reference: string): string[];
  /** The active roles of a Practitioner among the references resolved: those coded pcp when any is, in id order. */
  rolesOf(practitioner: string): PractitionerRole[];
}

/** The member's PCP: the first generalPractitioner, a Practitioner standing for its (pcp-coded first) active role. */
function memberPcp(patient: Patient, resolver: OrganizationResolver): MemberPcp | undefined {
  const gp = (patient.generalPractitioner ?? []).map((g: Reference) => relativeReference(g)).find((r): r is string => !!r);
  if (!gp) return undefined;
  const role = gp.startsWith('Practitioner/') ? resolver.rolesOf(gp)[0] : undefined;
  return { reference: role ? `PractitionerRole/${role.id}` : gp, organizations: resolver.organizationOf(gp) };
}

/**
 * Loads the request (404 unknown, 410 deleted), checks it is an ECM authorization or referral
 * about a Patient, then the member's evidence, care teams, PCP, coverage → settings profile
 * (DECISION-RECORD), the provider network and the member's current assignment.
 */
export async function loadAssignment(ctx: FhirContext, repo: Repository, requestId: string, date: string): Promise<LoadedAssignment> {
  const stored = await repo.read(ctx.access, 'ServiceRequest', requestId);
  if (!stored) throw notFound(`ServiceRequest/${requestId} not found`);
  if (stored.deleted || !stored.json) throw gone(`ServiceRequest/${requestId} was deleted`);
  const request: Stored<ServiceRequest> = { resource: JSON.parse(stored.json) as ServiceRequest & { id: string }, versionId: stored.versionId };
  const sr = request.resource;
  const kind = isAuthorization(sr) ? 'authorization' : hasCoding(sr.category, CS.category, 'ecm-referral') || (sr.meta?.profile ?? []).some((p) => p.endsWith('/ecm-referral')) ? 'referral' : undefined;
  if (!kind) throw ruleError(422, 'AUTH-FLOW', `ServiceRequest/${requestId} is neither an ECM authorization (category ecm-authorization) nor an ECM referral (category ecm-referral)`);
  const subject = relativeReference(sr.subject, 'Patient');
  if (!subject) throw ruleError(422, 'AUTH-FLOW', `ServiceRequest/${requestId} has no Patient subject to assign`);
  const patientStored = await readStored<Patient>(repo, ctx.access, subject);
  if (!patientStored) throw ruleError(422, 'AUTH-FLOW', `${subject}, the subject of ServiceRequest/${requestId}, does not exist`);
  const patient = patientStored.resource;

  const { evidence, careTeams } = await loadMemberRecords(repo, ctx.access, patient);
  // the complete set only when the caller sees every row (the lookup itself reads with system access)
  if (!ctx.access.rows) rememberMemberCoverages(repo, patient.id, evidence.coverages.filter((c) => relativeReference(c.beneficiary, 'Patient') === subject));
  const gpRefs = (patient.generalPractitioner ?? []).map((g) => relativeReference(g)).filter((r): r is string => !!r);
  const resolver = await organizationResolver(repo, ctx, [...participantReferences(careTeams.map((c) => c.resource)), ...gpRefs]);
  const organizationOf = resolver.organizationOf;

  const { current: coverage, latest } = coverageOn(evidence.coverages, date);
  const payors = ((coverage ?? latest)?.payor ?? []).map((p) => relativeReference(p, 'Organization')).filter((r): r is string => !!r);
  const profile = settingsProfileForPayors(payors, date);
  const plan = payors[0] ?? (kind === 'authorization' ? relativeReference(sr.requester, 'Organization') : undefined);

  const referralRef = (sr.basedOn ?? []).map((b) => relativeReference(b, 'ServiceRequest')).find((r): r is string => !!r);
  const referral = referralRef ? (await readStored<ServiceRequest>(repo, ctx.access, referralRef))?.resource : undefined;
  const facts = assignmentFacts({
    evidence,
    request: sr,
    ...(referral ? { referral } : {}),
    careTeams: careTeams.map((c) => c.resource),
    organizationOf,
    date,
    settings: profile.settings,
    valueSets: valueSetMatcherFor(ctx.conformance),
  });
  const network = await loadProviderNetwork(repo, ctx.access);
  const currentEpisode = currentEnrollment(evidence.episodes, patient.id);
  const current = currentEpisode ? await readStored<EpisodeOfCare>(repo, ctx.access, `EpisodeOfCare/${currentEpisode.id}`) : undefined;
  const pcp = memberPcp(patient, resolver);
  const fillerOrders =
    kind === 'referral'
      ? (
          await searchAll<ServiceRequest>(repo, ctx.access, 'ServiceRequest', [
            { kind: 'reference', param: 'based-on', values: [{ targetType: 'ServiceRequest', targetId: sr.id }] },
            { kind: 'token', param: 'intent', values: [{ code: 'filler-order' }] },
          ])
        ).matches
      : [];
  const focuses = [`ServiceRequest/${sr.id}`, ...(referralRef ? [referralRef] : []), ...fillerOrders.map((o) => `ServiceRequest/${o.resource.id}`)];
  // by focus alone, the referral code checked here: a handful of Tasks per request, whereas every
  // referral Task has the code (as a second criterion it made each assignment count its rows)
  const { matches: focusTasks } = await searchAll<Task>(repo, ctx.access, 'Task', [
    { kind: 'reference', param: 'focus', values: focuses.map((f) => ({ targetType: 'ServiceRequest', targetId: idOf(f) })) },
  ]);
  const referralTasks = focusTasks.filter((t) => isReferralTask(t.resource));
  return { request, kind, patient, evidence, careTeams, profile, ...(plan ? { plan } : {}), facts, network, ...(current ? { current } : {}), ...(pcp ? { pcp } : {}), referralTasks, fillerOrders };
}
