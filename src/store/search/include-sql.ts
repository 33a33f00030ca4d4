import type { IncludeSpec, StoredResource } from '../../fhir/repository.ts';
import type { Queryable } from '../database.ts';
import { lastUpdatedSql } from '../sql-fragments.ts';
import type { Visibility } from './criterion-sql.ts';
import { SqlParams } from './sql-params.ts';
import { type CurrentRow, toStored } from './stored-row.ts';

/** `:iterate` rounds at most (search.html#revinclude: a server may limit iteration). */
const MAX_ROUNDS = 3;
/** Included resources at most per page, so one search cannot pull a whole database. */
const MAX_INCLUDED = 1000;

/**
 * `_include` / `_revinclude` (search.html#include): one statement per round for every spec; the
 * next round (`:iterate` specs only) starts from what the previous one added. Resources already
 * in the result are not repeated; types the caller may not read are left out.
 */
export async function includedResources(
  q: Queryable,
  matches: StoredResource[],
  specs: IncludeSpec[],
  canRead: (type: string) => boolean,
  visible?: Visibility,
): Promise<StoredResource[]> {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: StoredResource[] = [];
  let base = matches;
  for (let round = 0; round < MAX_ROUNDS && base.length > 0 && included.length < MAX_INCLUDED; round++) {
    const active = round === 0 ? specs : specs.filter((s) => s.iterate);
    if (active.length === 0) break;
    const p = new SqlParams();
    const types = p.add(base.map((r) => r.resourceType));
    const ids = p.add(base.map((r) => r.id));
    const parts = active.map((s) => {
      const conditions: string[] = [];
      if (s.sourceType !== '*') conditions.push(`x.resource_type = ${p.add(s.sourceType)}`);
      if (s.param !== '*') conditions.push(`x.param = ${p.add(s.param)}`);
      if (s.targetType) conditions.push(`x.target_type = ${p.add(s.targetType)}`);
      const filter = conditions.length > 0 ? `AND ${conditions.join(' AND ')}` : '';
      return s.reverse
        ? `SELECT x.resource_type AS t, x.id AS i FROM search_reference x JOIN base b ON x.target_type = b.t AND x.target_id = b.i WHERE true ${filter}`
        : `SELECT x.target_type AS t, x.target_id AS i FROM search_reference x JOIN base b ON x.resource_type = b.t AND x.id = b.i WHERE x.target_id IS NOT NULL ${filter}`;
    });
    const access = visible?.({ type: 'r.resource_type', id: 'r.id', row: 'r' }, p);
    const { rows } = await q.query<CurrentRow>(
      `WITH base AS (SELECT * FROM unnest(${types}::text[], ${ids}::text[]) AS b(t, i)),
       refs AS (${parts.join(' UNION ')})
       SELECT r.resource_type, r.id, r.version_id, ${lastUpdatedSql('r.last_updated')} AS last_updated, r.content
       FROM refs JOIN resource r ON r.resource_type = refs.t AND r.id = refs.i
       WHERE NOT r.deleted${access ? ` AND ${access}` : ''} LIMIT ${p.add(MAX_INCLUDED + seen.size)}`,
      p.values,
    );
    const added = rows
      .filter((r) => canRead(r.resource_type) && !seen.has(`${r.resource_type}/${r.id}`) && !!seen.add(`${r.resource_type}/${r.id}`))
      .map(toStored);
    included.push(...added);
    base = added;
  }
  return included.slice(0, MAX_INCLUDED);
}
