import type { HealthcareService, Organization, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { BASE, BCP47, NPI_SYSTEM, coding, concept, meta, npi, ref } from './vocabulary.ts';

/** The plan, the ECM provider network, PCP practices, Lead Care Managers, referrers and county programs. */

export const PLAN = 'Organization/plan-kern';

interface ProviderSpec {
  id: string;
  name: string;
  city: string;
  npiBase: string;
  pofs: string[];
  languages: string[];
  capacity: number;
  characteristics: string[];
}

/** Seven ECM providers with different POF contracts, capacities and languages. */
export const PROVIDERS: ProviderSpec[] = [
  { id: 'ecm-provider-bakersfield', name: 'Bakersfield Community Care (demo ECM provider)', city: 'Bakersfield', npiBase: '150000001', pofs: ['homelessness', 'avoidable-utilization', 'ltc-risk', 'nf-transition', 'birth-equity'], languages: ['en', 'es'], capacity: 40, characteristics: [] },
  { id: 'ecm-provider-kern-bh', name: 'Kern Behavioral Health Partners (demo)', city: 'Bakersfield', npiBase: '150000002', pofs: ['smh-sud', 'homelessness', 'avoidable-utilization'], languages: ['en', 'es'], capacity: 25, characteristics: ['behavioral-health'] },
  { id: 'ecm-provider-valley-children', name: 'Valley Children’s Complex Care (demo CCS provider)', city: 'Bakersfield', npiBase: '150000003', pofs: ['ccs-wcm', 'child-welfare', 'idd', 'avoidable-utilization'], languages: ['en', 'es', 'hmn'], capacity: 15, characteristics: ['ccs-wcm'] },
  { id: 'ecm-provider-reentry', name: 'Kern Reentry Collaborative (demo JI provider)', city: 'Bakersfield', npiBase: '150000004', pofs: ['incarceration-transition', 'smh-sud', 'homelessness'], languages: ['en', 'es'], capacity: 20, characteristics: ['ji-pre-release', 'ji-post-release'] },
  { id: 'ecm-provider-delano', name: 'Delano Familia Health (demo, at capacity)', city: 'Delano', npiBase: '150000005', pofs: ['birth-equity', 'child-welfare', 'avoidable-utilization', 'homelessness'], languages: ['es', 'en', 'tl'], capacity: 0, characteristics: [] },
  { id: 'ecm-provider-eastern-kern', name: 'Eastern Kern Senior Services (demo)', city: 'Ridgecrest', npiBase: '150000006', pofs: ['ltc-risk', 'nf-transition'], languages: ['en'], capacity: 10, characteristics: [] },
  { id: 'ecm-provider-asian-pacific', name: 'Asian Pacific Community Health (demo)', city: 'Bakersfield', npiBase: '150000007', pofs: ['avoidable-utilization', 'smh-sud', 'homelessness', 'birth-equity'], languages: ['vi', 'pa', 'en'], capacity: 8, characteristics: [] },
];

function organization(id: string, name: string, type: Organization['type'], city: string, extra: Partial<Organization> = {}): Organization {
  return { resourceType: 'Organization', id, active: true, type, name, address: [{ city, state: 'CA' }], ...extra };
}

const orgType = (code: string, display: string): Organization['type'] => [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code, display }] },
];

function providerResources(p: ProviderSpec): Resource[] {
  const org = organization(p.id, p.name, orgType('prov', 'Healthcare Provider'), p.city, {
    meta: meta('ecm-provider'),
    identifier: [{ system: NPI_SYSTEM, value: npi(p.npiBase) }],
  });
  const service: HealthcareService = {
    resourceType: 'HealthcareService',
    id: p.id.replace('ecm-provider-', 'ecm-service-'),
    meta: meta('ecm-provider-service'),
    active: true,
    providedBy: ref(`Organization/${p.id}`),
    category: [concept('ecm-category', 'ecm', 'Enhanced Care Management')],
    name: `ECM at ${p.name}`,
    // contracted Populations of Focus (ASSIGN-PROVIDER-QUAL)
    program: p.pofs.map((code) => concept('ecm-population-of-focus', code)),
    characteristic: p.characteristics.map((code) => concept('ecm-provider-characteristic', code)),
    communication: p.languages.map((code) => ({ coding: [{ system: BCP47, code }] })),
    coverageArea: [{ display: 'Kern County' }],
    extension: [{ url: `${BASE}/StructureDefinition/ext-provider-capacity`, valueInteger: p.capacity }],
  };
  if (service.characteristic?.length === 0) delete service.characteristic;
  return [org, service];
}

const practitioner = (id: string, family: string, given: string, npiValue: string): Practitioner => ({
  resourceType: 'Practitioner',
  id,
  active: true,
  identifier: [{ system: NPI_SYSTEM, value: npiValue }],
  name: [{ family, given: [given] }],
});

/** PCPs: the three practitioners of the first seed, now placed at PCP practices. */
const PCPS = [
  { id: 'demo-practitioner-1', family: 'Rivera', given: 'Ana', npi: '1999999984', org: 'pcp-east-bakersfield-clinic' },
  { id: 'demo-practitioner-2', family: 'Nguyen', given: 'Thomas', npi: '1999999992', org: 'pcp-east-bakersfield-clinic' },
  { id: 'demo-practitioner-3', family: 'Okafor', given: 'Grace', npi: '1999999976', org: 'pcp-delano-family-practice' },
];

/** Lead Care Managers (ASSIGN-LCM): practitioner, provider organization, discipline. */
export const LCMS = [
  { id: 'demo-lcm-1', family: 'Castillo', given: 'Maria', org: 'ecm-provider-bakersfield', discipline: 'registered-nurse', ltss: true },
  { id: 'demo-lcm-2', family: 'Brooks', given: 'Dana', org: 'ecm-provider-kern-bh', discipline: 'social-worker', ltss: false },
  { id: 'demo-lcm-3', family: 'Her', given: 'Mai', org: 'ecm-provider-valley-children', discipline: 'registered-nurse', ltss: false },
  { id: 'demo-lcm-4', family: 'Washington', given: 'Luis', org: 'ecm-provider-reentry', discipline: 'community-health-worker', ltss: false },
  { id: 'demo-lcm-5', family: 'Santos', given: 'Rosa', org: 'ecm-provider-delano', discipline: 'housing-navigator', ltss: false },
  { id: 'demo-lcm-6', family: 'Miller', given: 'Kay', org: 'ecm-provider-eastern-kern', discipline: 'social-worker', ltss: true },
  { id: 'demo-lcm-7', family: 'Tran', given: 'Minh', org: 'ecm-provider-asian-pacific', discipline: 'care-navigator', ltss: false },
];

/** Organizations that refer members (CLR-ANY-SOURCE), typed by REF-SOURCE-CODES. */
const REFERRERS = [
  { id: 'referrer-kern-medical', name: 'Kern Medical Center (demo hospital)', source: 'hospital' },
  { id: 'referrer-kern-probation', name: 'Kern County Probation (demo)', source: 'probation-parole' },
  { id: 'referrer-kern-dhs', name: 'Kern County Department of Human Services (demo)', source: 'county-partner' },
  { id: 'referrer-flood-ministries', name: 'Flood Bakersfield Ministries (demo CBO)', source: 'cbo' },
];

/** Programs whose enrollment (EpisodeOfCare.managingOrganization) is eligibility or exclusion evidence. */
const PROGRAM_ORGS = [
  { id: 'county-kern-bhrs', name: 'Kern Behavioral Health and Recovery Services (county MHP, DMC-ODS)' },
  { id: 'county-kern-ccs', name: 'Kern County California Children’s Services' },
  { id: 'county-kern-public-health', name: 'Kern County Public Health (targeted case management)' },
  { id: 'kern-county-jail', name: 'Kern County Sheriff Lerdo Detention Facility (demo)' },
  { id: 'kern-juvenile-hall', name: 'Kern County Juvenile Hall (demo youth facility)' },
  { id: 'hospice-golden-empire', name: 'Golden Empire Hospice (demo)' },
  { id: 'mssp-kern', name: 'Kern County MSSP site (demo)' },
  { id: 'nf-oak-meadows', name: 'Oak Meadows Skilled Nursing (demo)' },
  { id: 'chw-valley-promotoras', name: 'Valley Promotoras CHW services (demo)' },
  { id: 'plan-other-health-net', name: 'Previous Medi-Cal plan (demo)' },
];

export function networkResources(): Resource[] {
  const out: Resource[] = [
    organization('plan-kern', 'Kern Health Systems (demo)', orgType('pay', 'Payer'), 'Bakersfield'),
    ...PROVIDERS.flatMap(providerResources),
    organization('pcp-east-bakersfield-clinic', 'East Bakersfield Family Clinic (demo PCP practice)', orgType('prov', 'Healthcare Provider'), 'Bakersfield'),
    organization('pcp-delano-family-practice', 'Delano Family Practice (demo PCP practice)', orgType('prov', 'Healthcare Provider'), 'Delano'),
  ];
  for (const p of PCPS) {
    out.push(practitioner(p.id, p.family, p.given, p.npi));
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: `${p.id}-pcp`,
      active: true,
      practitioner: ref(`Practitioner/${p.id}`),
      organization: ref(`Organization/${p.org}`),
      code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' }] }, concept('ecm-role', 'pcp', 'Primary care provider')],
    };
    out.push(role);
  }
  LCMS.forEach((l, i) => {
    const p = practitioner(l.id, l.family, l.given, npi(`16000000${i + 1}`));
    if (l.ltss) p.qualification = [{ code: concept('ecm-role', 'person-centered-planning-trained', 'Trained in person-centered planning (ASSIGN-LCM-LTSS)') }];
    out.push(p);
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: `${l.id}-role`,
      active: true,
      practitioner: ref(`Practitioner/${l.id}`),
      organization: ref(`Organization/${l.org}`),
      code: [concept('ecm-role', 'lead-care-manager', 'Lead Care Manager')],
      specialty: [concept('ecm-role', l.discipline)],
      telecom: [
        { system: 'phone', value: `661-555-01${String(i + 1).padStart(2, '0')}`, use: 'work' },
        { system: 'email', value: `${l.id}@example.org`, use: 'work' },
      ],
    };
    out.push(role);
  });
  for (const r of REFERRERS) {
    out.push(organization(r.id, r.name, [orgType('prov', 'Healthcare Provider')![0], { coding: [coding('ecm-referral-source-type', r.source)] }], 'Bakersfield'));
  }
  for (const o of PROGRAM_ORGS) out.push(organization(o.id, o.name, orgType('prov', 'Healthcare Provider'), 'Bakersfield'));
  return out;
}
