import type { SearchCriterion } from '../../fhir/search/criteria.ts';
import type { Queryable } from '../database.ts';
import { codeCondition, criterionSql, type IndexMatch, type Owner, type Visibility } from './criterion-sql.ts';
import type { SqlParams } from './sql-params.ts';
import type { PageRow } from './stored-row.ts';

/**
 * A criterion whose index rows for one value come out of an index in id order (migration 004),
 * so the ids matching it can be read in the default search order (type, id) and stop at a page.
 * `_has` drives too: the source's reference rows for one param are in target id order.
 */
export type Driver =
  | { kind: 'token'; criterion: Extract<SearchCriterion, { kind: 'token' }>; code: string }
  | { kind: 'reference'; criterion: Extract<SearchCriterion, { kind: 'reference' }> }
  | { kind: 'has'; criterion: Extract<SearchCriterion, { kind: 'has' }> };

export function driverOf(c: SearchCriterion): Driver | undefined {
  const code = c.kind === 'token' && c.values.length === 1 ? c.values[0].code : undefined;
  if (c.kind === 'token' && !c.not && code !== undefined) return { kind: 'token', criterion: c, code };
  if (c.kind === 'reference' && c.values.length === 1 && c.values[0].targetType !== undefined && c.values[0].targetId !== undefined) {
    return { kind: 'reference', criterion: c };
  }
  if (c.kind === 'has') return { kind: 'has', criterion: c };
  return undefined;
}

/** Index rows read, at most, to compare the drivers' sizes. */
const SIZE_PROBE = 250;

/**
 * The driver with the fewest index rows (counted up to SIZE_PROBE each, in one statement): the
 * page then reads the fewest rows to find its matches. Ties keep the query's order. A `_has`
 * driver reads every reference of its source type in target order, so it is measured by its
 * nested criterion: when few sources match, undefined = let the planner start from them instead.
 */
export async function chooseDriver(q: Queryable, drivers: Driver[], resourceType: string, p: SqlParams): Promise<Driver | undefined> {
  if (drivers.length === 1 && (drivers[0].kind !== 'has' || !sizeOf(drivers[0], resourceType))) return drivers[0];
  const size = await driverSizes(q, drivers, resourceType, p);
  const best = drivers.reduce((a, b) => (size(b) < size(a) ? b : a));
  return best.kind === 'has' && size(best) < SIZE_PROBE ? undefined : best;
}

/** Whether every driver matches at least SIZE_PROBE index rows (a broad search). */
export async function allBroad(q: Queryable, drivers: Driver[], resourceType: string, p: SqlParams): Promise<boolean> {
  const size = await driverSizes(q, drivers, resourceType, p);
  return drivers.every((d) => size(d) >= SIZE_PROBE);
}

/** Each driver's index rows, counted up to SIZE_PROBE in one statement (SIZE_PROBE when not countable). */
async function driverSizes(q: Queryable, drivers: Driver[], resourceType: string, p: SqlParams): Promise<(d: Driver) => number> {
  const probed = drivers.flatMap((driver) => {
    const measure = sizeOf(driver, resourceType);
    return measure ? [{ driver, measure }] : [];
  });
  const counts = new Map<Driver, number>();
  if (probed.length > 0) {
    const columns = probed.map(({ measure }, i) => {
      // in index order, so the scan stops at the limit (a bitmap scan would read every row first)
      const { from, where, key } = driverRows(measure.driver, measure.type, p, false);
      return `(SELECT count(*) FROM (SELECT 1 FROM ${from} WHERE ${where} ORDER BY ${key.join(', ')} LIMIT ${SIZE_PROBE}) s${i}) AS c${i}`;
    });
    const row = (await q.query<Record<string, string | number>>(`SELECT ${columns.join(', ')}`, p.values)).rows[0];
    probed.forEach((s, i) => counts.set(s.driver, Number(row[`c${i}`])));
  }
  return (d) => counts.get(d) ?? SIZE_PROBE;
}

/** What to count for a driver's size: itself, or a `_has` driver's nested criterion when that drives. */
function sizeOf(d: Driver, resourceType: string): { driver: Driver; type: string } | undefined {
  if (d.kind !== 'has') return { driver: d, type: resourceType };
  const inner = driverOf(d.criterion.criterion);
  return inner && inner.kind !== 'has' ? { driver: inner, type: d.criterion.sourceType } : undefined;
}

/**
 * A condition evaluated row by row, as an index probe: `OFFSET 0` keeps PostgreSQL from turning
 * it into a join, which it would plan from row estimates that are far off for broad index values.
 */
export function perRow(condition: string): string {
  return `EXISTS (SELECT 1 WHERE ${condition} OFFSET 0)`;
}

/**
 * The ids of one page in id order, read from the driver's index and checked against every other
 * condition row by row. Each condition sits behind `OFFSET 0`, which keeps it a per-row index
 * probe: PostgreSQL underestimates the rows of a broad token or reference value by orders of
 * magnitude (independent-column statistics) and would otherwise hash every match of another
 * criterion first. `after` continues after a cursor id; `descending` reads the index backwards.
 */
export function drivenIdsSql(
  driver: Driver,
  resourceType: string,
  conditions: (owner: Owner) => string[],
  p: SqlParams,
  page: { afterId?: string; descending: boolean; limit: number },
  visible?: Visibility,
): string {
  const { from, where, id, type, key } = driverRows(driver, resourceType, p, true, visible);
  const owner: Owner = { type, id };
  const checks = conditions(owner).map(perRow);
  if (page.afterId !== undefined) checks.unshift(`${id} ${page.descending ? '<' : '>'} ${p.add(page.afterId)}`);
  // distinct and ordered by the whole index key: with its leading columns fixed that is id order,
  // and it names the index to read, so the planner cannot walk another index in id order instead
  const direction = page.descending ? ' DESC' : '';
  const columns = key.slice(0, -1).map((k, i) => `${k} AS k${i}`);
  return `SELECT DISTINCT ${[...columns, `${id} AS id`].join(', ')} FROM ${from} WHERE ${[where, ...checks].join(' AND ')}
    ORDER BY ${key.map((k) => `${k}${direction}`).join(', ')} LIMIT ${p.add(page.limit)}`;
}

/**
 * The driver's index rows as FROM/WHERE, the type and id columns they yield, and the key of the
 * index that yields them in id order (migration 004), ending in the id column.
 */
function driverRows(
  driver: Driver,
  resourceType: string,
  p: SqlParams,
  exact: boolean,
  visible?: Visibility,
): { from: string; where: string; type: string; id: string; key: string[] } {
  const d = p.alias('d');
  switch (driver.kind) {
    case 'token': {
      const { param, values } = driver.criterion;
      const { system } = values[0];
      const parts = [`${d}.resource_type = ${p.add(resourceType)}`, `${d}.param = ${p.add(param)}`, codeCondition(`${d}.code`, driver.code, p)];
      // the size probe counts index entries alone: the system needs the table
      if (exact) {
        if (system === '') parts.push(`${d}.system IS NULL`);
        else if (system !== undefined) parts.push(`${d}.system = ${p.add(system)}`);
      }
      const key = [`${d}.resource_type`, `${d}.param`, `left(${d}.code, 200)`, `${d}.id`];
      return { from: `search_token ${d}`, where: parts.join(' AND '), type: `${d}.resource_type`, id: `${d}.id`, key };
    }
    case 'reference': {
      const { param, values } = driver.criterion;
      const where = [`${d}.resource_type = ${p.add(resourceType)}`, `${d}.param = ${p.add(param)}`,
        `${d}.target_id = ${p.add(values[0].targetId)}`, `${d}.target_type = ${p.add(values[0].targetType)}`];
      const key = [`${d}.resource_type`, `${d}.param`, `${d}.target_id`, `${d}.target_type`, `${d}.id`];
      return { from: `search_reference ${d}`, where: where.join(' AND '), type: `${d}.resource_type`, id: `${d}.id`, key };
    }
    case 'has': {
      // the referring resources' rows, in target id order; the target must exist (a source may
      // still point at a deleted one) and the source must match the nested criterion
      const { sourceType, param, criterion } = driver.criterion;
      const where = [`${d}.resource_type = ${p.add(sourceType)}`, `${d}.param = ${p.add(param)}`, `${d}.target_type = ${p.add(resourceType)}`];
      if (exact) {
        const source: Owner = { type: `${d}.resource_type`, id: `${d}.id` };
        const access = visible?.(source, p, sourceType);
        where.push(perRow(`${criterionSql(criterion, source, p, visible)}${access ? ` AND ${access}` : ''}`));
        where.push(`EXISTS (SELECT 1 FROM resource ${d}r WHERE ${d}r.resource_type = ${d}.target_type AND ${d}r.id = ${d}.target_id AND NOT ${d}r.deleted)`);
      }
      return { from: `search_reference ${d}`, where: where.join(' AND '), type: `${d}.target_type`, id: `${d}.target_id`, key: [`${d}.target_id`] };
    }
  }
}


/**
 * Matching index rows read, at most, to page a criterion whose rows are not in id order: up to
 * 5,000 when they are only sorted (a name prefix alone), 1,000 when each must also pass other
 * criteria row by row: past that the id-order walk finds a page of a broad search sooner.
 */
const CANDIDATE_LIMIT = 5000;
const CHECKED_CANDIDATE_LIMIT = 1000;

/** Index rows that find a criterion's matches: a table, its alias, conditions besides the type. */
export interface CandidateRows {
  table: string;
  alias: string;
  conditions: string[];
}

export function candidateRowsOf(match: IndexMatch, p: SqlParams): CandidateRows {
  return { table: match.table, alias: match.alias, conditions: [`${match.alias}.param = ${p.add(match.param)}`, `(${match.condition})`] };
}

/** A compartment's reference rows (the compartment criterion), for a search over one or more types. */
export function compartmentRows(c: Extract<SearchCriterion, { kind: 'compartment' }>, p: SqlParams): CandidateRows {
  const x = p.alias('x');
  return {
    table: 'search_reference',
    alias: x,
    conditions: [`${x}.param = ANY(${p.add(c.params)}::text[])`, `${x}.target_id = ${p.add(c.targetId)}`, `${x}.target_type = ${p.add(c.targetType)}`],
  };
}

/**
 * One page in the default order (type, id) from a criterion whose index finds its rows but not
 * in that order (a string prefix, a date range, several values, a compartment over several
 * types): its rows are read (at most CANDIDATE_LIMIT or CHECKED_CANDIDATE_LIMIT), sorted, and checked against the other
 * conditions row by row. One statement; undefined when the criterion matches more rows than that
 * (then a walk in id order finds the page sooner): the row checks are then skipped altogether (the
 * count gates them as a one-time filter), so a broad criterion costs only the reading of its rows.
 */
export async function candidatePage(
  q: Queryable,
  rows: CandidateRows,
  types: string[],
  conditions: (owner: Owner) => string[],
  p: SqlParams,
  select: { columns: string; keys: string },
  page: { after?: [string, string]; descending: boolean; limit: number },
): Promise<PageRow[] | undefined> {
  const x = rows.alias;
  const where = [types.length === 1 ? `${x}.resource_type = ${p.add(types[0])}` : `${x}.resource_type = ANY(${p.add(types)}::text[])`, ...rows.conditions];
  if (page.after) where.push(`(${x}.resource_type, ${x}.id) ${page.descending ? '<' : '>'} (${p.add(page.after[0])}, ${p.add(page.after[1])})`);
  const checks = conditions({ type: 'm.resource_type', id: 'm.id' }).map(perRow);
  const limit = checks.length > 0 ? CHECKED_CANDIDATE_LIMIT : CANDIDATE_LIMIT;
  const direction = page.descending ? ' DESC' : '';
  const result = await q.query<PageRow & { matched: string | number }>(
    `WITH m AS MATERIALIZED (SELECT ${x}.resource_type, ${x}.id FROM ${rows.table} ${x} WHERE ${where.join(' AND ')} LIMIT ${p.add(limit + 1)})
     SELECT c.matched, ${select.columns}, ${select.keys}
     FROM (SELECT count(*) AS matched FROM m) c
     LEFT JOIN (SELECT DISTINCT m.resource_type, m.id FROM m WHERE (SELECT count(*) FROM m) <= ${p.add(limit)}${checks.length ? ` AND ${checks.join(' AND ')}` : ''}
                ORDER BY m.resource_type${direction}, m.id${direction} LIMIT ${p.add(page.limit)}) h ON true
     LEFT JOIN resource r ON r.resource_type = h.resource_type AND r.id = h.id
     ORDER BY r.resource_type${direction}, r.id${direction}`,
    p.values,
  );
  if (Number(result.rows[0]?.matched ?? 0) > limit) return undefined;
  return result.rows.filter((r) => r.id !== null);
}
