import { INDEX_KINDS, INDEX_TABLES } from './indexing/index-tables.ts';

/** Parameters $1..$7: the versions (type, id, version, lastUpdated, deleted, method, content). */
const VERSION_PARAMS = 7;

/** Where each index table's parameters start: type, id, then one array per column. */
function indexParamOffsets(): Map<string, number> {
  const offsets = new Map<string, number>();
  let next = VERSION_PARAMS + 1;
  for (const kind of INDEX_KINDS) {
    offsets.set(kind, next);
    next += 2 + Object.keys(INDEX_TABLES[kind].columns).length;
  }
  return offsets;
}

function indexCtes(): string {
  const offsets = indexParamOffsets();
  return INDEX_KINDS.map((kind) => {
    const { table, columns } = INDEX_TABLES[kind];
    const names = Object.keys(columns);
    const start = offsets.get(kind) ?? 0;
    const arrays = [`$${start}::text[]`, `$${start + 1}::text[]`, ...names.map((name, i) => `$${start + 2 + i}::${columns[name as keyof typeof columns]}[]`)];
    return `old_${kind} AS (
  DELETE FROM ${table} s USING cur WHERE s.resource_type = cur.resource_type AND s.id = cur.id
),
new_${kind} AS (
  INSERT INTO ${table} (resource_type, id, ${names.join(', ')})
  SELECT x.resource_type, x.id, ${names.map((n) => `x.${n}`).join(', ')}
  FROM unnest(${arrays.join(', ')}) AS x(resource_type, id, ${names.join(', ')})
  JOIN cur ON cur.resource_type = x.resource_type AND cur.id = x.id
)`;
  }).join(',\n');
}

/**
 * Writes a set of new versions in one statement: the current rows (only where the stored version
 * is still the one the new version follows), their history rows, and their search index rows in
 * every index table (old ones deleted, new ones inserted), so a resource and its index never
 * disagree. Parameters: $1..$7 the versions, then per index table (INDEX_TABLES order) the
 * owners' types and ids and one array per column.
 */
export const WRITE_VERSIONS_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $5::bool[], $6::text[], $7::text[])
    WITH ORDINALITY AS t(resource_type, id, version_id, deleted, method, content, ord)
),
cur AS (
  INSERT INTO resource AS r (resource_type, id, version_id, last_updated, deleted, content)
  SELECT resource_type, id, version_id, $4::timestamptz, deleted, content FROM input
  ON CONFLICT (resource_type, id) DO UPDATE
    SET version_id = EXCLUDED.version_id, last_updated = EXCLUDED.last_updated,
        deleted = EXCLUDED.deleted, content = EXCLUDED.content
    WHERE r.version_id = EXCLUDED.version_id - 1
  RETURNING r.resource_type, r.id
),
hist AS (
  INSERT INTO resource_history (resource_type, id, version_id, last_updated, deleted, method, content)
  SELECT i.resource_type, i.id, i.version_id, $4::timestamptz, i.deleted, i.method, i.content
  FROM input i JOIN cur ON cur.resource_type = i.resource_type AND cur.id = i.id
  ORDER BY i.ord
),
${indexCtes()}
SELECT count(*)::int AS written FROM cur`;
