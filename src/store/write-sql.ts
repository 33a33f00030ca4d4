import { INDEX_KINDS, INDEX_TABLES, type IndexKind } from './indexing/index-tables.ts';
import { outboxCte } from './subscription-outbox-sql.ts';

/** Parameters $1..$7: the versions (type, id, version, lastUpdated, deleted, method, content). */
const VERSION_PARAMS = 7;

/** What a write statement has to do besides writing the versions. */
export interface WriteShape {
  /** Index tables that get new rows, in INDEX_KINDS order: their columns follow $7. */
  inserts: IndexKind[];
  /** Whether some written resource may already have index rows (an update or delete of a live one). */
  replaces: boolean;
}

function insertCte(kind: IndexKind, start: number): string {
  const { table, columns } = INDEX_TABLES[kind];
  const names = Object.keys(columns);
  const arrays = [`$${start}::text[]`, `$${start + 1}::text[]`, ...names.map((name, i) => `$${start + 2 + i}::${columns[name as keyof typeof columns]}[]`)];
  return `new_${kind} AS (
  INSERT INTO ${table} (resource_type, id, ${names.join(', ')})
  SELECT x.resource_type, x.id, ${names.map((n) => `x.${n}`).join(', ')}
  FROM unnest(${arrays.join(', ')}) AS x(resource_type, id, ${names.join(', ')})
  JOIN cur ON cur.resource_type = x.resource_type AND cur.id = x.id
)`;
}

function deleteCte(kind: IndexKind): string {
  return `old_${kind} AS (
  DELETE FROM ${INDEX_TABLES[kind].table} s USING cur WHERE s.resource_type = cur.resource_type AND s.id = cur.id
)`;
}

/**
 * Writes a set of new versions in one statement: the current rows (only where the stored version
 * is still the one the new version follows), their history rows, and their search index rows, so
 * a resource and its index never disagree. Old index rows are deleted from every table only when
 * a live resource is replaced (a first version has none: a deleted resource's were removed with
 * it), and only the tables with new rows get an INSERT: a batch of creates costs no index probes.
 * Parameters: $1..$7 the versions, then per table in `shape.inserts` the owners' types and ids
 * and one array per column (IndexColumns.params). Statements are built once per shape.
 */
export function writeVersionsSql(shape: WriteShape): string {
  const key = `${shape.replaces ? 'r' : 'c'}:${shape.inserts.join(',')}`;
  let sql = statements.get(key);
  if (sql) return sql;
  let next = VERSION_PARAMS + 1;
  const ctes: string[] = [];
  if (shape.replaces) ctes.push(...INDEX_KINDS.map(deleteCte));
  for (const kind of shape.inserts) {
    ctes.push(insertCte(kind, next));
    next += 2 + Object.keys(INDEX_TABLES[kind].columns).length;
  }
  sql = `
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
${outboxCte()}${ctes.map((c) => `,\n${c}`).join('')}
SELECT count(*)::int AS written FROM cur`;
  statements.set(key, sql);
  return sql;
}

const statements = new Map<string, string>();
