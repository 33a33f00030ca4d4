import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../../src/fhir/validation/snapshot.ts';
import { ProfileValidator } from '../../../src/fhir/validation/profiles.ts';
import { CS_URL, EXT_URL, TASK_PROFILE, VS_URL, testConformance, testTaskProfile, validTask } from './test-profiles.ts';

const validator = new ProfileValidator(testConformance());
const check = (resource: Record<string, unknown>) => validator.validate(resource, TASK_PROFILE);
const errors = (resource: Record<string, unknown>) => check(resource).filter((i) => i.severity === 'error');
const withTask = (changes: Record<string, unknown>) => ({ ...validTask(), ...changes });
const only = (resource: Record<string, unknown>) => errors(resource).map((i) => ({ diagnostics: i.diagnostics, expression: i.expression }));

describe('snapshot generation', () => {
  const elements = snapshotOf(testTaskProfile, (url) => validator.definition(url));
  const ids = elements.map((e) => e.id);

  it('starts from the base snapshot and merges the differential by id', () => {
    expect(ids[0]).toBe('Task');
    expect(ids).toContain('Task.lastModified'); // untouched base element
    expect(elements.find((e) => e.id === 'Task.for')?.min).toBe(1);
    expect(elements.find((e) => e.id === 'Task.intent')?.fixedCode).toBe('order');
    // constraints are added to the base ones (dom-2.., inv-1), not replacing them
    expect(elements[0].constraint?.map((c) => c.key)).toEqual(expect.arrayContaining(['dom-2', 'inv-1', 'test-1']));
  });

  it('adds slices after their element, with the element children re-rooted under the slice', () => {
    expect(ids.indexOf('Task.input:note')).toBeGreaterThan(ids.indexOf('Task.input.value[x]'));
    expect(ids).toContain('Task.input:note.type');
    expect(elements.find((e) => e.id === 'Task.input:note.value[x]')?.type).toEqual([{ code: 'string' }]);
  });

  it('unfolds a data type to reach a constrained child (Task.owner.display)', () => {
    expect(ids.indexOf('Task.owner.display')).toBeGreaterThan(ids.indexOf('Task.owner'));
    expect(elements.find((e) => e.id === 'Task.owner.display')?.min).toBe(1);
    expect(ids).toContain('Task.owner.reference');
  });

  it('is cached per StructureDefinition', () => {
    expect(snapshotOf(testTaskProfile, (url) => validator.definition(url))).toBe(elements);
  });
});

describe('validation against a profile', () => {
  it('accepts a conforming resource with no issues at all', () => {
    expect(check(validTask())).toEqual([]);
  });

  it('cardinality: a required element missing', () => {
    const { for: _for, ...task } = validTask();
    expect(only(task)).toEqual([
      { diagnostics: `Task.for: minimum required = 1, but only found 0 (from ${TASK_PROFILE})`, expression: ['Task.for'] },
    ]);
  });

  it('cardinality inside a data type: Task.owner.display', () => {
    expect(only(withTask({ owner: { reference: 'Organization/o1' } }))).toEqual([
      { diagnostics: `Task.owner.display: minimum required = 1, but only found 0 (from ${TASK_PROFILE})`, expression: ['Task.owner.display'] },
    ]);
    expect(errors(withTask({ owner: { reference: 'Organization/o1', display: 'CBO' } }))).toEqual([]);
  });

  it('reference targets: Reference(Patient | Group)', () => {
    expect(errors(withTask({ for: { reference: 'Group/g1' } }))).toEqual([]);
    expect(errors(withTask({ for: { reference: 'https://other.example.org/fhir/Patient/p9/_history/2' } }))).toEqual([]);
    expect(errors(withTask({ for: { reference: 'urn:uuid:0b5e3c1a-1d3c-4c39-8f7a-2f1b9c0e6d11' } }))).toEqual([]);
    expect(only(withTask({ for: { reference: 'Practitioner/d1' } }))).toEqual([
      { diagnostics: 'A reference to Practitioner is not allowed for Task.for (allowed: Patient, Group)', expression: ['Task.for'] },
    ]);
  });

  it('fixed value', () => {
    expect(only(withTask({ intent: 'plan' }))).toEqual([
      { diagnostics: `Value must be exactly "order" (fixed by ${TASK_PROFILE})`, expression: ['Task.intent'] },
    ]);
  });

  it('pattern value: extra codings and text are allowed, a different code is not', () => {
    const extra = { coding: [{ system: 'http://example.org', code: 'x' }, { system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill' }] };
    expect(errors(withTask({ code: extra }))).toEqual([]);
    expect(only(withTask({ code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'approve' }] } }))).toEqual([
      {
        diagnostics: `Value must match the pattern {"coding":[{"system":"http://hl7.org/fhir/CodeSystem/task-code","code":"fulfill"}]} (from ${TASK_PROFILE})`,
        expression: ['Task.code'],
      },
    ]);
  });

  it('required binding to our value set', () => {
    expect(errors(withTask({ businessStatus: { coding: [{ system: CS_URL, code: 'declined' }] } }))).toEqual([]);
    expect(only(withTask({ businessStatus: { coding: [{ system: CS_URL, code: 'lost' }] } }))).toEqual([
      { diagnostics: `The code ${CS_URL}#lost is not in the required value set ${VS_URL}`, expression: ['Task.businessStatus'] },
    ]);
    expect(only(withTask({ businessStatus: { text: 'whatever' } }))).toEqual([
      { diagnostics: `No code provided, and a code is required from the value set ${VS_URL}`, expression: ['Task.businessStatus'] },
    ]);
  });

  it('extensible binding warns, and an is-a filter with an exclude defines the value set', () => {
    expect(check(withTask({ statusReason: { coding: [{ system: CS_URL, code: 'services-received' }] } }))).toEqual([]);
    const issues = check(withTask({ statusReason: { coding: [{ system: CS_URL, code: 'declined' }] } }));
    expect(issues).toEqual([
      {
        severity: 'warning',
        code: 'code-invalid',
        diagnostics: `The code ${CS_URL}#declined is not in the extensible value set https://ecm-fhir.example.org/fhir/ValueSet/test-closed`,
        expression: ['Task.statusReason'],
      },
    ]);
  });

  it('a required binding to a value set we cannot expand is skipped, not failed', () => {
    expect(check(withTask({ priority: 'routine' }))).toEqual([]);
  });

  it('core required bindings in nested data types are checked too (Task.identifier.use)', () => {
    expect(only(withTask({ identifier: [{ use: 'sometimes', value: 'x' }] }))).toEqual([
      { diagnostics: 'The code "sometimes" is not in the required value set http://hl7.org/fhir/ValueSet/identifier-use', expression: ['Task.identifier[0].use'] },
    ]);
  });

  it('choice types restricted by the profile', () => {
    expect(only(withTask({ output: [{ type: { text: 'result' }, valueString: 'done' }] }))).toEqual([
      { diagnostics: 'Type string is not allowed for Task.output.value[x] (allowed: Reference)', expression: ['Task.output[0].valueString'] },
    ]);
    expect(errors(withTask({ output: [{ type: { text: 'result' }, valueReference: { reference: 'Procedure/1' } }] }))).toEqual([]);
  });

  it('slicing by pattern: closed slicing refuses other inputs, the slice max and types apply', () => {
    expect(only(withTask({ input: [{ type: { text: 'other' }, valueString: 'x' }] }))).toEqual([
      { diagnostics: `This element does not match any known slice of Task.input and the slicing is closed (${TASK_PROFILE})`, expression: ['Task.input[0]'] },
    ]);
    expect(only(withTask({ input: [{ type: { text: 'note' }, valueString: 'a' }, { type: { text: 'note' }, valueString: 'b' }] }))).toEqual([
      { diagnostics: `Task.input:note: max allowed = 1, but found 2 (from ${TASK_PROFILE})`, expression: ['Task.input'] },
    ]);
    expect(only(withTask({ input: [{ type: { text: 'note' }, valueInteger: 3 }] }))).toEqual([
      { diagnostics: 'Type integer is not allowed for Task.input.value[x] (allowed: string)', expression: ['Task.input[0].valueInteger'] },
    ]);
  });

  it('extensions are validated against their StructureDefinition, by url', () => {
    expect(only(withTask({ extension: [{ url: EXT_URL, valueCoding: { system: CS_URL, code: 'nope' } }] }))).toEqual([
      { diagnostics: `The code ${CS_URL}#nope is not in the required value set ${VS_URL}`, expression: ['Task.extension[0].valueCoding'] },
    ]);
    expect(only(withTask({ extension: [{ url: EXT_URL }] }))).toEqual([
      { diagnostics: 'Constraint failed: ext-1: Must have either extensions or value[x], not both', expression: ['Task.extension[0]'] },
      { diagnostics: `Extension.value[x]: minimum required = 1, but only found 0 (from ${EXT_URL})`, expression: ['Task.extension[0].value'] },
    ]);
    // an extension we do not define is allowed (the slicing is open)
    expect(errors(withTask({ extension: [{ url: 'http://example.org/other', valueString: 'x' }] }))).toEqual([]);
  });

  it('FHIRPath invariants: ours and the core ones', () => {
    expect(only(withTask({ status: 'rejected' }))).toEqual([
      { diagnostics: 'Constraint failed: test-1: statusReason.text is required when the task is rejected', expression: ['Task'] },
    ]);
    expect(errors(withTask({ status: 'rejected', statusReason: { text: 'no capacity' } }))).toEqual([]);
    // inv-1 (core Task): lastModified >= authoredOn
    expect(only(withTask({ authoredOn: '2026-01-02', lastModified: '2026-01-01' }))).toEqual([
      { diagnostics: 'Constraint failed: inv-1: Last modified date must be greater than or equal to authored-on date.', expression: ['Task'] },
    ]);
    // dom-3 (core DomainResource): a contained resource must be referenced
    expect(errors(withTask({ contained: [{ resourceType: 'Patient', id: 'p' }], for: { reference: '#p' } }))).toEqual([]);
    expect(only(withTask({ contained: [{ resourceType: 'Patient', id: 'p' }] })).map((i) => i.diagnostics)).toEqual([
      expect.stringMatching(/^Constraint failed: dom-3: If the resource is contained in another resource, it SHALL be referred to/),
    ]);
    // dom-6 is a best-practice warning (narrative)
    const { text: _text, ...noText } = validTask();
    expect(check(noText).map((i) => `${i.severity} ${i.diagnostics}`)).toEqual(['warning Constraint failed: dom-6: A resource should have narrative for robust management']);
  });

  it('refuses a resource of another type', () => {
    expect(check({ resourceType: 'Patient' })).toEqual([
      { severity: 'error', code: 'structure', diagnostics: `The profile ${TASK_PROFILE} is for Task, not Patient`, expression: ['Patient'] },
    ]);
  });

  it('validates thousands of resources per second', () => {
    const task = validTask();
    validator.validate(task, TASK_PROFILE);
    const start = performance.now();
    for (let i = 0; i < 500; i++) validator.validate(task, TASK_PROFILE);
    // a generous bound (shared 2-core machine): the bench measures the real rate
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
