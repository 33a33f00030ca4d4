import type { SearchCriterion, SearchQuery, SearchResult } from '../fhir/repository.ts';
import type { DateValue } from '../fhir/search/date-prefix.ts';
import type { Queryable } from './database.ts';
import { lastUpdatedSql } from './sql-fragments.ts';

/**
 * Search over the current resources: every criterion AND-ed, its values OR-ed.
 * Set-based: one count and one page query, whatever the number of criteria.
 */
export async function searchResources(q: Queryable, query: SearchQuery): Promise<SearchResult> {
  const params: unknown[] = [query.resourceType];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['r.resource_type = $1', 'NOT r.deleted'];
  for (const c of query.criteria) where.push(criterionSql(c, p));
  const filter = where.join(' AND ');
  const total = query.total === false
    ? undefined
    : Number((await q.query<{ total: string | number }>(`SELECT count(*) AS total FROM resource r WHERE ${filter}`, params)).rows[0]?.total ?? 0);
  if (query.count === 0) return { total, resources: [], more: (total ?? 0) > query.offset };
  const limit = p(query.count + 1);
  const offset = p(query.offset);
  const columns = { _lastUpdated: 'r.last_updated', _id: 'r.id' };
  const sort = (query.sort ?? []).map((k) => `${columns[k.key]}${k.descending ? ' DESC' : ''}`);
  // the id last keeps the order stable between pages when sort keys tie
  if (!(query.sort ?? []).some((k) => k.key === '_id')) sort.push('r.id');
  const { rows } = await q.query<{ id: string; version_id: number; last_updated: string; content: string }>(
    `SELECT r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content
     FROM resource r WHERE ${filter} ORDER BY ${sort.join(', ')} LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
  return {
    total,
    more: rows.length > query.count,
    resources: rows.slice(0, query.count).map((r) => ({
      resourceType: query.resourceType,
      id: r.id,
      versionId: r.version_id,
      lastUpdated: r.last_updated,
      deleted: false,
      json: r.content,
    })),
  };
}

function criterionSql(c: SearchCriterion, p: (v: unknown) => string): string {
  if (c.kind === 'id') return `r.id = ANY(${p(c.ids)}::text[])`;
  if (c.kind === 'reference') {
    const alternatives = c.values.map((v) => {
      if (v.url !== undefined) return `(left(x.url, 200) = left(${p(v.url)}, 200) AND x.url = ${p(v.url)})`;
      const parts = [`x.target_id = ${p(v.targetId)}`];
      if (v.targetType !== undefined) parts.push(`x.target_type = ${p(v.targetType)}`);
      return `(${parts.join(' AND ')})`;
    });
    return `EXISTS (SELECT 1 FROM search_reference x WHERE x.resource_type = r.resource_type AND x.id = r.id
      AND x.param = ${p(c.param)} AND (${alternatives.join(' OR ')}))`;
  }
  if (c.kind === 'lastUpdated') return `(${c.values.map((v) => instantCondition('r.last_updated', v, p)).join(' OR ')})`;
  const alternatives = c.values.map((v) => {
    const parts: string[] = [];
    // left(...) matches the index expression (migration 001); the full comparison keeps it exact.
    if (v.code !== undefined) {
      const code = p(v.code);
      parts.push(`left(t.code, 200) = left(${code}, 200) AND t.code = ${code}`);
    }
    if (v.system !== undefined) {
      const system = v.system === '' ? undefined : p(v.system);
      parts.push(system ? `left(t.system, 200) = left(${system}, 200) AND t.system = ${system}` : 't.system IS NULL');
    }
    return parts.length > 0 ? `(${parts.join(' AND ')})` : 'true';
  });
  return `EXISTS (SELECT 1 FROM search_token t WHERE t.resource_type = r.resource_type AND t.id = r.id
    AND t.param = ${p(c.param)} AND (${alternatives.join(' OR ')}))`;
}

/**
 * A prefixed date range against a stored instant t (search.html#prefix): t's own range is a
 * single point, so eq = within [start, end), gt/sa = at or after end, lt/eb = before start.
 */
function instantCondition(column: string, v: DateValue, p: (v: unknown) => string): string {
  // parameters are bound only where used: an unused one is an error on PostgreSQL
  const start = () => `${p(v.start)}::timestamptz`;
  const end = () => `${p(v.end)}::timestamptz`;
  switch (v.prefix) {
    case 'ne':
      return `NOT (${column} >= ${start()} AND ${column} < ${end()})`;
    case 'gt':
    case 'sa':
      return `${column} >= ${end()}`;
    case 'lt':
    case 'eb':
      return `${column} < ${start()}`;
    case 'ge':
      return `${column} >= ${start()}`;
    case 'le':
      return `${column} < ${end()}`;
    default:
      return `(${column} >= ${start()} AND ${column} < ${end()})`;
  }
}
