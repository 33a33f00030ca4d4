import type { SearchQuery } from '../../fhir/repository.ts';
import type { Queryable } from '../database.ts';
import { lastUpdatedSql } from '../sql-fragments.ts';
import { criterionSql, type Owner, type Visibility } from './criterion-sql.ts';
import { perRow } from './driven-page.ts';
import { SqlParams } from './sql-params.ts';
import type { PageRow } from './stored-row.ts';

/**
 * A page sorted by one date parameter (`_sort=date` / `_sort=-date`), read from the search_date
 * index in key order and stopped at a full page, instead of computing every resource's key and
 * sorting them all. A resource's key is its smallest start ascending and its largest end
 * descending (sort-sql.ts); a resource with several values is taken at the row holding its key.
 * The other conditions are checked per row, so the caller uses this only when they are broad.
 * Returns undefined when the indexed values run out before the page is full: the rest of the
 * order (resources without a value, last) is the generic query's.
 */
export async function dateSortedPage(
  q: Queryable,
  query: SearchQuery,
  visible: Visibility | undefined,
  after: (string | null)[] | undefined,
  limit: number,
): Promise<PageRow[] | undefined> {
  const key = query.sort![0];
  const type = query.resourceType;
  const p = new SqlParams();
  const column = key.descending ? 'end_at' : 'start_at';
  const beyond = key.descending ? '<' : '>';
  const d = 'd';
  const conditions = [`${d}.resource_type = ${p.add(type)}`, `${d}.param = ${p.add(key.param)}`];
  if (after) {
    const k = `${p.add(after[0])}::timestamptz`;
    conditions.push(`(${d}.${column} ${beyond} ${k} OR (${d}.${column} = ${k} AND ${d}.id > ${p.add(after[2])}))`);
  }
  // the row holding the resource's key: no other value of it sorts earlier
  const earlier = key.descending ? '>' : '<';
  conditions.push(perRow(`NOT EXISTS (SELECT 1 FROM search_date o WHERE o.resource_type = ${d}.resource_type AND o.id = ${d}.id
    AND o.param = ${d}.param AND o.${column} ${earlier} ${d}.${column})`));
  const owner: Owner = { type: `${d}.resource_type`, id: `${d}.id` };
  const access = visible?.(owner, p, type);
  if (access) conditions.push(perRow(access));
  for (const c of query.criteria) conditions.push(perRow(criterionSql(c, owner, p, visible)));
  const direction = key.descending ? ' DESC' : '';
  const { rows } = await q.query<PageRow>(
    `SELECT r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content,
       (m.k)::text AS k0, (r.resource_type)::text AS k1, (r.id)::text AS k2
     FROM (SELECT ${d}.${column} AS k, ${d}.id FROM search_date ${d} WHERE ${conditions.join(' AND ')}
           ORDER BY k${direction}, ${d}.id LIMIT ${p.add(limit)}) m
     JOIN resource r ON r.resource_type = ${p.add(type)} AND r.id = m.id
     ORDER BY m.k${direction}, r.id`,
    p.values,
  );
  // a resource holding its key twice (two equal values) comes twice: the page is then short, and
  // left to the generic query (DISTINCT here would make PostgreSQL sort every row first)
  const unique = rows.filter((r, i) => i === 0 || r.id !== rows[i - 1].id);
  return unique.length >= limit ? unique : undefined;
}
