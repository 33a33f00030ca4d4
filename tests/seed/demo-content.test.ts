import { existsSync, readFileSync } from 'node:fs';
import type { Bundle, Encounter, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isReferral } from '../../src/ecm/authorization/authorization-resource.ts';
import { buildDemoSeed, type DemoExpectations } from '../../src/seed/demo/build-demo-seed.ts';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const read = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as T;
const bundle = read<Bundle>('../../seed/demo-bundle.json');
const expectations = read<DemoExpectations>('../../seed/demo-expectations.json');
const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
const byKey = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
const B = 'https://ecm-fhir.example.org/fhir';
const E = expectations.evaluationDate;

/** ECM-RULES.md when ../shared is present; the rule lists below are the fallback. */
const rulesPath = new URL('../../../shared/ECM-RULES.md', import.meta.url);
const rulesText = existsSync(rulesPath) ? readFileSync(rulesPath, 'utf8') : undefined;
const ruleIds = (pattern: RegExp, fallback: string[]): string[] =>
  rulesText ? [...new Set([...rulesText.matchAll(pattern)].map((m) => m[1]))] : fallback;
const EXCLUSIONS = ruleIds(/\*\*(EXCL-[A-Z-]+)\*\*/g, ['EXCL-WELL-MANAGED', 'EXCL-HOSPICE', 'EXCL-TCM', 'EXCL-UNRESPONSIVE', 'EXCL-UNSAFE-BEHAVIOR', 'EXCL-UNSAFE-ENV', 'EXCL-CHW', 'EXCL-WAIVER', 'EXCL-PLAN-CM']);
const POF_RULES = ruleIds(/\*\*(ELIG-(?:A|C|FAM)-[A-Z-]+)\*\*/g, ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED', 'ELIG-A-UTIL', 'ELIG-A-SMHSUD', 'ELIG-A-JI', 'ELIG-A-LTC', 'ELIG-A-NF', 'ELIG-A-BIRTH', 'ELIG-FAM-HOMELESS', 'ELIG-C-UTIL', 'ELIG-C-SMHSUD', 'ELIG-C-JI', 'ELIG-C-CCS', 'ELIG-C-WELFARE', 'ELIG-C-IDD', 'ELIG-C-BIRTH']);
const pofCodeSystem = new URL('../../profiles/CodeSystem/ecm-population-of-focus.json', import.meta.url);
const POF_CODES: string[] = existsSync(pofCodeSystem)
  ? (JSON.parse(readFileSync(pofCodeSystem, 'utf8')) as { concept: { code: string }[] }).concept.map((c) => c.code)
  : ['homelessness', 'avoidable-utilization', 'smh-sud', 'incarceration-transition', 'ltc-risk', 'nf-transition', 'ccs-wcm', 'child-welfare', 'idd', 'birth-equity'];

function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

/** The member a piece of evidence is about. */
function subjectOf(r: Resource): string | undefined {
  const any = r as { subject?: { reference?: string }; patient?: { reference?: string }; for?: { reference?: string }; beneficiary?: { reference?: string } };
  return any.subject?.reference ?? any.patient?.reference ?? any.for?.reference ?? any.beneficiary?.reference;
}

/** Which of our profiles a seed resource must claim (naming contract); undefined = none defined. */
function expectedProfile(r: Resource): string | undefined {
  const category = JSON.stringify((r as { category?: unknown }).category ?? '');
  switch (r.resourceType) {
    case 'Patient': return 'ecm-member';
    case 'Coverage': return 'medi-cal-coverage';
    case 'HealthcareService': return 'ecm-provider-service';
    case 'Task': return 'ecm-referral-task';
    case 'Organization': return r.id?.startsWith('ecm-provider-') ? 'ecm-provider' : undefined;
    case 'ServiceRequest': return category.includes('"ecm-authorization"') ? 'ecm-authorization' : 'ecm-referral';
    case 'EpisodeOfCare': return r.id?.startsWith('demo-enrollment-') ? 'ecm-enrollment' : undefined;
    case 'Communication': return category.includes('"notice"') ? 'ecm-notice' : 'ecm-outreach';
    case 'Condition': return category.includes('"pof"') ? 'ecm-pof-condition' : undefined;
    case 'Flag': return 'ecm-pof-flag';
    case 'CareTeam': return 'ecm-care-team';
    case 'Consent': return 'ecm-roi-consent';
    case 'Group': return 'ecm-attribution-group';
    case 'CarePlan': return 'ecm-care-plan';
    case 'Goal': return 'ecm-goal';
    default: return undefined; // Encounter, diagnosis Condition, Observation, Practitioner(Role): no ECM profile in the contract
  }
}

const hasMarker = (e: Encounter, code: string) => (e.type ?? []).some((t) => t.coding?.some((c) => c.system === `${B}/CodeSystem/ecm-utilization-marker` && c.code === code));
const minusMonths = (date: string, months: number) => {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 - months, 1));
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
};

describe('demo seed: files', () => {
  it('are exactly what src/seed/demo produces (deterministic, no hand edits)', () => {
    const built = buildDemoSeed();
    expect(built.bundle).toEqual(bundle);
    expect(built.expectations).toEqual(expectations);
  });

  it('is a transaction of PUTs with fixed, unique ids', () => {
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry ?? []) {
      expect(e.request).toEqual({ method: 'PUT', url: `${e.resource?.resourceType}/${e.resource?.id}` });
    }
    expect(byKey.size).toBe(resources.length);
  });

  it('has every reference resolve to a resource in the seed', () => {
    const dangling = resources.flatMap((r) => references(r).filter((ref) => !byKey.has(ref)).map((ref) => `${r.resourceType}/${r.id} -> ${ref}`));
    expect(dangling).toEqual([]);
  });

  it('claims our profile on every resource the naming contract profiles, and only our profiles', () => {
    const wrong = resources.flatMap((r) => {
      const want = expectedProfile(r);
      const got = r.meta?.profile ?? [];
      const ok = want ? got.length === 1 && got[0] === `${B}/StructureDefinition/${want}` : got.length === 0;
      return ok ? [] : [`${r.resourceType}/${r.id}: ${JSON.stringify(got)} (want ${want ?? 'none'})`];
    });
    expect(wrong).toEqual([]);
    expect(resources.filter((r) => r.meta?.profile).length).toBeGreaterThan(150);
  });

  it('uses only the documented CodeSystems of ours, and only codes they define once profiles/ has them', () => {
    const used = new Map<string, Set<string>>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const c = v as { system?: unknown; code?: unknown };
        if (typeof c.system === 'string' && c.system.startsWith(`${B}/CodeSystem/`) && typeof c.code === 'string') {
          const id = c.system.slice(`${B}/CodeSystem/`.length);
          used.set(id, (used.get(id) ?? new Set()).add(c.code));
        }
        Object.values(v).forEach(walk);
      }
    };
    walk(resources);
    expect([...used.keys()].sort()).toEqual([
      'ecm-assessment', 'ecm-category', 'ecm-icp-domain', 'ecm-loop-closure-reason', 'ecm-notice-type', 'ecm-outreach-category',
      'ecm-outreach-medium', 'ecm-population-of-focus', 'ecm-program', 'ecm-provider-characteristic', 'ecm-referral-source-type', 'ecm-referral-status',
      'ecm-referral-type', 'ecm-role', 'ecm-rule', 'ecm-utilization-marker',
    ]);
    const undefinedCodes: string[] = [];
    for (const [id, codes] of used) {
      const file = new URL(`../../profiles/CodeSystem/${id}.json`, import.meta.url);
      if (!existsSync(file)) continue;
      type Concept = { code: string; concept?: Concept[] };
      const flat = (cs: Concept[] = []): string[] => cs.flatMap((c) => [c.code, ...flat(c.concept)]);
      const defined = new Set(flat((JSON.parse(readFileSync(file, 'utf8')) as { concept?: Concept[] }).concept));
      for (const code of codes) if (!defined.has(code)) undefinedCodes.push(`${id}#${code}`);
    }
    expect(undefinedCodes).toEqual([]);
  });

  it('has a plan, ≥ 6 ECM providers (BH, CCS, JI) with different contracts, capacities and languages, PCPs and LCMs', () => {
    const services = resources.filter((r) => r.resourceType === 'HealthcareService') as { program?: { coding?: { code?: string }[] }[]; communication?: unknown[]; characteristic?: { coding?: { code?: string }[] }[]; extension?: { valueInteger?: number }[] }[];
    expect(services.length).toBeGreaterThanOrEqual(6);
    const contracts = new Set(services.map((s) => JSON.stringify(s.program)));
    const capacities = new Set(services.map((s) => s.extension?.[0]?.valueInteger));
    const languages = new Set(services.map((s) => JSON.stringify(s.communication)));
    expect(contracts.size).toBe(services.length);
    expect(capacities.size).toBeGreaterThanOrEqual(5);
    expect(languages.size).toBeGreaterThanOrEqual(4);
    const characteristics = services.flatMap((s) => s.characteristic ?? []).flatMap((c) => c.coding ?? []).map((c) => c.code);
    expect(characteristics).toEqual(expect.arrayContaining(['behavioral-health', 'ccs-wcm', 'ji-pre-release']));
    const roles = JSON.stringify(resources.filter((r) => r.resourceType === 'PractitionerRole'));
    expect(roles.match(/"lead-care-manager"/g)?.length).toBeGreaterThanOrEqual(6);
    expect(roles).toContain('"pcp"');
  });

  it('gives ~50 members a CIN, a language, an address and plan-kern coverage', () => {
    const patients = resources.filter((r) => r.resourceType === 'Patient') as { id: string; identifier: { system: string }[]; communication: unknown[]; address: unknown[] }[];
    expect(patients.length).toBeGreaterThanOrEqual(50);
    for (const p of patients) {
      expect(p.identifier[0].system).toBe('https://ecm-fhir.example.org/sid/medi-cal-cin');
      expect(p.communication.length).toBe(1);
      expect(p.address.length).toBe(1);
      const coverage = resources.find((r) => r.resourceType === 'Coverage' && subjectOf(r) === `Patient/${p.id}`) as { payor: { reference: string }[] } | undefined;
      expect(coverage?.payor[0].reference).toBe('Organization/plan-kern');
    }
    expect(new Set(patients.map((p) => JSON.stringify(p.identifier))).size).toBe(patients.length);
  });

  it('has referral Tasks in every Gravity workflow status, with statusReason where Gravity requires it', () => {
    const tasks = resources.filter((r) => r.resourceType === 'Task') as { status: string; statusReason?: { text?: string }; businessStatus?: unknown; owner?: { reference: string }; requester?: { reference: string }; focus?: { reference: string } }[];
    const statuses = new Set(tasks.map((t) => t.status));
    expect([...statuses].sort()).toEqual(['accepted', 'cancelled', 'completed', 'draft', 'failed', 'in-progress', 'on-hold', 'rejected', 'requested']);
    for (const t of tasks) {
      if (['rejected', 'cancelled', 'on-hold', 'failed'].includes(t.status)) expect(t.statusReason?.text).toBeTruthy();
      expect(t.businessStatus).toBeDefined();
      expect(t.owner?.reference).toMatch(/^Organization\/ecm-provider-/);
      expect(t.requester?.reference).toMatch(/^Organization\/referrer-/);
      expect(t.focus?.reference).toMatch(/^ServiceRequest\/demo-referral-/);
    }
    const auths = resources.filter((r) => JSON.stringify(r.meta?.profile ?? '').includes('ecm-authorization')) as { intent: string; occurrencePeriod?: { start?: string; end?: string } }[];
    expect(auths.length).toBeGreaterThanOrEqual(3);
    for (const a of auths) {
      expect(a.intent).toBe('order');
      expect(a.occurrencePeriod?.start && a.occurrencePeriod.end).toBeTruthy();
    }
  });
});

describe('demo seed: seed/demo-expectations.json', () => {
  const members = expectations.members;
  const allMet = members.flatMap((m) => [...m.populations, ...(m.settingsDifferences ?? []).filter((d) => d.met)]);

  it('has one entry per member, evaluated on 2026-11-01', () => {
    expect(E).toBe('2026-11-01');
    const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id}`);
    expect(members.map((m) => m.patient).sort()).toEqual(patients.sort());
  });

  it('covers every POF code as met, and every adult and child ELIG rule', () => {
    expect(POF_CODES.length).toBe(10);
    for (const code of POF_CODES) expect(allMet.some((d) => d.code === code), code).toBe(true);
    const rules = new Set(allMet.flatMap((d) => d.rules));
    expect(POF_RULES.length).toBeGreaterThanOrEqual(15);
    for (const rule of POF_RULES) expect(rules.has(rule), rule).toBe(true);
  });

  it('covers every EXCL rule of ECM-RULES.md, each on a member who otherwise meets a POF', () => {
    expect(EXCLUSIONS.length).toBe(9);
    for (const rule of EXCLUSIONS) {
      const m = members.find((x) => x.exclusions.some((d) => d.code === rule));
      expect(m, rule).toBeDefined();
      expect(m!.populations.length, rule).toBeGreaterThan(0);
      expect(m!.eligible, rule).toBe(false);
    }
  });

  it('has near misses, members with no data, and a member without coverage', () => {
    expect(members.filter((m) => m.notMet.length > 0).length).toBeGreaterThanOrEqual(10);
    const noData = members.filter((m) => !resources.some((r) => !['Patient', 'Coverage'].includes(r.resourceType) && subjectOf(r) === m.patient));
    expect(noData.length).toBeGreaterThanOrEqual(2);
    for (const m of noData) expect(m.eligible).toBe(false);
    expect(members.some((m) => !m.base.met && m.populations.length > 0 && !m.eligible)).toBe(true);
  });

  it('points every evidence reference at a seed resource about that member', () => {
    for (const m of members) {
      for (const d of [...m.populations, ...m.notMet, ...m.exclusions, ...(m.continuity ? [m.continuity] : [])]) {
        expect(d.evidence.length, `${m.patient} ${d.code}`).toBeGreaterThan(0);
        for (const ev of d.evidence) {
          const r = byKey.get(ev);
          expect(r, ev).toBeDefined();
          expect(subjectOf(r!), ev).toBe(m.patient);
        }
      }
    }
  });

  it('applies adult rules from the 21st birthday and child rules before it', () => {
    for (const m of members) {
      for (const d of [...m.populations, ...m.notMet]) {
        for (const rule of d.rules) {
          if (rule.startsWith('ELIG-A-')) expect(m.ageGroup, `${m.patient} ${rule}`).toBe('adult');
          // ELIG-C-WELFARE criterion 3 runs to the day before the 26th birthday
          if (rule.startsWith('ELIG-C-')) expect(m.ageGroup === 'child' || (rule === 'ELIG-C-WELFARE' && m.age <= 26), `${m.patient} ${rule}`).toBe(true);
        }
      }
    }
  });

  it('states utilization determinations that the Encounters really meet (ELIG-*-UTIL thresholds, ELIG-AVOIDABLE)', () => {
    const checked = members.flatMap((m) =>
      [...m.populations.map((d) => ({ d, met: true })), ...m.notMet.map((d) => ({ d, met: false }))]
        .filter(({ d }) => d.rules.includes('ELIG-A-UTIL') || d.rules.includes('ELIG-C-UTIL'))
        .map(({ met }) => {
          const adult = m.ageGroup === 'adult';
          const from = minusMonths(E, adult ? 6 : 12);
          const encounters = resources.filter((r): r is Encounter => r.resourceType === 'Encounter' && subjectOf(r) === m.patient);
          const inWindow = (e: Encounter) => (e.period?.start ?? '').slice(0, 10) >= from && (e.period?.start ?? '').slice(0, 10) <= E;
          const ed = encounters.filter((e) => e.class.code === 'EMER' && hasMarker(e, 'avoidable') && inWindow(e)).length;
          const stays = encounters.filter((e) => ['IMP', 'NONAC'].includes(e.class.code ?? '') && hasMarker(e, 'unplanned') && hasMarker(e, 'avoidable') && inWindow(e)).length;
          const meets = adult ? ed >= 5 || stays >= 3 : ed >= 3 || stays >= 2;
          return { member: m.patient, met, meets };
        }),
    );
    expect(checked.length).toBeGreaterThanOrEqual(15);
    for (const c of checked) expect(c.meets, c.member).toBe(c.met);
  });

  it('states program, release and delivery determinations that the dates really meet', () => {
    const from12 = minusMonths(E, 12);
    const episodes = (d: { evidence: string[] }) => d.evidence.map((ev) => byKey.get(ev)).filter((r): r is Resource & { period: { start: string; end?: string } } => r?.resourceType === 'EpisodeOfCare');
    const activeOnE = (p: { start: string; end?: string }) => p.start <= E && (!p.end || p.end >= E);
    for (const m of members) {
      // exclusions hold on E: the program is active on the evaluation date
      for (const d of m.exclusions) for (const ep of episodes(d)) expect(activeOnE(ep.period), `${m.patient} ${d.code}`).toBe(true);
      const ji = [...m.populations.map((d) => ({ d, met: true })), ...m.notMet.map((d) => ({ d, met: false }))].filter(({ d }) => d.code === 'incarceration-transition');
      for (const { d, met } of ji) {
        const [stay] = episodes(d);
        expect(!stay.period.end || stay.period.end >= from12, `${m.patient} release within 12 months`).toBe(met);
      }
      for (const d of m.populations.filter((p) => p.code === 'birth-equity')) {
        const onsets = d.evidence.map((ev) => byKey.get(ev) as { code?: { coding?: { code?: string }[] }; onsetDateTime?: string }).filter((c) => ['Z33.1', 'Z37.0'].includes(c?.code?.coding?.[0]?.code ?? ''));
        expect(onsets.some((c) => c.code?.coding?.[0]?.code === 'Z33.1' || (c.onsetDateTime ?? '') >= from12), m.patient).toBe(true);
      }
    }
  });

  it('marks eligible exactly when ELIG-BASE holds, a POF is met and no exclusion applies', () => {
    for (const m of members) {
      expect(m.eligible, m.patient).toBe(m.base.met && m.populations.length > 0 && m.exclusions.length === 0);
    }
    expect(members.filter((m) => m.eligible).length).toBeGreaterThanOrEqual(20);
  });
});

describe('demo seed: loading', () => {
  const { fhir, app } = useFhirServer();

  // Loading speed is the benchmark's business (bench/), not a timed test's.
  it('loads into an empty test app with every resource readable', { timeout: 30_000 }, async () => {
    expect(await loadDemoSeed(app().fhir)).toBe(resources.length);
    // Each ECM referral of the seed runs $ecm-eligibility for its member (created in the same
    // Bundle): a determination DocumentReference, the referral's second version holding it, and
    // the POF Conditions and Flags written; nothing else is added.
    const referrals = resources.filter((r) => r.resourceType === 'ServiceRequest' && isReferral(r as ServiceRequest)).length;
    expect(referrals).toBeGreaterThan(0);
    const total = async (path: string) => (await fhir.get(path)).body.total as number;
    expect(await total(`/DocumentReference?category=${B}/CodeSystem/ecm-category|eligibility-determination&_count=0`)).toBe(referrals);
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(r.resourceType, (counts.get(r.resourceType) ?? 0) + 1);
    // POF Conditions and Flags: written or updated (new versions); every version beyond the seed's is a POF record
    const isPof = (r: Resource) => JSON.stringify(r).includes(`${B}/CodeSystem/ecm-population-of-focus`);
    const pofVersions = async (type: string) => {
      const entries = ((await fhir.get(`/${type}/_history?_count=100`)).body.entry ?? []) as { resource?: Resource }[];
      return entries.filter((e) => e.resource && isPof(e.resource)).length - resources.filter((r) => r.resourceType === type && isPof(r)).length;
    };
    const derived: Record<string, number> = {
      ServiceRequest: referrals,
      DocumentReference: referrals,
      Condition: await pofVersions('Condition'),
      Flag: await pofVersions('Flag'),
    };
    expect(derived.Condition).toBeGreaterThan(0);
    for (const type of new Set([...counts.keys(), ...Object.keys(derived)])) {
      expect(await total(`/${type}/_history?_count=0`), type).toBe((counts.get(type) ?? 0) + (derived[type] ?? 0));
    }
    expect(await total('/_history?_count=0')).toBe(resources.length + Object.values(derived).reduce((a, b) => a + b, 0));
    expect(counts.get('Patient')).toBeGreaterThanOrEqual(50);
    expect(counts.get('Task')).toBeGreaterThanOrEqual(9);
    for (const key of ['Task/demo-referral-task-9', 'ServiceRequest/demo-authorization-2', 'EpisodeOfCare/demo-m40-program-1', 'Encounter/demo-m1-ed-5']) {
      const res = await fhir.get(`/${key}`);
      expect(res.status, key).toBe(200);
      expect(res.body).toMatchObject(byKey.get(key) as object);
    }
  });
});
