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
  const where = ['NOT r.deleted'];
  if (query.types) {
    if (query.types.length > 0) where.push(`r.resource_type = ANY(${p.add(query.types)}::text[])`);
  } else where.push(`r.resource_type = ${p.add(query.resourceType)}`);
  const owner = { type: 'r.resource_type', id: 'r.id', row: 'r' };
  const access = visible?.(owner, p, query.types ? (query.types.length === 1 ? query.types[0] : undefined) : query.resourceType);
  if (access) where.push(access);
  for (const c of query.criteria) where.push(criterionSql(c, owner, p, visible));

  // Bundle.total (search.html#total): counting every match costs more than the page on a large
  // set, so it is counted only when asked (`_total=accurate`, `_summary=count`, `_count=0`);
  // otherwise it is given when this page holds every match (then it is free), else left out.
  let total: number | undefined;
  if (query.total !== false && (query.exactTotal || query.count === 0)) {
    total = Number((await q.query<{ total: string | number }>(`SELECT count(*) AS total FROM resource r WHERE ${where.join(' AND ')}`, p.values)).rows[0]?.total ?? 0);
  }
  if (query.count === 0) return { total, resources: [], more: total === undefined ? query.total !== false : total > query.offset };

  const columns = sortColumns(query.sort ?? [], p);
  const cursor = query.cursor !== undefined ? decodeCursor(query.cursor, columns.length) : undefined;
  const backward = cursor?.backward ?? false;
  const ordered = backward ? columns.map((c) => ({ ...c, descending: !c.descending })) : columns;
  const pageWhere = [...where];
  if (cursor) pageWhere.push(afterCursor(ordered, cursor.values, p));
  const keys = columns.map((c, i) => `(${c.expression})::text AS k${i}`).join(', ');
  const order = ordered.map((c) => `${c.expression}${c.descending ? ' DESC' : ''}`).join(', ');
  const { rows } = await q.query<PageRow>(
    `SELECT r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content, ${keys}
     FROM resource r WHERE ${pageWhere.join(' AND ')} ORDER BY ${order}
     LIMIT ${p.add(query.count + 1)}${cursor ? '' : ` OFFSET ${p.add(query.offset)}`}`,
    p.values,
  );
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

