import type { SearchQuery, SearchResult } from '../../fhir/repository.ts';
import type { SearchCriterion } from '../../fhir/search/criteria.ts';
import type { Queryable } from '../database.ts';
import { lastUpdatedSql } from '../sql-fragments.ts';
import { criterionSql, indexMatch, type Owner, type Visibility } from './criterion-sql.ts';
import { includedResources } from './include-sql.ts';
import { BroadCriteria, searchShape } from './broad-criteria.ts';
import { dateSortedPage } from './date-sorted-page.ts';
import { allBroad, candidatePage, candidateRowsOf, chooseDriver, compartmentRows, drivenIdsSql, driverOf, perRow, type Driver } from './driven-page.ts';
import { afterCursor, type Cursor, decodeCursor, encodeCursor } from './keyset.ts';
import { orderTerm, reversed, sortColumns } from './sort-sql.ts';
import { SqlParams } from './sql-params.ts';
import { type PageRow, toStored } from './stored-row.ts';

/**
 * Search over the current resources: every criterion AND-ed, its values OR-ed. Set-based: one
 * count, one page and one include statement per include round, whatever the criteria.
 */
export async function searchResources(
  db: Queryable,
  query: SearchQuery,
  canRead: (type: string) => boolean,
  visible?: Visibility,
): Promise<SearchResult> {
  const q = query.prepared ? preparing(db) : db;
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
  const ordered = backward ? reversed(columns) : columns;
  const pageWhere = [...where];
  if (cursor) pageWhere.push(afterCursor(ordered, cursor.values, p));
  const keys = columns.map((c, i) => `(${c.expression})::text AS k${i}`).join(', ');
  const order = ordered.map(orderTerm).join(', ');
  // a page read in order from an index when one fits, else the planner's plan
  const rows =
    (await orderedPage(q, query, cursor, visible, keys, { params: walkParams, scope, filters, after: cursor ? afterCursor(ordered, cursor.values, walkParams) : undefined })) ??
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

/** The same statements, each prepared (SearchQuery.prepared). */
function preparing(q: Queryable): Queryable {
  return { query: (sql, params, options) => q.query(sql, params, { ...options, prepared: true }) };
}

/** The columns of a page row (stored-row.ts) from the resource row `r`. */
const ROW_COLUMNS = `r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content`;

/** Search shapes whose candidate criterion was found broad lately, in this process (broad-criteria.ts). */
const broadCriteria = new BroadCriteria();

/** Criteria kinds that match few resources: no walk in id order for them. */
const SELECTIVE = new Set<SearchCriterion['kind']>(['chain', 'has', 'id', 'compartment', 'list']);

/** Row-level access and every criterion but `skip`, as conditions on an owner. */
function otherConditions(query: SearchQuery, skip: SearchCriterion, visible: Visibility | undefined, p: SqlParams) {
  return (owner: Owner): string[] => {
    const access = visible?.(owner, p, query.types ? (query.types.length === 1 ? query.types[0] : undefined) : query.resourceType);
    const others = query.criteria.filter((c) => c !== skip).map((c) => criterionSql(c, owner, p, visible));
    return access ? [access, ...others] : others;
  };
}

/**
 * The page read in order from an index, when the search has that shape: in the default order,
 * driven by an id-ordered criterion (driven-page.ts) or else walked in id order; sorted by one
 * date, from the date index when the criteria are broad (date-sorted-page.ts). Undefined = none
 * fits (or it could not fill the page): the caller runs the planner's plan.
 */
async function orderedPage(
  q: Queryable,
  query: SearchQuery,
  cursor: Cursor | undefined,
  visible: Visibility | undefined,
  keys: string,
  walk: { params: SqlParams; scope: string[]; filters: string[]; after?: string },
): Promise<PageRow[] | undefined> {
  if (query.offset !== 0) return undefined;
  const type = query.resourceType;
  const limit = query.count + 1;
  const after = cursor && cursor.values[0] !== null && cursor.values[1] !== null ? ([cursor.values[0], cursor.values[1]] as [string, string]) : undefined;
  if (query.types) {
    // a compartment over several types (Patient/[id]/*, a member's evidence): from its references
    const compartment = query.criteria.find((c) => c.kind === 'compartment');
    if (query.sort?.length || !compartment || query.types.length === 0 || (cursor && !after)) return undefined;
    const p = new SqlParams();
    const rows = compartmentRows(compartment, p);
    return candidatePage(q, rows, query.types, otherConditions(query, compartment, visible, p), p, { columns: ROW_COLUMNS, keys }, { after, descending: cursor?.backward ?? false, limit });
  }
  const drivers = query.criteria.map(driverOf).filter((d): d is Driver => d !== undefined);
  if (!query.sort?.length) {
    if (cursor && cursor.values[0] !== type) return undefined;
    const page = { afterId: cursor?.values[1] ?? undefined, descending: cursor?.backward ?? false, limit };
    if (drivers.length > 0) return drivenPage(q, query, drivers, visible, keys, page);
    const candidate =
      query.criteria.find((c) => !(c.kind === 'token' && c.not) && indexMatch(c, new SqlParams()) !== undefined) ??
      query.criteria.find((c) => c.kind === 'compartment');
    // a chain, `_has` or id list is selective: the planner starts from it
    const walkable = !cursor?.backward && walk.filters.length > 0 && !query.criteria.some((c) => SELECTIVE.has(c.kind));
    const walkInOrder = () => orderedWalk(q, walk.params, walk.scope, walk.filters, walk.after, keys, limit, query.criteria.some((c) => c.kind === 'lastUpdated') ? ['r.last_updated'] : []);
    if (!candidate) return walkable ? walkInOrder() : undefined;
    const shape = walkable ? searchShape(type, query.criteria) : undefined;
    const walkFirst = shape !== undefined && broadCriteria.has(shape);
    if (walkFirst) {
      const walked = await walkInOrder();
      if (walked) return walked;
      // short of a page: the other criteria (or the data) make it selective now
      broadCriteria.forget(shape);
    }
    const p = new SqlParams();
    const rows = candidate.kind === 'compartment' ? compartmentRows(candidate, p) : candidateRowsOf(indexMatch(candidate, p)!, p);
    const found = await candidatePage(q, rows, [type], otherConditions(query, candidate, visible, p), p, { columns: ROW_COLUMNS, keys }, { after, descending: page.descending, limit });
    if (found || !shape || walkFirst) return found;
    broadCriteria.remember(shape);
    return walkInOrder();
  }
  const [key] = query.sort;
  if (query.sort.length > 1 || key.paramType !== 'date' || cursor?.backward) return undefined;
  if (cursor && (cursor.values[0] === null || cursor.values[1] !== type)) return undefined;
  const broad = query.criteria.length === 0 || (drivers.length === query.criteria.length && (await allBroad(q, drivers, type, new SqlParams())));
  return broad ? dateSortedPage(q, query, visible, cursor?.values, limit) : undefined;
}

/**
 * A page in the default order (type, id) driven by the smallest id-ordered criterion
 * (driven-page.ts): its index yields candidate ids in order, the other criteria and row-level
 * access are checked on each, and reading stops when the page is full.
 */
async function drivenPage(
  q: Queryable,
  query: SearchQuery,
  drivers: Driver[],
  visible: Visibility | undefined,
  keys: string,
  page: { afterId?: string; descending: boolean; limit: number },
): Promise<PageRow[] | undefined> {
  const type = query.resourceType;
  const driver = await chooseDriver(q, drivers, type, new SqlParams());
  if (!driver) return undefined;
  const p = new SqlParams();
  const ids = drivenIdsSql(driver, type, otherConditions(query, driver.criterion, visible, p), p, page, visible);
  const { rows } = await q.query<PageRow>(
    `SELECT ${ROW_COLUMNS}, ${keys}
     FROM (${ids}) m JOIN resource r ON r.resource_type = ${p.add(type)} AND r.id = m.id
     WHERE NOT r.deleted ORDER BY r.id${page.descending ? ' DESC' : ''}`,
    p.values,
  );
  return rows;
}

/** Rows of the type examined in id order before the planner's own plan is used instead. */
const WALK_BUDGET = 2000;

/**
 * A page in the default order (type, id) for criteria with no driver (driven-page.ts) that match
 * a fair share of the rows: walks the live rows' index (resource_live, migration 004) in order,
 * checking the criteria row by row, and stops at a full page or after WALK_BUDGET rows. Only a
 * full page is returned; otherwise (selective criteria, or a small type) undefined, and the
 * caller runs the planner's plan, which starts from the most selective index instead.
 * PostgreSQL estimates the matches of several EXISTS conditions badly (row counts off by 100x at
 * 100,000 members), so it often sorts every match of a broad search to return its first 20.
 * The budget is a LIMIT under the criteria: the scan stops as soon as the page is full, reading
 * no row past the last one checked (`rowColumns`: the row's own columns a criterion reads).
 */
async function orderedWalk(
  q: Queryable,
  p: SqlParams,
  scope: string[],
  filters: string[],
  after: string | undefined,
  keys: string,
  limit: number,
  rowColumns: string[],
): Promise<PageRow[] | undefined> {
  const range = [...scope, ...(after ? [after] : [])].join(' AND ');
  // one type (the scope fixes it), so id order is the index order; the checks cannot move below the LIMIT
  const walked = `SELECT ${['r.resource_type', 'r.id', ...rowColumns].join(', ')} FROM resource r WHERE ${range} ORDER BY r.resource_type, r.id LIMIT ${p.add(WALK_BUDGET)}`;
  const { rows } = await q.query<PageRow>(
    `SELECT r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content, ${keys}
     FROM (SELECT r.resource_type, r.id FROM (${walked}) r WHERE ${filters.map(perRow).join(' AND ')}
           ORDER BY r.id LIMIT ${p.add(limit)}) h
     JOIN resource r ON r.resource_type = h.resource_type AND r.id = h.id
     ORDER BY r.resource_type, r.id`,
    p.values,
  );
  return rows.length >= limit ? rows : undefined;
}
