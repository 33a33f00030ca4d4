import type { CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { Conformance } from '../../../src/conformance/conformance.ts';

/** Small conformance resources written for the validator tests (not the project's profiles/). */
export const B = 'https://ecm-fhir.example.org/fhir';
export const TASK_PROFILE = `${B}/StructureDefinition/test-referral-task`;
export const EXT_URL = `${B}/StructureDefinition/ext-test-pof`;
export const CS_URL = `${B}/CodeSystem/test-status`;
export const VS_URL = `${B}/ValueSet/test-status`;

export const testCodeSystem: CodeSystem = {
  resourceType: 'CodeSystem',
  id: 'test-status',
  url: CS_URL,
  name: 'TestStatus',
  version: '0.1.0',
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: 'closed',
      display: 'Closed',
      definition: 'The loop is closed',
      designation: [{ language: 'es', value: 'Cerrado' }],
      concept: [
        { code: 'services-received', display: 'Services Received' },
        { code: 'declined', display: 'Declined' },
      ],
    },
    { code: 'open', display: 'Open' },
  ],
};

export const testValueSet: ValueSet = {
  resourceType: 'ValueSet',
  id: 'test-status',
  url: VS_URL,
  status: 'active',
  compose: { include: [{ system: CS_URL }] },
};

/** Only the closed codes, by an is-a filter. */
export const closedValueSet: ValueSet = {
  resourceType: 'ValueSet',
  id: 'test-closed',
  url: `${B}/ValueSet/test-closed`,
  status: 'active',
  compose: { include: [{ system: CS_URL, filter: [{ property: 'concept', op: 'is-a', value: 'closed' }] }], exclude: [{ system: CS_URL, concept: [{ code: 'declined' }] }] },
};

/** A value set over a code system we do not hold: cannot be expanded. */
export const externalValueSet: ValueSet = {
  resourceType: 'ValueSet',
  id: 'test-external',
  url: `${B}/ValueSet/test-external`,
  status: 'active',
  compose: { include: [{ system: 'http://snomed.info/sct' }] },
};

export const testExtension: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'ext-test-pof',
  url: EXT_URL,
  name: 'TestPof',
  status: 'active',
  kind: 'complex-type',
  abstract: false,
  type: 'Extension',
  context: [{ type: 'element', expression: 'Task' }],
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Extension.url', path: 'Extension.url', fixedUri: EXT_URL },
      { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: 'Coding' }], binding: { strength: 'required', valueSet: VS_URL } },
    ],
  },
};

export const testTaskProfile: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'test-referral-task',
  url: TASK_PROFILE,
  name: 'TestReferralTask',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Task',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Task',
  derivation: 'constraint',
  differential: {
    element: [
      {
        id: 'Task',
        path: 'Task',
        constraint: [
          {
            key: 'test-1',
            severity: 'error',
            human: 'statusReason.text is required when the task is rejected',
            expression: "status = 'rejected' implies statusReason.text.exists()",
          },
        ],
      },
      { id: 'Task.extension', path: 'Task.extension', slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } },
      { id: 'Task.extension:pof', path: 'Task.extension', sliceName: 'pof', min: 0, max: '1', type: [{ code: 'Extension', profile: [EXT_URL] }] },
      { id: 'Task.intent', path: 'Task.intent', fixedCode: 'order' },
      { id: 'Task.code', path: 'Task.code', min: 1, patternCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] } },
      { id: 'Task.for', path: 'Task.for', min: 1, type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient', 'http://hl7.org/fhir/StructureDefinition/Group'] }] },
      { id: 'Task.businessStatus', path: 'Task.businessStatus', binding: { strength: 'required', valueSet: VS_URL } },
      { id: 'Task.statusReason', path: 'Task.statusReason', binding: { strength: 'extensible', valueSet: `${B}/ValueSet/test-closed` } },
      { id: 'Task.priority', path: 'Task.priority', binding: { strength: 'required', valueSet: externalValueSet.url } },
      { id: 'Task.input', path: 'Task.input', slicing: { discriminator: [{ type: 'pattern', path: 'type' }], rules: 'closed' } },
      { id: 'Task.input:note', path: 'Task.input', sliceName: 'note', min: 0, max: '1' },
      { id: 'Task.input:note.type', path: 'Task.input.type', patternCodeableConcept: { text: 'note' } },
      { id: 'Task.input:note.value[x]', path: 'Task.input.value[x]', type: [{ code: 'string' }] },
      { id: 'Task.output.value[x]', path: 'Task.output.value[x]', type: [{ code: 'Reference' }] },
      { id: 'Task.owner.display', path: 'Task.owner.display', min: 1 },
    ],
  },
};

export function testConformance(): Conformance {
  return new Conformance([testCodeSystem, testValueSet, closedValueSet, externalValueSet, testExtension, testTaskProfile]);
}

/** A Task that conforms to the test profile. */
export function validTask(): Record<string, unknown> {
  return {
    resourceType: 'Task',
    meta: { profile: [TASK_PROFILE] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Referral</div>' },
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }], text: 'Fulfill' },
    for: { reference: 'Patient/p1' },
    businessStatus: { coding: [{ system: CS_URL, code: 'open' }] },
    extension: [{ url: EXT_URL, valueCoding: { system: CS_URL, code: 'services-received' } }],
    input: [{ type: { text: 'note' }, valueString: 'call after 5pm' }],
  };
}
