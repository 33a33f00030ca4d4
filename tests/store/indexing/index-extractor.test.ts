import { describe, expect, it } from 'vitest';
import type { Resource } from '@medplum/fhirtypes';
import { coreSearchParameters } from '../../../src/fhir/search/search-parameters.ts';
import { IndexExtractor } from '../../../src/store/indexing/index-extractor.ts';

const extractor = new IndexExtractor(coreSearchParameters(), 'http://localhost:8080/fhir');
const tokens = (resource: Resource, param: string) =>
  extractor.extract(resource).token.filter((t) => t.param === param).map(({ system, code }) => ({ system, code }));

describe('token index extraction (search.html#token)', () => {
  it('indexes Identifier as system|value and ContactPoint values without their use system', () => {
    const patient: Resource = {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:cin', value: '123A' }, { value: 'no-system' }],
      telecom: [{ system: 'email', value: 'a@example.org' }, { system: 'phone', value: '555' }],
      gender: 'female',
      deceasedBoolean: false,
    };
    expect(tokens(patient, 'identifier')).toEqual([{ system: 'urn:cin', code: '123A' }, { system: null, code: 'no-system' }]);
    expect(tokens(patient, 'email')).toEqual([{ system: null, code: 'a@example.org' }]);
    expect(tokens(patient, 'phone')).toEqual([{ system: null, code: '555' }]);
    expect(tokens(patient, 'gender')).toEqual([{ system: null, code: 'female' }]);
    expect(tokens(patient, 'deceased')).toEqual([{ system: null, code: 'false' }]);
    expect(tokens(patient, 'active')).toEqual([]);
  });

  it('indexes every Coding of a CodeableConcept, choice-type values and components', () => {
    const observation: Resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '1234-5' }, { system: 'urn:local', code: 'x' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '373066001' }] },
      component: [{ code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] } }],
    };
    expect(tokens(observation, 'code')).toEqual([
      { system: 'http://loinc.org', code: '1234-5' },
      { system: 'urn:local', code: 'x' },
    ]);
    expect(tokens(observation, 'value-concept')).toEqual([{ system: 'http://snomed.info/sct', code: '373066001' }]);
    expect(tokens(observation, 'component-code')).toEqual([{ system: 'http://loinc.org', code: '8480-6' }]);
    expect(tokens(observation, 'combo-code')).toHaveLength(3);
    expect(tokens(observation, 'status')).toEqual([{ system: null, code: 'final' }]);
  });
});
