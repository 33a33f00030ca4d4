import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, issue } from '../outcome.ts';
import { isResourceType } from '../resource-types.ts';
import type { IncludeSpec, IndexedParamType, SearchCriterion, SortKey } from './criteria.ts';
import { parseCriterion, UnknownSearchParameter } from './parse-criterion.ts';
import type { SearchParameterRegistry } from './search-parameters.ts';
import type { Terminology } from '../terminology/terminology.ts';

/** SearchParameter types the server indexes and searches; the CapabilityStatement lists these. */
export const SUPPORTED_SEARCH_TYPES: ReadonlySet<string> = new Set(['token', 'reference', 'string', 'date', 'number', 'quantity', 'uri']);

/** Parameters about the response format, handled by the HTTP layer, never search criteria. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);
/** Parameters that shape each returned resource (src/fhir/search/subset.ts). */
const SUBSET_PARAMS = new Set(['_summary', '_elements']);

export interface ParsedSearch {
  criteria: SearchCriterion[];
  count: number;
  offset: number;
  /** The parameters that were used, for the `self` link (ignored ones left out, search.html#errors). */
  used: [string, string][];
  /** Warnings for parameters ignored in lenient mode. */
  warnings: OperationOutcomeIssue[];
  sort: SortKey[];
  include: IncludeSpec[];
  /** `_total=none` turns the count off; `_summary=count` asks for the count alone. */
  total: boolean;
  /** `_total=accurate`: count every match (otherwise the total is left out beyond a limit). */
  exactTotal: boolean;
  summaryCount: boolean;
  /** Opaque keyset position from a previous page's link (`_cursor`). */
  cursor?: string;
}

export interface ParseOptions {
  strict: boolean;
  /** This server's base: an absolute reference under it is a local one. */
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
  /** System-level search (`_type`): parameters are parsed against each of these types. */
  types?: string[];
  /** Expands the value sets of `:in` / `:not-in` (the server's: profiles/ and the R4 core ones). */
  terminology: Terminology;
}

/**
 * Parses a search (search.html): criteria (see parse-criterion.ts), and the result parameters
 * `_count`, `_offset`, `_sort`, `_total`, `_summary=count`, `_include`, `_revinclude`, `_cursor`.
 * Comma-separated values are OR-ed, repeated parameters AND-ed (search.html#combining).
 * Unknown parameters and modifiers: 400 in strict mode, otherwise ignored with a warning.
 * Invalid values are always 400.
 */
export function parseSearch(
  registry: SearchParameterRegistry,
  resourceType: string,
  query: [string, string][],
  options: ParseOptions,
): ParsedSearch {
  const result: ParsedSearch = {
    criteria: [],
    count: options.defaultCount,
    offset: 0,
    used: [],
    warnings: [],
    sort: [],
    include: [],
    total: true,
    exactTotal: false,
    summaryCount: false,
  };
  const ignore = (name: string, why: string) => {
    if (options.strict) throw badRequest(why, [name]);
    result.warnings.push(issue('warning', 'not-supported', `${why}; it was ignored`, [name]));
  };
  for (const [name, value] of query) {
    if (FORMAT_PARAMS.has(name)) continue;
    if (name === '_count') {
      result.count = Math.min(nonNegativeInt(name, value), options.maxCount);
      result.used.push([name, String(result.count)]);
    } else if (name === '_offset') {
      result.offset = nonNegativeInt(name, value);
    } else if (name === '_cursor') {
      result.cursor = value;
    } else if (name === '_type' && options.types) {
      result.used.push([name, value]);
    } else if (name === '_sort') {
      for (const key of value.split(',')) {
        const sort = parseSortKey(registry, options.types ?? [resourceType], key);
        if (typeof sort === 'string') ignore('_sort', sort);
        else result.sort.push(sort);
      }
      result.used.push([name, value]);
    } else if (name === '_total') {
      if (!['none', 'estimate', 'accurate'].includes(value)) throw badRequest(`Invalid _total "${value}": none, estimate or accurate`, [name]);
      result.total = value !== 'none';
      result.exactTotal = value === 'accurate';
      result.used.push([name, value]);
    } else if (name === '_summary' && value === 'count') {
      result.summaryCount = true;
      result.used.push([name, value]);
    } else if (SUBSET_PARAMS.has(name)) {
      result.used.push([name, value]); // validated and applied by parseSubset
    } else if (/^_(rev)?include(:iterate|:recurse)?$/.test(name)) {
      const spec = parseInclude(registry, name, value);
      if (typeof spec === 'string') ignore(name, spec);
      else {
        result.include.push(spec);
        result.used.push([name, value]);
      }
    } else {
      try {
        result.criteria.push(criterionForTypes(registry, options, resourceType, name, value));
        result.used.push([name, value]);
      } catch (err) {
        if (!(err instanceof UnknownSearchParameter)) throw err;
        ignore(name, err.message);
      }
    }
  }
  return result;
}

/** A system-level search parses a parameter against each type; it must mean the same on all. */
function criterionForTypes(registry: SearchParameterRegistry, options: ParseOptions, resourceType: string, name: string, value: string): SearchCriterion {
  const types = options.types ?? [resourceType];
  const parsed = types.map((t) => parseCriterion({ registry, baseUrl: options.baseUrl, terminology: options.terminology }, t, name, value));
  const first = JSON.stringify(parsed[0]);
  if (parsed.some((c) => JSON.stringify(c) !== first)) {
    throw new UnknownSearchParameter(`Search parameter "${name}" does not mean the same on every type in _type`);
  }
  return parsed[0];
}

/** `_sort=-date,_id` on `_id`, `_lastUpdated` or any indexed parameter (search.html#sort). */
function parseSortKey(registry: SearchParameterRegistry, types: string[], raw: string): SortKey | string {
  const descending = raw.startsWith('-');
  const param = descending ? raw.slice(1) : raw;
  if (param === '_id') return { param, paramType: 'id', descending };
  if (param === '_lastUpdated') return { param, paramType: 'lastUpdated', descending };
  const defs = types.map((t) => registry.get(t, param));
  const type = defs[0]?.type;
  if (!type || !SUPPORTED_SEARCH_TYPES.has(type) || defs.some((d) => d?.type !== type)) return `Sorting by "${param}" is not supported: not an indexed search parameter of ${types.join(', ')}`;
  return { param, paramType: type as IndexedParamType, descending };
}

/** `_include=Type:param[:target]`, `*`, and `:iterate` (search.html#include). */
function parseInclude(registry: SearchParameterRegistry, name: string, value: string): IncludeSpec | string {
  const reverse = name.startsWith('_revinclude');
  const iterate = name.endsWith(':iterate') || name.endsWith(':recurse');
  if (value === '*') return { reverse, sourceType: '*', param: '*', iterate };
  const [sourceType, param, targetType, ...extra] = value.split(':');
  if (!sourceType || !param || extra.length > 0 || !isResourceType(sourceType)) {
    throw badRequest(`Invalid ${name} "${value}": expected SourceType:parameter[:TargetType]`, [name]);
  }
  if (targetType !== undefined && !isResourceType(targetType)) throw badRequest(`Invalid ${name} "${value}": "${targetType}" is not a resource type`, [name]);
  if (param !== '*' && registry.get(sourceType, param)?.type !== 'reference') return `"${param}" is not a reference search parameter of ${sourceType}`;
  return { reverse, sourceType, param, targetType, iterate };
}

function nonNegativeInt(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${name} "${value}": expected a non-negative integer`, [name]);
  return Number(value);
}
