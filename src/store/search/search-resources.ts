import type { SearchQuery, SearchResult } from '../../fhir/repository.ts';
import type { Queryable } from '../database.ts';
import { lastUpdatedSql } from '../sql-fragments.ts';
import { criterionSql, type Visibility } from './criterion-sql.ts';
import { includedResources } from './include-sql.ts';
import { afterCursor, decodeCursor, encodeCursor } from './keyset.ts';
import { sortColumns } from './sort-sql.ts';
import { SqlParams } from './sql-params.ts';
import { type CurrentRow, toStored } from './stored-row.ts';

interface PageRow extends CurrentRow {
  [key: `k${number}`]: string | null;
}

/**
 * Search over the current resources: every criterion AND-ed, its values OR-ed. Set-based: one
 * count, one page and one include statement per include round, whatever the criteria.
 */
export async function searchResources(
  q: Queryable,
  query: SearchQuery,
  canRead: (type: string) => boolean,
  visible?: Visibility,
): Promise<SearchResult> {
  const p = new SqlParams();
  // `scope`: which rows (type, not deleted); `filters`: the criteria and row-level access.
  const scope = ['NOT r.deleted'];
  if (query.types) {
    if (query.types.length > 0) scope.push(`r.resource_type = ANY(${p.add(query.types)}::text[])`);
  } else scope.push(`r.resource_type = ${p.add(query.resourceType)}`);
  const owner = { type: 'r.resource_type', id: 'r.id', row: 'r' };
  const filters: string[] = [];
  const access = visible?.(owner, p, query.types ? (query.types.length === 1 ? query.types[0] : undefined) : query.resourceType);
  if (access) filters.push(access);
  for (const c of query.criteria) filters.push(criterionSql(c, owner, p, visible));
  const where = [...scope, ...filters];

  // Bundle.total (search.html#total): counting every match costs more than the page on a large
  // set, so it is counted only when asked (`_total=accurate`, `_summary=count`, `_count=0`);
  // otherwise it is given when this page holds every match (then it is free), else left out.
  let total: number | undefined;
  if (query.total !== false && (query.exactTotal || query.count === 0)) {
    total = Number((await q.query<{ total: string | number }>(`SELECT count(*) AS total FROM resource r WHERE ${where.join(' AND ')}`, p.values)).rows[0]?.total ?? 0);
  }
  if (query.count === 0) return { total, resources: [], more: total === undefined ? query.total !== false : total > query.offset };

  // The ordered walk is a statement of its own: its parameters start from the criteria's. It
  // repeats the scope (the type as a constant) beside the criteria so their index lookups use it.
  const walkParams = p.clone();
  const columns = sortColumns(query.sort ?? [], p);
  const cursor = query.cursor !== undefined ? decodeCursor(query.cursor, columns.length) : undefined;
  const backward = cursor?.backward ?? false;
  const ordered = backward ? columns.map((c) => ({ ...c, descending: !c.descending })) : columns;
  const pageWhere = [...where];
  if (cursor) pageWhere.push(afterCursor(ordered, cursor.values, p));
  const keys = columns.map((c, i) => `(${c.expression})::text AS k${i}`).join(', ');
  const order = ordered.map((c) => `${c.expression}${c.descending ? ' DESC' : ''}`).join(', ');
  const walkable = !query.sort?.length && !query.types && !backward && query.offset === 0 && filters.length > 0;
  const rows =
    (walkable ? await orderedWalk(q, walkParams, scope, filters, cursor ? afterCursor(ordered, cursor.values, walkParams) : undefined, keys, query.count + 1) : undefined) ??
    (
      await q.query<PageRow>(
        `SELECT r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content, ${keys}
         FROM resource r WHERE ${pageWhere.join(' AND ')} ORDER BY ${order}
         LIMIT ${p.add(query.count + 1)}${cursor ? '' : ` OFFSET ${p.add(query.offset)}`}`,
        p.values,
      )
    ).rows;
  const overflow = rows.length > query.count;
  const page = rows.slice(0, query.count);
  if (backward) page.reverse();
  const position = (row: PageRow | undefined, back: boolean) =>
    row && encodeCursor({ backward: back, values: columns.map((_, i) => row[`k${i}`] ?? null) });
  const hasNext = backward ? true : overflow;
  const hasPrevious = backward ? overflow : cursor !== undefined || query.offset > 0;
  const resources = page.map(toStored);
  const included = query.include?.length ? await includedResources(q, resources, query.include, canRead, visible) : undefined;
  if (total === undefined && query.total !== false && !cursor && query.offset === 0 && !overflow) total = page.length;
  return {
    total,
    more: hasNext,
    resources,
    included,
    next: hasNext ? position(page[page.length - 1], false) : undefined,
    previous: hasPrevious ? position(page[0], true) : undefined,
  };
}


/** Rows of the type examined in id order before the planner's own plan is used instead. */
const WALK_BUDGET = 2000;

/**
 * A page in the default order (type, id) for criteria that match a fair share of the rows: walks
 * the primary key in order, checking the criteria row by row, over at most WALK_BUDGET rows. The
 * page is exact when it fills up within the walk (nothing earlier in id order was skipped) or the
 * walk reached the end of the type. Otherwise (selective criteria) it returns undefined and the
 * caller runs the planner's plan, which starts from the most selective index instead. PostgreSQL
 * estimates the matches of several EXISTS conditions badly (row counts off by 100x at 100,000
 * members), so it often sorts every match of a broad search to return its first 20.
 */
async function orderedWalk(
  q: Queryable,
  p: SqlParams,
  scope: string[],
  filters: string[],
  after: string | undefined,
  keys: string,
  limit: number,
): Promise<PageRow[] | undefined> {
  const { rows } = await q.query<PageRow & { scanned: string | number }>(
    `WITH scan AS MATERIALIZED (
       SELECT r.resource_type, r.id, r.version_id, r.last_updated, r.deleted FROM resource r
       WHERE ${[...scope, ...(after ? [after] : [])].join(' AND ')} ORDER BY r.resource_type, r.id LIMIT ${p.add(WALK_BUDGET)}),
     hits AS (SELECT r.resource_type, r.id FROM scan r WHERE ${[...scope, ...filters].join(' AND ')} ORDER BY r.resource_type, r.id LIMIT ${p.add(limit)})
     SELECT s.scanned, r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content, ${keys}
     FROM (SELECT count(*) AS scanned FROM scan) s
     LEFT JOIN (hits h JOIN resource r ON r.resource_type = h.resource_type AND r.id = h.id) ON true
     ORDER BY r.resource_type, r.id`,
    p.values,
  );
  const hits = rows.filter((r) => r.id !== null);
  const complete = hits.length >= limit || Number(rows[0]?.scanned ?? 0) < WALK_BUDGET;
  return complete ? hits : undefined;
}
