/**
 * The assignment benchmark's data, generated deterministically (the same settings give the same
 * resources, whatever the day apart from the dates): a Kern ECM provider network, members ready
 * to assign, and the further authorizations the overdue searches run over. Server-owned values
 * (ext-decision-due, ext-assignment-due) are computed by the server's own functions under the
 * Kern settings profile, as the write rule and `$ecm-decide` would store them.
 */
import type { Condition, Coverage, Extension, HealthcareService, Organization, Patient, Practitioner, PractitionerRole, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { assignmentDueFor } from '../../src/ecm/assignment/assignment-due.ts';
import { BASE, CIN_SYSTEM, CS, EXT, NPI_SYSTEM, concept, profileUrl } from '../../src/ecm/assignment/vocabulary.ts';
import { DECISION_DUE_URL } from '../../src/ecm/authorization/authorization-resource.ts';
import { decisionDue } from '../../src/ecm/authorization/decision-due.ts';
import { addCalendarDays, authorizationPeriod } from '../../src/ecm/calendar/deadlines.ts';
import { localDateOf } from '../../src/ecm/calendar/local-dates.ts';
import { settingsProfileForPayors, type PlanSettings } from '../../src/ecm/settings/settings-profile.ts';

/** The plan: this id is what the Kern settings profile names as its payor. */
export const PLAN = 'Organization/plan-kern';
const PCPS = 10;
/** Places per provider: large enough that capacity never runs out during a run. */
export const CAPACITY = 1_000_000;

const POFS: [string, number][] = [
  ['avoidable-utilization', 35],
  ['homelessness', 25],
  ['smh-sud', 20],
  ['ltc-risk', 10],
  ['incarceration-transition', 5],
  ['nf-transition', 5],
];
const LANGUAGES: [string, number][] = [['en', 65], ['es', 28], ['vi', 4], ['zh', 3]];
const FAMILY = ['Garcia', 'Nguyen', 'Smith', 'Lopez', 'Johnson', 'Kim', 'Hernandez', 'Chen', 'Williams', 'Ramirez', 'Tran', 'Morales'];
const GIVEN = ['Maria', 'James', 'Linh', 'Jose', 'Ana', 'David', 'Mei', 'Robert', 'Luz', 'Minh', 'Sofia', 'John'];

/** A number in [0, 1) from (n, salt), the same on every run. */
function unit(n: number, salt: number): number {
  let h = (Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

function weighted(list: [string, number][], u: number): string {
  const total = list.reduce((s, [, w]) => s + w, 0);
  let x = u * total;
  for (const [value, w] of list) {
    if (x < w) return value;
    x -= w;
  }
  return list[list.length - 1][0];
}

export const providerId = (i: number) => `bench-ecm-${String(i + 1).padStart(2, '0')}`;
export const memberId = (n: number) => `bench-m-${n}`;
export const memberAuthorizationId = (n: number) => `bench-m-${n}-auth`;

/** What provider `i` (0-based) is contracted for and offers: every POF has providers once there are 3 or more. */
export function providerSpec(i: number): { pofs: string[]; languages: string[]; behavioralHealth: boolean } {
  const pofs = ['avoidable-utilization'];
  if (i % 2 === 0 || i < 6) pofs.push('homelessness');
  if (i % 3 === 0) pofs.push('smh-sud');
  if (i % 4 === 1) pofs.push('ltc-risk', 'nf-transition');
  if (i % 5 === 2) pofs.push('incarceration-transition');
  const languages = ['en'];
  if (i % 2 === 1 || i % 3 === 0) languages.push('es');
  if (i % 7 === 0) languages.push('vi');
  if (i % 6 === 5) languages.push('zh');
  return { pofs, languages, behavioralHealth: i % 3 === 0 };
}

/**
 * The plan, `providers` ECM provider Organizations each with one ECM HealthcareService (POF
 * contracts, languages, a large ext-provider-capacity; the LTSS ones also an ext-pof-capacity),
 * and 10 PCPs (Practitioner + PractitionerRole coded pcp), half at ECM provider organizations,
 * half at practices that are not ECM providers.
 */
export function networkResources(providers: number): Resource[] {
  const out: Resource[] = [
    {
      resourceType: 'Organization',
      id: 'plan-kern',
      active: true,
      name: 'Kern Health Systems (benchmark)',
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'pay' }] }],
    } satisfies Organization,
  ];
  for (let i = 0; i < providers; i++) {
    const id = providerId(i);
    const spec = providerSpec(i);
    out.push({
      resourceType: 'Organization',
      id,
      meta: { profile: [`${BASE}/StructureDefinition/ecm-provider`] },
      active: true,
      name: `Benchmark ECM Provider ${i + 1}`,
      identifier: [{ system: NPI_SYSTEM, value: String(1_000_000_000 + i) }],
      telecom: [{ system: 'phone', value: `661-555-${String(1000 + i)}` }],
    } satisfies Organization);
    const extension: Extension[] = [{ url: EXT.providerCapacity, valueInteger: CAPACITY }];
    if (spec.pofs.includes('ltc-risk')) {
      extension.push({
        url: EXT.pofCapacity,
        extension: [
          { url: 'pof', valueCodeableConcept: concept(CS.pof, 'ltc-risk') },
          { url: 'maxPanel', valueUnsignedInt: CAPACITY },
          { url: 'currentPanel', valueUnsignedInt: 0 },
        ],
      });
    }
    out.push({
      resourceType: 'HealthcareService',
      id: `${id}-svc`,
      meta: { profile: [`${BASE}/StructureDefinition/ecm-provider-service`] },
      extension,
      active: true,
      providedBy: { reference: `Organization/${id}` },
      category: [concept(CS.category, 'ecm')],
      name: `ECM at Benchmark ECM Provider ${i + 1}`,
      program: spec.pofs.map((p) => concept(CS.pof, p)),
      communication: spec.languages.map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
      ...(spec.behavioralHealth ? { characteristic: [concept(CS.characteristic, 'behavioral-health')] } : {}),
    } satisfies HealthcareService);
  }
  for (let j = 0; j < PCPS; j++) {
    const pcp = `bench-pcp-${j + 1}`;
    const practice = j < PCPS / 2 ? providerId((j * 3) % providers) : `bench-pcp-practice-${j + 1}`;
    if (j >= PCPS / 2) out.push({ resourceType: 'Organization', id: practice, active: true, name: `Benchmark PCP Practice ${j + 1}` } satisfies Organization);
    out.push({ resourceType: 'Practitioner', id: pcp, active: true, name: [{ family: FAMILY[j % FAMILY.length], given: ['Pat'] }] } satisfies Practitioner);
    out.push({
      resourceType: 'PractitionerRole',
      id: `${pcp}-role`,
      active: true,
      practitioner: { reference: `Practitioner/${pcp}` },
      organization: { reference: `Organization/${practice}` },
      code: [concept(CS.role, 'pcp')],
      telecom: [{ system: 'phone', value: '661-555-0199' }],
    } satisfies PractitionerRole);
  }
  return out;
}

function kernSettings(date: string): PlanSettings {
  return settingsProfileForPayors([PLAN], date).settings;
}

/** The instant `days` (fractional) before `now`. */
const before = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

function authorizationBase(id: string, patient: string, status: ServiceRequest['status']): ServiceRequest & { id: string } {
  return {
    resourceType: 'ServiceRequest',
    id,
    meta: { profile: [profileUrl('ecm-authorization')] },
    status,
    intent: 'order',
    priority: 'routine',
    category: [concept(CS.category, 'ecm-authorization')],
    code: concept(`${BASE}/CodeSystem/ecm-referral-type`, 'ecm'),
    subject: { reference: patient },
    requester: { reference: PLAN },
  };
}

/**
 * Member `n`: Patient (language, CIN, a PCP for 30 %), Kern Coverage, one active POF Condition and
 * an approved authorization (status active, 12-month occurrencePeriod from the decision 0-7 days
 * before `today`, reasonReference the Condition, ext-assignment-due as `$ecm-decide` sets it).
 */
export function memberResources(n: number, today: string): Resource[] {
  const id = memberId(n);
  const patientRef = `Patient/${id}`;
  const language = weighted(LANGUAGES, unit(n, 1));
  const pof = weighted(POFS, unit(n, 2));
  const patient: Patient = {
    resourceType: 'Patient',
    id,
    identifier: [{ system: CIN_SYSTEM, value: `9${String(n).padStart(7, '0')}B` }],
    name: [{ use: 'official', family: FAMILY[n % FAMILY.length], given: [GIVEN[Math.floor(n / FAMILY.length) % GIVEN.length]] }],
    gender: n % 2 === 0 ? 'female' : 'male',
    birthDate: `${1940 + Math.floor(unit(n, 4) * 60)}-0${1 + (n % 9)}-1${n % 10}`,
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: language }] }, preferred: true }],
    telecom: [{ system: 'phone', value: `661-555-${String(n % 10_000).padStart(4, '0')}` }],
    address: [{ line: [`${1 + (n % 900)} Main St`], city: 'Bakersfield', state: 'CA', postalCode: '93301' }],
    ...(unit(n, 3) < 0.3 ? { generalPractitioner: [{ reference: `Practitioner/bench-pcp-${1 + (n % PCPS)}` }] } : {}),
  };
  const coverage: Coverage = {
    resourceType: 'Coverage',
    id: `${id}-cov`,
    status: 'active',
    beneficiary: { reference: patientRef },
    payor: [{ reference: PLAN }],
    period: { start: '2025-01-01' },
  };
  const condition: Condition = {
    resourceType: 'Condition',
    id: `${id}-pof`,
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
    category: [concept(CS.category, 'pof')],
    code: concept(CS.pof, pof),
    subject: { reference: patientRef },
    recordedDate: addCalendarDays(today, -30 - (n % 20)),
  };
  const decided = addCalendarDays(today, -(n % 8));
  const sr: ServiceRequest & { id: string } = {
    ...authorizationBase(memberAuthorizationId(n), patientRef, 'active'),
    // 18:00 UTC is 10:00 or 11:00 in Los Angeles: the same local date
    authoredOn: `${decided}T18:00:00Z`,
    occurrencePeriod: authorizationPeriod(decided, 12),
    reasonReference: [{ reference: `Condition/${condition.id}` }],
  };
  const due = assignmentDueFor(sr, kernSettings(today));
  if (due) sr.extension = [{ url: EXT.assignmentDue, valueDate: due }];
  return [patient, coverage, condition, sr];
}

export type AuthorizationKind = 'draft' | 'draft-expedited' | 'on-hold' | 'approved-unassigned' | 'approved-assigned' | 'denied' | 'ended';

/** What an overdue search needs to know about a generated authorization. */
export interface AuthorizationFacts {
  kind: AuthorizationKind;
  status: ServiceRequest['status'];
  decisionDue?: string;
  assignmentDue?: string;
  assigned: boolean;
}

/**
 * Authorization `k` for the overdue searches, about member `k mod members`: 30 % draft (received
 * 0-12 days before `now`), 5 % expedited draft (0-6 days), 5 % on-hold (0-20 days), each with the
 * AUTH-TAT ext-decision-due; 40 % approved 0-40 days before (ext-assignment-due, ASSIGN-TAT),
 * 70 % of them assigned (performer); 10 % denied (revoked); 10 % ended (completed).
 */
export function authorization(k: number, members: number, now: Date, providers: number): { resource: ServiceRequest & { id: string }; facts: AuthorizationFacts } {
  const u = unit(k, 10);
  const kind: AuthorizationKind =
    u < 0.3 ? 'draft' : u < 0.35 ? 'draft-expedited' : u < 0.4 ? 'on-hold' : u < 0.8 ? (unit(k, 12) < 0.7 ? 'approved-assigned' : 'approved-unassigned') : u < 0.9 ? 'denied' : 'ended';
  const status: ServiceRequest['status'] = kind.startsWith('draft') ? 'draft' : kind === 'on-hold' ? 'on-hold' : kind.startsWith('approved') ? 'active' : kind === 'denied' ? 'revoked' : 'completed';
  const sr = authorizationBase(`bench-auth-${k}`, `Patient/${memberId(k % members)}`, status);
  const r = unit(k, 11);
  const settings = kernSettings(localDateOf(now));
  const facts: AuthorizationFacts = { kind, status, assigned: kind === 'approved-assigned' };
  if (kind === 'draft' || kind === 'draft-expedited' || kind === 'on-hold') {
    const received = before(now, r * (kind === 'draft' ? 12 : kind === 'on-hold' ? 20 : 6));
    // ecm-authorization requires authoredOn: the receipt until a decision replaces it
    sr.authoredOn = received;
    if (kind === 'draft-expedited') sr.priority = 'urgent';
    facts.decisionDue = decisionDue(received, kind === 'draft-expedited', settings);
    sr.extension = [{ url: DECISION_DUE_URL, valueDateTime: facts.decisionDue }];
  } else {
    const decided = before(now, kind === 'ended' ? 400 + r * 300 : r * 40);
    sr.authoredOn = decided;
    if (kind !== 'denied') sr.occurrencePeriod = authorizationPeriod(decided, 12);
    if (kind.startsWith('approved')) {
      facts.assignmentDue = assignmentDueFor(sr, settings);
      if (facts.assignmentDue) sr.extension = [{ url: EXT.assignmentDue, valueDate: facts.assignmentDue }];
      if (facts.assigned) sr.performer = [{ reference: `Organization/${providerId(k % providers)}` }];
    }
  }
  return { resource: sr, facts };
}
