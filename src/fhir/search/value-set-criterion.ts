import { badRequest } from '../outcome.ts';
import type { Terminology } from '../terminology/terminology.ts';
import type { SearchCriterion } from './criteria.ts';

/**
 * The most codes one `:in` / `:not-in` binds into a query. The largest R4 core value set the
 * terminology module expands has 6,401 codes (c80-doc-typecodes); beyond this the search is
 * refused rather than sent as a huge statement.
 */
export const MAX_VALUE_SET_CODES = 10_000;

/**
 * `param:in=[url][|version]` and `param:not-in=...` (search.html#token): the value sets named
 * (comma = OR, so their union) are expanded with the terminology module from what the server
 * holds (profiles/ and the R4 core ones), once per request, and the criterion carries the
 * expansion as parallel system and code arrays for one set-based SQL condition. An unknown value
 * set, one that cannot be expanded, or one too large is a 400 naming the parameter.
 */
export function valueSetCriterion(terminology: Terminology, param: string, name: string, values: string[], not: boolean): SearchCriterion {
  const pairs = new Map<string, { system: string; code: string }>();
  for (const value of values) {
    for (const c of expansionOf(terminology, name, value)) pairs.set(`${c.system}\u0000${c.code}`, c);
    if (pairs.size > MAX_VALUE_SET_CODES) throw tooLarge(name, values.join(','));
  }
  const codes = [...pairs.values()];
  return { kind: 'tokenIn', param, systems: codes.map((c) => c.system), codes: codes.map((c) => c.code), not };
}

function expansionOf(terminology: Terminology, name: string, value: string): { system: string; code: string }[] {
  const bar = value.indexOf('|');
  const url = bar < 0 ? value : value.slice(0, bar);
  const version = bar < 0 ? undefined : value.slice(bar + 1) || undefined;
  const vs = terminology.valueSet(url);
  if (!vs || (version !== undefined && vs.version !== version)) {
    throw badRequest(`Search parameter "${name}": the ValueSet ${value} is not known to this server`, [name]);
  }
  const codes = terminology.expansion(url);
  if (!codes) {
    throw badRequest(
      `Search parameter "${name}": the ValueSet ${value} cannot be expanded by this server (it draws on a code system the server does not hold in full, or uses a filter it does not support)`,
      [name],
    );
  }
  if (codes.length > MAX_VALUE_SET_CODES) throw tooLarge(name, value);
  return codes;
}

function tooLarge(name: string, value: string) {
  return badRequest(`Search parameter "${name}": the ValueSet ${value} expands to more than ${MAX_VALUE_SET_CODES} codes, too many to search with`, [name]);
}
