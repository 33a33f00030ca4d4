import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, issue } from '../outcome.ts';
import type { SearchCriterion } from '../repository.ts';
import type { SearchParameterRegistry } from './search-parameters.ts';

/** SearchParameter types the parser evaluates (besides _id); the CapabilityStatement lists these. */
export const SUPPORTED_SEARCH_TYPES: ReadonlySet<string> = new Set(['token']);

/** Parameters about the response format, handled by the HTTP layer, never search criteria. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);

export interface ParsedSearch {
  criteria: SearchCriterion[];
  count: number;
  offset: number;
  /** The parameters that were used, for the `self` link (ignored ones left out, search.html#errors). */
  used: [string, string][];
  /** Warnings for parameters ignored in lenient mode. */
  warnings: OperationOutcomeIssue[];
}

export interface ParseOptions {
  strict: boolean;
  defaultCount: number;
  maxCount: number;
}

/**
 * Parses search parameters: `_id`, every token parameter of the type, `_count`, `_offset`.
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
  const result: ParsedSearch = { criteria: [], count: options.defaultCount, offset: 0, used: [], warnings: [] };
  for (const [name, value] of query) {
    if (FORMAT_PARAMS.has(name)) continue;
    if (name === '_count') {
      result.count = Math.min(nonNegativeInt(name, value), options.maxCount);
      result.used.push([name, String(result.count)]);
    } else if (name === '_offset') {
      result.offset = nonNegativeInt(name, value);
    } else if (name === '_id') {
      result.criteria.push({ kind: 'id', ids: splitValues(value) });
      result.used.push([name, value]);
    } else {
      const def = name.includes(':') ? undefined : registry.get(resourceType, name);
      if (def && SUPPORTED_SEARCH_TYPES.has(def.type)) {
        result.criteria.push({ kind: 'token', param: name, values: splitValues(value).map(parseToken) });
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

function nonNegativeInt(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${name} "${value}": expected a non-negative integer`, [name]);
  return Number(value);
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
