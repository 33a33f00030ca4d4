import type { CareTeam, Condition, EpisodeOfCare, Patient, ServiceRequest } from '@medplum/fhirtypes';
import { addCalendarDays, addMonths } from '../calendar/deadlines.ts';
import { ageOn } from '../eligibility/dates.ts';
import type { MemberEvidence } from '../eligibility/member-evidence.ts';
import type { ValueSetMatcher } from '../rules/value-set-match.ts';
import type { BhCondition, PlanSettings } from '../settings/settings-profile.ts';
import { primaryLanguage } from './provider-network.ts';
import { BASE, CS, codesOf, datePart, hasCoding, relativeReference } from './vocabulary.ts';

/**
 * What the assignment steps read about one member (ASSIGN-ORDER), derived from the loaded
 * resources without touching the database: the steps in assignment-order.ts see only this.
 */
export interface AssignmentFacts {
  patientId: string;
  /** The POFs to assign under: the request's, else the member's active POF Conditions. */
  pofs: string[];
  language?: string;
  /** ASSIGN-ORDER `preference` when no parameter names one: a self or family referral's desired performer. */
  recordedPreference?: string;
  /** Organizations of the member's pre-release care managers (ASSIGN-ORDER `ji-prerelease`, JI-REF-PRE). */
  jiPrereleaseProviders: string[];
  /** ECM relationships: current enrollments first, then ended ones within cocLookback, latest first (`existing-ecm`, COC-LOA). */
  existingProviders: string[];
  /** Enrolled in the CCS Whole Child Model (`ccs-wcm`). */
  wcm: boolean;
  ccsCaseManagerProviders: string[];
  /** bhAssignConditions met through SMHS / DMC / DMC-ODS (`bh`). */
  bhConditions: BhCondition[];
  bhServed: boolean;
  bhProviders: string[];
  /** The PCP's organizations (`pcp`, ASSIGN-PCP-NOTICE). */
  pcpProviders: string[];
  /** LTSS member (ltc-risk or nf-transition POF): the LCM needs person-centered planning (ASSIGN-LCM-LTSS). */
  ltss: boolean;
}

export const ACTIVE_EPISODE = ['planned', 'waitlist', 'active', 'onhold'];
const LTSS_POFS = ['ltc-risk', 'nf-transition'];
const BH_ACCESS = ['smhs', 'dmc', 'dmc-ods'];

export function conditionActiveOn(c: Condition, date: string): boolean {
  const clinical = c.clinicalStatus?.coding?.[0]?.code;
  if (clinical && !['active', 'recurrence', 'relapse'].includes(clinical)) return false;
  const verification = c.verificationStatus?.coding?.[0]?.code;
  if (verification === 'refuted' || verification === 'entered-in-error') return false;
  const onset = datePart(c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate);
  if (onset && onset > date) return false;
  const abated = datePart(c.abatementDateTime ?? c.abatementPeriod?.end);
  return !(abated && abated <= date);
}

export function episodeActiveOn(e: EpisodeOfCare, date: string): boolean {
  if (!ACTIVE_EPISODE.includes(e.status)) return false;
  const start = datePart(e.period?.start);
  const end = datePart(e.period?.end);
  return (!start || start <= date) && (!end || end >= date);
}

export function isEnrollment(e: EpisodeOfCare): boolean {
  return hasCoding(e.type, CS.category, 'enrollment');
}

/** The member's current ECM assignment: an ecm-enrollment EpisodeOfCare not yet ended. */
export function currentEnrollment(episodes: EpisodeOfCare[], patientId: string): EpisodeOfCare | undefined {
  return episodes
    .filter((e) => e.patient?.reference === `Patient/${patientId}` && isEnrollment(e) && ACTIVE_EPISODE.includes(e.status))
    .sort((a, b) => (datePart(b.period?.start) ?? '').localeCompare(datePart(a.period?.start) ?? ''))[0];
}

/** The request's Populations of Focus (reasonCode), else the member's active POF Conditions. */
export function requestPofs(request: ServiceRequest, conditions: Condition[], date: string): string[] {
  const fromRequest = codesOf(request.reasonCode, CS.pof);
  const referenced = new Set((request.reasonReference ?? []).map((r) => r.reference));
  for (const c of conditions) if (referenced.has(`Condition/${c.id}`)) for (const code of codesOf([c.code], CS.pof)) if (!fromRequest.includes(code)) fromRequest.push(code);
  if (fromRequest.length > 0) return fromRequest;
  const pofConditions = conditions.filter((c) => hasCoding(c.category, CS.category, 'pof') && conditionActiveOn(c, date));
  return [...new Set(pofConditions.flatMap((c) => codesOf([c.code], CS.pof)))];
}

function preferredLanguage(patient: Patient): string | undefined {
  const list = patient.communication ?? [];
  const chosen = list.find((c) => c.preferred) ?? list[0];
  return primaryLanguage(chosen?.language?.coding?.[0]?.code);
}

/** Organizations standing behind the care-team participants that hold one ecm-role. */
function roleProviders(careTeams: CareTeam[], role: string, organizationOf: (reference: string) => string[]): string[] {
  const out: string[] = [];
  for (const team of careTeams) {
    if (team.status && !['active', 'proposed'].includes(team.status)) continue;
    for (const p of team.participant ?? []) {
      if (!hasCoding(p.role, CS.role, role)) continue;
      const behalf = relativeReference(p.onBehalfOf, 'Organization');
      const member = relativeReference(p.member);
      for (const org of behalf ? [behalf] : member ? organizationOf(member) : []) if (!out.includes(org)) out.push(org);
    }
  }
  return out;
}

/** SMI / SED (by age 21) from mental-illness diagnoses, SUD from SUD diagnoses or DMC / DMC-ODS, SMH from SMHS. */
function bhConditionsOf(evidence: MemberEvidence, date: string, valueSets: ValueSetMatcher, age: number | undefined, bhEpisodes: EpisodeOfCare[]): BhCondition[] {
  const active = evidence.conditions.filter((c) => c.subject?.reference === `Patient/${evidence.patient.id}` && conditionActiveOn(c, date));
  const inSet = (url: string) => active.some((c) => valueSets.firstIn(url, [c.code]) !== undefined);
  const found = new Set<BhCondition>();
  if (inSet(`${BASE}/ValueSet/ecm-evidence-mental-illness`)) found.add(age !== undefined && age < 21 ? 'SED' : 'SMI');
  if (inSet(`${BASE}/ValueSet/ecm-evidence-sud`) || bhEpisodes.some((e) => hasCoding(e.type, CS.program, 'dmc') || hasCoding(e.type, CS.program, 'dmc-ods'))) found.add('SUD');
  if (bhEpisodes.some((e) => hasCoding(e.type, CS.program, 'smhs'))) found.add('SMH');
  return [...found];
}

function lookbackStart(date: string, settings: PlanSettings): string {
  const { value, unit } = settings.cocLookback;
  return unit === 'days' ? addCalendarDays(date, -value) : addMonths(date, -value);
}

export interface FactsInput {
  evidence: MemberEvidence;
  request: ServiceRequest;
  /** The referral the request is based on, when loaded (recorded preference). */
  referral?: ServiceRequest;
  careTeams: CareTeam[];
  /** Organization(s) of a participant or PCP reference (Organization, PractitionerRole, Practitioner). */
  organizationOf: (reference: string) => string[];
  date: string;
  settings: PlanSettings;
  valueSets: ValueSetMatcher;
}

export function assignmentFacts(input: FactsInput): AssignmentFacts {
  const { evidence, request, date, settings } = input;
  const patient = evidence.patient;
  const patientRef = `Patient/${patient.id}`;
  const age = patient.birthDate ? ageOn(patient.birthDate, date) : undefined;
  const episodes = evidence.episodes.filter((e) => e.patient?.reference === patientRef);
  const pofs = requestPofs(request, evidence.conditions, date);

  const from = lookbackStart(date, settings);
  const ecmEpisodes = episodes
    .filter((e) => (isEnrollment(e) || hasCoding(e.type, CS.program, 'ecm')) && relativeReference(e.managingOrganization, 'Organization'))
    .filter((e) => episodeActiveOn(e, date) || (['finished', 'cancelled'].includes(e.status) && (datePart(e.period?.end) ?? '') >= from))
    .sort((a, b) => {
      const rank = (e: EpisodeOfCare) => (episodeActiveOn(e, date) ? '9999-99-99' : (datePart(e.period?.end) ?? ''));
      return rank(b).localeCompare(rank(a));
    });
  const existingProviders = [...new Set(ecmEpisodes.map((e) => relativeReference(e.managingOrganization, 'Organization')!))];

  const bhEpisodes = episodes.filter((e) => BH_ACCESS.some((code) => hasCoding(e.type, CS.program, code)) && episodeActiveOn(e, date));
  const bhProviders = [...new Set(bhEpisodes.map((e) => relativeReference(e.managingOrganization, 'Organization')).filter((r): r is string => !!r))];
  for (const org of roleProviders(input.careTeams, 'bh-provider', input.organizationOf)) if (!bhProviders.includes(org)) bhProviders.push(org);

  // A self or family referral's desired performer is the member's stated choice (ASSIGN-ORDER 1).
  const selfReferral = [request, input.referral].find((sr) => sr && /^(Patient|RelatedPerson)\//.test(sr.requester?.reference ?? ''));
  const recordedPreference = selfReferral?.performer?.map((p) => relativeReference(p)).find((r) => r && /^(Organization|HealthcareService)\//.test(r));

  const pcpProviders: string[] = [];
  for (const gp of patient.generalPractitioner ?? []) {
    const r = relativeReference(gp);
    if (r) for (const org of input.organizationOf(r)) if (!pcpProviders.includes(org)) pcpProviders.push(org);
  }

  return {
    patientId: patient.id,
    pofs,
    ...(preferredLanguage(patient) ? { language: preferredLanguage(patient) } : {}),
    ...(recordedPreference ? { recordedPreference } : {}),
    jiPrereleaseProviders: roleProviders(input.careTeams, 'pre-release-care-manager', input.organizationOf),
    existingProviders,
    wcm: episodes.some((e) => hasCoding(e.type, CS.program, 'ccs-wcm') && episodeActiveOn(e, date)),
    ccsCaseManagerProviders: roleProviders(input.careTeams, 'ccs-case-manager', input.organizationOf),
    bhConditions: bhConditionsOf(evidence, date, input.valueSets, age, bhEpisodes),
    bhServed: bhEpisodes.length > 0,
    bhProviders,
    pcpProviders,
    ltss: pofs.some((p) => LTSS_POFS.includes(p)),
  };
}
