import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystem, ConceptMap, OperationDefinition, Resource, SearchParameter, StructureDefinition, ValueSet } from '@medplum/fhirtypes';

/** The canonical base of every conformance resource this project defines (profiles/README.md). */
export const CANONICAL_BASE = 'https://ecm-fhir.example.org/fhir';

/** Where the shipped conformance resources live. */
export const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

type CanonicalResource = StructureDefinition | CodeSystem | ValueSet | ConceptMap | SearchParameter | OperationDefinition;

/**
 * The conformance resources loaded at start-up from profiles/ (DESIGN.md: data, never code):
 * looked up by canonical URL (with or without `|version`) or listed by type.
 */
export class Conformance {
  private readonly byUrl = new Map<string, CanonicalResource>();
  private readonly byType = new Map<string, CanonicalResource[]>();

  constructor(resources: CanonicalResource[] = []) {
    for (const r of resources) this.add(r);
  }

  add(resource: CanonicalResource): void {
    if (!resource.url) throw new Error(`${resource.resourceType}/${resource.id ?? '?'} has no url`);
    if (this.byUrl.has(resource.url)) throw new Error(`Two conformance resources share the url ${resource.url}`);
    this.byUrl.set(resource.url, resource);
    if (resource.version) this.byUrl.set(`${resource.url}|${resource.version}`, resource);
    this.byType.set(resource.resourceType, [...(this.byType.get(resource.resourceType) ?? []), resource]);
  }

  get<T extends CanonicalResource>(resourceType: T['resourceType'], url: string): T | undefined {
    const r = this.byUrl.get(url);
    return r?.resourceType === resourceType ? (r as T) : undefined;
  }

  list<T extends CanonicalResource>(resourceType: T['resourceType']): T[] {
    return (this.byType.get(resourceType) ?? []) as T[];
  }

  structureDefinitions(): StructureDefinition[] {
    return this.list<StructureDefinition>('StructureDefinition');
  }

  searchParameters(): SearchParameter[] {
    return this.list<SearchParameter>('SearchParameter');
  }
}

const CANONICAL_TYPES = new Set(['StructureDefinition', 'CodeSystem', 'ValueSet', 'ConceptMap', 'SearchParameter', 'OperationDefinition']);

/**
 * Reads every `*.json` under the directory (recursively): a canonical resource, or a Bundle of
 * them. A file that is not JSON or holds another resource type is a start-up error naming it.
 */
export function loadConformance(dir: string = PROFILES_DIR): Conformance {
  const conformance = new Conformance();
  for (const file of jsonFiles(dir)) {
    let json: Resource;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Resource;
    } catch (err) {
      throw new Error(`profiles: ${relative(dir, file)} is not valid JSON: ${(err as Error).message}`);
    }
    const resources = json.resourceType === 'Bundle' ? (json.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r) : [json];
    for (const r of resources) {
      if (!CANONICAL_TYPES.has(r.resourceType)) throw new Error(`profiles: ${relative(dir, file)} holds a ${r.resourceType}, not a conformance resource`);
      conformance.add(r as CanonicalResource);
    }
  }
  return conformance;
}

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}
