import type { SearchCriterion } from '../../fhir/search/criteria.ts';

/** How long a criterion found broad is walked first before it is counted again. */
const REMEMBERED_MS = 60_000;
/** Shapes remembered at most (the oldest forgotten first). */
const MAX_SHAPES = 1000;

/** Kinds whose breadth goes by the comparison (`lt`, `ge`...) rather than the exact value: `lt<now>` changes every second. */
const RANGE_KINDS = new Set<SearchCriterion['kind']>(['date', 'number', 'quantity', 'lastUpdated']);

/**
 * The shape of a search as far as its breadth goes: its type and criteria, ranges by their
 * prefixes, anything else by its values (a walk fills its page or not by all of them).
 */
export function searchShape(resourceType: string, criteria: SearchCriterion[]): string {
  const shapes = criteria.map((c) => (RANGE_KINDS.has(c.kind) && 'values' in c ? { ...c, values: (c.values as { prefix?: string }[]).map((v) => v.prefix ?? '') } : c));
  return `${resourceType}|${JSON.stringify(shapes)}`;
}

/**
 * Search shapes whose candidate rows overflowed the candidate page recently (search-resources.ts
 * orderedPage): for them the id-order walk runs first, sparing the statement that reads up to
 * 1,001 index rows only to find the criterion broad (a quarter of PostgreSQL's time in the
 * overdue-authorization searches). A walk that comes up short forgets the shape, and the
 * candidate page runs as before: pages are the same either way, only the statements differ.
 */
export class BroadCriteria {
  private readonly until = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  has(shape: string): boolean {
    const until = this.until.get(shape);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(shape);
    return false;
  }

  remember(shape: string): void {
    this.until.delete(shape);
    this.until.set(shape, this.now() + REMEMBERED_MS);
    if (this.until.size > MAX_SHAPES) this.until.delete(this.until.keys().next().value!);
  }

  forget(shape: string): void {
    this.until.delete(shape);
  }
}
