import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Determination, EligibilityDecision } from './evaluate-eligibility.ts';

export const POF_SYSTEM = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-population-of-focus';
export const EXCLUSION_SYSTEM = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-exclusion';

function determinationParts(d: Determination, system?: string): ParametersParameter[] {
  return [
    ...(system ? [{ name: 'code', valueCoding: { system, code: d.code } }] : []),
    { name: 'met', valueBoolean: d.met },
    ...d.rules.map((rule) => ({ name: 'rule', valueString: rule })),
    { name: 'reason', valueString: d.reason },
    ...d.evidence.map((reference) => ({ name: 'evidence', valueReference: { reference } })),
  ];
}

/** The $ecm-eligibility answer (profiles/OperationDefinition/ecm-eligibility.json). */
export function eligibilityParameters(decision: EligibilityDecision, written: string[] = []): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'eligible', valueBoolean: decision.eligible },
      { name: 'date', valueDate: decision.date },
      {
        name: 'settingsProfile',
        part: [
          { name: 'name', valueString: decision.settingsProfile.name },
          { name: 'version', valueString: decision.settingsProfile.version },
        ],
      },
      { name: 'base', part: determinationParts(decision.base) },
      ...decision.populations.map((p) => ({ name: 'population', part: determinationParts(p, POF_SYSTEM) })),
      ...decision.exclusions.map((x) => ({ name: 'exclusion', part: determinationParts(x, EXCLUSION_SYSTEM) })),
      ...(decision.continuity ? [{ name: 'continuity', part: determinationParts(decision.continuity) }] : []),
      ...written.map((reference) => ({ name: 'written', valueReference: { reference } })),
    ],
  };
}
