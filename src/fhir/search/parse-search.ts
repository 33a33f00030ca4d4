import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, issue } from '../outcome.ts';
import type { SearchCriterion, SortKey } from '../repository.ts';
import { isResourceType } from '../resource-types.ts';
import { parseDateValue } from './date-prefix.ts';
import type { SearchParameterRegistry } from './search-parameters.ts';

/** SearchParameter types the parser evaluates (besides _id); the CapabilityStatement lists these. */
export const SUPPORTED_SEARCH_TYPES: ReadonlySet<string> = new Set(['token', 'reference']);

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
  /** `_total=none` turns the count off; `_summary=count` asks for the count alone. */
  total: boolean;
  summaryCount: boolean;
}

export interface ParseOptions {
  strict: boolean;
  /** This server's base: an absolute reference under it is a local one. */
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
}

/**
 * Parses search parameters: `_id`, `_lastUpdated`, every token parameter of the type (including
 * `_tag` and `_security`), and the result parameters `_count`, `_offset`, `_sort` (on
 * `_lastUpdated`/`_id`), `_total`, `_summary=count`.
 * Comma-separated values are OR-ed, repeated parameters AND-ed (search.html#combining).
 * Unknown parameters: 400 in strict mode, otherwise ignored with a warning. Invalid values are
 * always 400. (Issue 3 completes the other parameter types, modifiers and chains.)
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
    total: true,
    summaryCount: false,
  };
  for (const [name, value] of query) {
    if (FORMAT_PARAMS.has(name)) continue;
    if (name === '_count') {
      result.count = Math.min(nonNegativeInt(name, value), options.maxCount);
      result.used.push([name, String(result.count)]);
    } else if (name === '_offset') {
      result.offset = nonNegativeInt(name, value);
    } else if (name === '_lastUpdated') {
      result.criteria.push({ kind: 'lastUpdated', values: splitValues(value).map((v) => parseDateValue(name, v)) });
      result.used.push([name, value]);
    } else if (name === '_sort') {
      result.sort = value.split(',').map((key) => parseSortKey(key, options.strict, result.warnings)).filter((k): k is SortKey => !!k);
      result.used.push([name, value]);
    } else if (name === '_total') {
      if (!['none', 'estimate', 'accurate'].includes(value)) throw badRequest(`Invalid _total "${value}": none, estimate or accurate`, [name]);
      result.total = value !== 'none';
      result.used.push([name, value]);
    } else if (name === '_summary' && value === 'count') {
      result.summaryCount = true;
      result.used.push([name, value]);
    } else if (SUBSET_PARAMS.has(name)) {
      result.used.push([name, value]); // validated and applied by parseSubset
    } else if (name === '_id') {
      result.criteria.push({ kind: 'id', ids: splitValues(value) });
      result.used.push([name, value]);
    } else {
      const [base, modifier] = name.split(':', 2);
      const def = registry.get(resourceType, base);
      // the one modifier handled so far: a reference's target type (`subject:Patient=123`)
      const typeModifier = def?.type === 'reference' && modifier !== undefined && isResourceType(modifier) ? modifier : undefined;
      if (def && SUPPORTED_SEARCH_TYPES.has(def.type) && (modifier === undefined || typeModifier)) {
        const values = splitValues(value);
        if (def.type === 'token') result.criteria.push({ kind: 'token', param: base, values: values.map(parseToken) });
        else result.criteria.push({ kind: 'reference', param: base, values: values.map((v) => parseReference(v, typeModifier, options.baseUrl)) });
        result.used.push([name, value]);
      } else {
        const why = def ? `is not supported yet (type ${def.type})` : `is not a search parameter of ${resourceType}`;
        if (options.strict) throw badRequest(`Search parameter "${name}" ${why}`, [name]);
        result.warnings.push(issue('warning', 'not-supported', `Search parameter "${name}" ${why}; it was ignored`, [name]));
      }
    }
  }
  return result;
}

/** `_sort=_lastUpdated,-_id` (search.html#sort); other keys arrive with the full search issue. */
function parseSortKey(raw: string, strict: boolean, warnings: OperationOutcomeIssue[]): SortKey | undefined {
  const descending = raw.startsWith('-');
  const key = descending ? raw.slice(1) : raw;
  if (key === '_lastUpdated' || key === '_id') return { key, descending };
  const message = `Sorting by "${key}" is not supported (supported: _lastUpdated, _id)`;
  if (strict) throw badRequest(message, ['_sort']);
  warnings.push(issue('warning', 'not-supported', `${message}; it was ignored`, ['_sort']));
  return undefined;
}

function nonNegativeInt(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${name} "${value}": expected a non-negative integer`, [name]);
  return Number(value);
}

/** `id`, `Type/id`, or a URL (search.html#reference); absolute URLs under our base are local. */
export function parseReference(value: string, typeModifier: string | undefined, baseUrl: string): { targetType?: string; targetId?: string; url?: string } {
  const relative = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  const local = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(relative);
  if (local) return { targetType: local[1], targetId: local[2] };
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(relative)) return { targetType: typeModifier, targetId: relative };
  return { url: value };
}

/** Splits on commas not escaped with a backslash (search.html#escaping). */
export function splitValues(value: string): string[] {
  return value.split(/(?<!\\),/).map((v) => v.replace(/\\([,$\\])/g, '$1'));
}

/** `code`, `system|code`, `|code` (no system), `system|` (any code) — search.html#token. */
export function parseToken(value: string): { system?: string; code?: string } {
  const unescape = (v: string) => v.replace(/\\\|/g, '|');
  const bar = value.search(/(?<!\\)\|/);
  if (bar < 0) return { code: unescape(value) };
  const system = unescape(value.slice(0, bar));
  const code = unescape(value.slice(bar + 1));
  return { system, code: code === '' ? undefined : code };
}
