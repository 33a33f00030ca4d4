import type { DatePrefix, DateValue } from './date-prefix.ts';

/** A number search value (search.html#number): the prefix, the value, and the range its precision implies. */
export interface NumberValue {
  prefix: DatePrefix;
  value: number;
  /** [low, high): "100" means [99.5, 100.5), "1e2" likewise. */
  low: number;
  high: number;
}

export interface QuantityValue extends NumberValue {
  system?: string;
  /** Matched against the code, or the unit when no system is given (search.html#quantity). */
  code?: string;
}

export interface TokenMatch {
  system?: string;
  code?: string;
}

export interface ReferenceMatch {
  targetType?: string;
  targetId?: string;
  url?: string;
}

/** The SearchParameter types with an index: what `:missing` looks for. */
export type IndexedParamType = 'token' | 'reference' | 'string' | 'date' | 'number' | 'quantity' | 'uri';

export const INDEXED_PARAM_TYPES: ReadonlySet<string> = new Set<IndexedParamType>(['token', 'reference', 'string', 'date', 'number', 'quantity', 'uri']);

/**
 * One AND-ed search condition; its values are OR-ed (search.html#combining). Chains and `_has`
 * nest a criterion evaluated on the referenced or referring resources.
 */
export type SearchCriterion =
  | { kind: 'id'; ids: string[]; not?: boolean }
  | { kind: 'lastUpdated'; values: DateValue[] }
  /** `param` may be an internal `x:identifier` / `x:of-type` index name. `not` = `:not`. */
  | { kind: 'token'; param: string; values: TokenMatch[]; not?: boolean }
  /**
   * `:in` / `:not-in` (search.html#token): a token row whose (system, code) is one of the pairs
   * (`systems[i]`, `codes[i]`) of the value set expansion; `not` = no such row (like `:not`).
   */
  | { kind: 'tokenIn'; param: string; systems: string[]; codes: string[]; not?: boolean }
  /** `:text`: normalised starts-with on Coding.display / CodeableConcept.text. */
  | { kind: 'tokenText'; param: string; values: string[] }
  | { kind: 'string'; param: string; mode: 'start' | 'exact' | 'contains'; values: string[] }
  | { kind: 'date'; param: string; values: DateValue[] }
  | { kind: 'number'; param: string; values: NumberValue[] }
  | { kind: 'quantity'; param: string; values: QuantityValue[] }
  | { kind: 'uri'; param: string; mode: 'exact' | 'below' | 'above'; values: string[] }
  | { kind: 'reference'; param: string; values: ReferenceMatch[] }
  | { kind: 'missing'; param: string; paramType: IndexedParamType; missing: boolean }
  /** `param.chained=...`: the resources `param` points to (of these types) match `criterion`. */
  | { kind: 'chain'; param: string; targets: { type: string; criterion: SearchCriterion }[] }
  /** `_has:Source:param:...`: some Source whose `param` points here matches `criterion`. */
  | { kind: 'has'; sourceType: string; param: string; criterion: SearchCriterion }
  /** `_list=[id]` (search.html#list): the resource is an `entry.item` of one of these Lists. */
  | { kind: 'list'; ids: string[] }
  /**
   * A composite parameter on the resource root (search.html#composite): each alternative (the
   * comma-separated values, OR-ed) is the AND of one criterion per component.
   */
  | { kind: 'composite'; param: string; alternatives: SearchCriterion[][] }
  /** Compartment search: the resource refers to `targetType/targetId` through one of `params`. */
  | { kind: 'compartment'; params: string[]; targetType: string; targetId: string };

export interface SortKey {
  /** `_id`, `_lastUpdated`, or an indexed parameter of the searched type. */
  param: string;
  paramType: IndexedParamType | 'id' | 'lastUpdated';
  descending: boolean;
}

/** `_include` / `_revinclude` (search.html#include). */
export interface IncludeSpec {
  reverse: boolean;
  /** The type holding the reference parameter. */
  sourceType: string;
  /** The reference parameter, or `*` for all of them. */
  param: string;
  targetType?: string;
  iterate: boolean;
}
