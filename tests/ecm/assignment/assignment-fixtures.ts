import type { Bundle, CareTeam, Coverage, EpisodeOfCare, HealthcareService, Organization, Patient, Practitioner, PractitionerRole, Resource, ServiceRequest } from '@medplum/fhirtypes';

/** A small ECM network and members built for the assignment tests (not the demo seed). */

export const B = 'https://ecm-fhir.example.org/fhir';
export const CS = {
  category: `${B}/CodeSystem/ecm-category`,
  pof: `${B}/CodeSystem/ecm-population-of-focus`,
  program: `${B}/CodeSystem/ecm-program`,
  role: `${B}/CodeSystem/ecm-role`,
  characteristic: `${B}/CodeSystem/ecm-provider-characteristic`,
  step: `${B}/CodeSystem/ecm-assignment-step`,
  rejection: `${B}/CodeSystem/ecm-assign-rejection`,
  rule: `${B}/CodeSystem/ecm-rule`,
};
const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

interface ProviderSpec {
  id: string;
  name: string;
  pofs: string[];
  languages: string[];
  capacity: number;
  characteristics?: string[];
  active?: boolean;
  notAvailable?: { start: string; end: string };
  pofCapacity?: { pof: string; max: number; current: number }[];
}

/** Ids are the Organization ids; each has HealthcareService `svc-{id}`. */
export const PROVIDERS: ProviderSpec[] = [
  { id: 'alpha', name: 'Alpha Community Care', pofs: ['homelessness', 'avoidable-utilization', 'ltc-risk', 'nf-transition'], languages: ['en', 'es'], capacity: 50 },
  { id: 'beta-bh', name: 'Beta Behavioral Health', pofs: ['smh-sud', 'avoidable-utilization', 'homelessness'], languages: ['en', 'es'], capacity: 50, characteristics: ['behavioral-health'] },
  { id: 'gamma-ccs', name: 'Gamma Children’s Complex Care', pofs: ['ccs-wcm', 'avoidable-utilization'], languages: ['en'], capacity: 50, characteristics: ['ccs-wcm'] },
  { id: 'delta-ji', name: 'Delta Reentry', pofs: ['incarceration-transition', 'smh-sud'], languages: ['en', 'es'], capacity: 50, characteristics: ['ji-pre-release'] },
  { id: 'epsilon-full', name: 'Epsilon (at capacity)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en', 'es'], capacity: 0 },
  { id: 'zeta-pcp', name: 'Zeta Family Clinic', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en', 'vi'], capacity: 50 },
  { id: 'eta-closed', name: 'Eta (closed to new members)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en', 'es'], capacity: 50, notAvailable: { start: '2026-10-01', end: '2026-12-31' } },
  { id: 'theta-pofcap', name: 'Theta (POF panel full)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en', 'es'], capacity: 50, pofCapacity: [{ pof: 'avoidable-utilization', max: 2, current: 2 }] },
  { id: 'iota-inactive', name: 'Iota (inactive)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en'], capacity: 50, active: false },
  { id: 'lambda-one', name: 'Lambda (one place)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en'], capacity: 1 },
  { id: 'mu-one', name: 'Mu (one place)', pofs: ['avoidable-utilization', 'homelessness'], languages: ['en'], capacity: 1 },
];

function provider(p: ProviderSpec): Resource[] {
  const org: Organization = {
    resourceType: 'Organization',
    id: p.id,
    active: p.active ?? true,
    name: p.name,
    telecom: [{ system: 'phone', value: '661-555-0100' }],
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
  };
  const service: HealthcareService = {
    resourceType: 'HealthcareService',
    id: `svc-${p.id}`,
    active: p.active ?? true,
    providedBy: { reference: `Organization/${p.id}` },
    category: [cc(CS.category, 'ecm')],
    name: `ECM at ${p.name}`,
    program: p.pofs.map((code) => cc(CS.pof, code)),
    communication: p.languages.map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
    extension: [
      { url: `${B}/StructureDefinition/ext-provider-capacity`, valueInteger: p.capacity },
      ...(p.pofCapacity ?? []).map((c) => ({
        url: `${B}/StructureDefinition/ext-pof-capacity`,
        extension: [
          { url: 'pof', valueCodeableConcept: cc(CS.pof, c.pof) },
          { url: 'maxPanel', valueUnsignedInt: c.max },
          { url: 'currentPanel', valueUnsignedInt: c.current },
        ],
      })),
    ],
  };
  if (p.characteristics) service.characteristic = p.characteristics.map((c) => cc(CS.characteristic, c));
  if (p.notAvailable) service.notAvailable = [{ description: 'Closed to new members', during: p.notAvailable }];
  return [org, service];
}

function practitioner(id: string, given: string, family: string, trained = false): Practitioner {
  const p: Practitioner = { resourceType: 'Practitioner', id, active: true, name: [{ family, given: [given] }] };
  if (trained) p.qualification = [{ code: cc(CS.role, 'person-centered-planning-trained') }];
  return p;
}

function role(id: string, practitionerId: string, org: string, code: string, contacts = true): PractitionerRole {
  return {
    resourceType: 'PractitionerRole',
    id,
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { reference: `Organization/${org}` },
    code: [cc(CS.role, code)],
    ...(contacts ? { telecom: [{ system: 'phone', value: '661-555-0199' }, { system: 'email', value: `${id}@example.org` }] } : {}),
  };
}

export function networkResources(): Resource[] {
  const plan = (id: string, name: string): Organization => ({
    resourceType: 'Organization',
    id,
    active: true,
    name,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'pay' }] }],
  });
  return [
    plan('plan-kern', 'Kern Health Systems (test)'),
    plan('plan-partnership', 'Partnership HealthPlan (test)'),
    ...PROVIDERS.flatMap(provider),
    { resourceType: 'Organization', id: 'kappa-pcp-only', active: true, name: 'Kappa PCP practice (not an ECM provider)' } as Organization,
    { resourceType: 'Organization', id: 'county-bhrs', active: true, name: 'County MHP (not an ECM provider)' } as Organization,
    practitioner('pcp-zeta', 'Zoe', 'Zeta'),
    role('pcp-zeta-role', 'pcp-zeta', 'zeta-pcp', 'pcp'),
    practitioner('pcp-kappa', 'Karl', 'Kappa'),
    role('pcp-kappa-role', 'pcp-kappa', 'kappa-pcp-only', 'pcp'),
    practitioner('lcm-trained', 'Maria', 'Castillo', true),
    role('lcm-alpha-trained', 'lcm-trained', 'alpha', 'lead-care-manager'),
    practitioner('lcm-untrained', 'Dana', 'Brooks'),
    role('lcm-alpha-untrained', 'lcm-untrained', 'alpha', 'lead-care-manager'),
    role('lcm-alpha-nocontact', 'lcm-untrained', 'alpha', 'lead-care-manager', false),
    practitioner('lcm-beta-p', 'Bo', 'Beta'),
    role('lcm-beta', 'lcm-beta-p', 'beta-bh', 'lead-care-manager'),
    practitioner('prc-delta-p', 'Pat', 'Delta'),
    role('prc-delta', 'prc-delta-p', 'delta-ji', 'pre-release-care-manager'),
    practitioner('plan-reviewer', 'Rita', 'Reviewer'),
  ];
}

export interface MemberSpec {
  id: string;
  plan?: 'kern' | 'partnership' | 'none';
  pofs?: string[];
  language?: string;
  birthDate?: string;
  pcp?: string;
  /** Program enrollments (EpisodeOfCare.type ecm-program). */
  programs?: { code: string; org?: string; start: string; end?: string; status?: EpisodeOfCare['status'] }[];
  /** ICD-10-CM diagnoses. */
  dx?: string[];
  /** CareTeam participants by ecm-role (e.g. pre-release-care-manager → PractitionerRole/prc-delta). */
  careTeamRoles?: { role: string; member: string }[];
  /** The request to assign: an authorization (default approved 2026-11-02) or a referral. */
  request?: { kind: 'authorization'; status?: ServiceRequest['status']; authoredOn?: string; start?: string; end?: string } | { kind: 'referral'; status?: ServiceRequest['status']; requester?: string; performer?: string };
}

export const DEFAULT_DATE = '2026-11-02';

/** The member's resources; the request is ServiceRequest/{id}-req. */
export function memberResources(s: MemberSpec): Resource[] {
  const patient: Patient = {
    resourceType: 'Patient',
    id: s.id,
    identifier: [{ system: 'https://ecm-fhir.example.org/sid/medi-cal-cin', value: `9${s.id.replace(/[^0-9A-Za-z]/g, '').slice(0, 7).toUpperCase().padEnd(7, '0')}A` }],
    name: [{ family: 'Member', given: [s.id] }],
    gender: 'female',
    birthDate: s.birthDate ?? '1980-01-01',
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: s.language ?? 'en' }] }, preferred: true }],
    telecom: [{ system: 'phone', value: '661-555-0123' }],
    address: [{ line: ['1 Main St'], city: 'Bakersfield', state: 'CA', postalCode: '93301' }],
  };
  if (s.pcp) patient.generalPractitioner = [{ reference: s.pcp }];
  const out: Resource[] = [patient];
  const plan = s.plan ?? 'kern';
  if (plan !== 'none') {
    const coverage: Coverage = {
      resourceType: 'Coverage',
      id: `${s.id}-coverage`,
      status: 'active',
      beneficiary: { reference: `Patient/${s.id}` },
      payor: [{ reference: `Organization/plan-${plan}` }],
      period: { start: '2025-01-01' },
    };
    out.push(coverage);
  }
  (s.programs ?? []).forEach((p, i) => {
    out.push({
      resourceType: 'EpisodeOfCare',
      id: `${s.id}-program-${i}`,
      status: p.status ?? (p.end ? 'finished' : 'active'),
      type: [cc(CS.program, p.code)],
      patient: { reference: `Patient/${s.id}` },
      ...(p.org ? { managingOrganization: { reference: `Organization/${p.org}` } } : {}),
      period: { start: p.start, ...(p.end ? { end: p.end } : {}) },
    } as EpisodeOfCare);
  });
  (s.dx ?? []).forEach((code, i) => {
    out.push({
      resourceType: 'Condition',
      id: `${s.id}-dx-${i}`,
      clinicalStatus: cc('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code }] },
      subject: { reference: `Patient/${s.id}` },
      recordedDate: '2025-06-01',
    } as Resource);
  });
  if (s.careTeamRoles?.length) {
    const team: CareTeam = {
      resourceType: 'CareTeam',
      id: `${s.id}-prerelease-team`,
      status: 'active',
      subject: { reference: `Patient/${s.id}` },
      participant: s.careTeamRoles.map((r) => ({ role: [cc(CS.role, r.role)], member: { reference: r.member } })),
    };
    out.push(team);
  }
  const pofs = s.pofs ?? ['avoidable-utilization'];
  const req = s.request ?? { kind: 'authorization' };
  if (req.kind === 'authorization') {
    const status = req.status ?? 'active';
    const sr: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: `${s.id}-req`,
      meta: { profile: [`${B}/StructureDefinition/ecm-authorization`] },
      status,
      intent: 'order',
      priority: 'routine',
      category: [cc(CS.category, 'ecm-authorization')],
      code: cc(`${B}/CodeSystem/ecm-referral-type`, 'ecm'),
      subject: { reference: `Patient/${s.id}` },
      authoredOn: req.authoredOn ?? `${DEFAULT_DATE}T10:00:00-08:00`,
      requester: { reference: `Organization/plan-${plan === 'none' ? 'kern' : plan}` },
      ...(pofs.length > 0 ? { reasonCode: pofs.map((p) => cc(CS.pof, p)) } : {}),
    };
    if (status !== 'draft' && status !== 'on-hold') sr.occurrencePeriod = { start: req.start ?? DEFAULT_DATE, end: req.end ?? '2027-11-01' };
    out.push(sr);
  } else {
    const sr: ServiceRequest = {
      resourceType: 'ServiceRequest',
      id: `${s.id}-req`,
      meta: { profile: [`${B}/StructureDefinition/ecm-referral`] },
      status: req.status ?? 'active',
      intent: 'order',
      category: [cc(CS.category, 'ecm-referral')],
      code: cc(`${B}/CodeSystem/ecm-referral-type`, 'ecm'),
      subject: { reference: `Patient/${s.id}` },
      authoredOn: `${DEFAULT_DATE}T09:00:00-08:00`,
      requester: { reference: req.requester ?? 'Organization/county-bhrs' },
      ...(req.performer ? { performer: [{ reference: req.performer }] } : {}),
      ...(pofs.length > 0 ? { reasonCode: pofs.map((p) => cc(CS.pof, p)) } : {}),
    };
    out.push(sr);
  }
  return out;
}

export function transaction(resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })),
  };
}
