import { NULL_VALUE, VALUE_END, joinedColumn } from './indexing/index-columns.ts';
import { INDEX_KINDS, INDEX_TABLES, type IndexKind } from './indexing/index-tables.ts';
import { outboxCte } from './subscription-outbox-sql.ts';

/** Parameters $1..$7: the versions (type, id, version, lastUpdated, deleted, method, contents: see joinContents). */
const VERSION_PARAMS = 7;

/**
 * The versions' JSON texts (null for a delete) as one text parameter (joinedColumn, split back
 * like the index columns): as a text[] each would be quoted and backslash-escaped by the driver and
 * unescaped again by PostgreSQL, character by character: with attribution Groups of 400 members
 * that escaping took 11 % of the server's CPU in the assignment benchmark.
 */
export function joinContents(contents: (string | null)[]): string {
  const joined = joinedColumn(contents);
  // JSON text never holds a raw control character (RFC 8259 §7)
  if (joined === undefined) throw new Error('write: the JSON text of a version holds a raw control character');
  return joined;
}

/** What a write statement has to do besides writing the versions. */
export interface WriteShape {
  /** Index tables that get new rows, in INDEX_KINDS order: their columns follow $7. */
  inserts: IndexKind[];
  /** Whether some written resource may already have index rows (an update or delete of a live one). */
  replaces: boolean;
  /** Index columns sent each as one text (IndexColumns.joinedParams) rather than as arrays. */
  joined: boolean;
  /**
   * The statement locks the stored rows itself (in input order) and writes nothing unless each is
   * still the version the new one follows, live (none for a first version): for writes whose
   * versions are all known beforehand (creates, and updates pinned with If-Match), which then
   * need no statement of their own to lock and read the rows.
   */
  checked: boolean;
}

function columnNames(kind: IndexKind): string[] {
  return Object.keys(INDEX_TABLES[kind].columns);
}

/** A row's identity for comparing old and new index rows: type, id and the columns as row text (NULL-safe, hashable). */
function rowKey(kind: IndexKind, alias: string): string {
  return `${alias}.resource_type, ${alias}.id, ROW(${columnNames(kind).map((n) => `${alias}.${n}`).join(', ')})::text`;
}

/** A parameter holding one column: an array, or a joined text split back into one (its last, empty element dropped). */
function columnArray(n: number, type: string, joined: boolean): string {
  if (!joined) return `$${n}::${type}[]`;
  const split = `trim_array(string_to_array($${n}::text, chr(${VALUE_END.charCodeAt(0)}), chr(${NULL_VALUE.charCodeAt(0)})), 1)`;
  return type === 'text' ? split : `${split}::${type}[]`;
}

/** The new index rows of a kind, from the statement's column parameters. */
function inputCte(kind: IndexKind, start: number, joined: boolean): string {
  const { columns } = INDEX_TABLES[kind];
  const names = columnNames(kind);
  const arrays = [columnArray(start, 'text', joined), columnArray(start + 1, 'text', joined), ...names.map((name, i) => columnArray(start + 2 + i, columns[name as keyof typeof columns], joined))];
  return `in_${kind} AS (
  SELECT * FROM unnest(${arrays.join(', ')}) AS x(resource_type, id, ${names.join(', ')})
)`;
}

/** Inserts the new rows of the written resources; when some replace a live version, only those it does not hold already. */
function insertCte(kind: IndexKind, replaces: boolean): string {
  const { table } = INDEX_TABLES[kind];
  const names = columnNames(kind);
  const unchanged = replaces
    ? `
  WHERE (${rowKey(kind, 'x')}) NOT IN (SELECT ${rowKey(kind, 's')} FROM ${table} s JOIN cur ON s.resource_type = cur.resource_type AND s.id = cur.id)`
    : '';
  return `new_${kind} AS (
  INSERT INTO ${table} (resource_type, id, ${names.join(', ')})
  SELECT x.resource_type, x.id, ${names.map((n) => `x.${n}`).join(', ')}
  FROM in_${kind} x JOIN cur ON cur.resource_type = x.resource_type AND cur.id = x.id${unchanged}
)`;
}

/** Deletes the replaced versions' rows of a kind: all of them, or (`keep`) those the new rows do not repeat. */
function deleteCte(kind: IndexKind, keep: boolean): string {
  const unchanged = keep ? ` AND (${rowKey(kind, 's')}) NOT IN (SELECT ${rowKey(kind, 'x')} FROM in_${kind} x)` : '';
  return `old_${kind} AS (
  DELETE FROM ${INDEX_TABLES[kind].table} s USING cur WHERE s.resource_type = cur.resource_type AND s.id = cur.id${unchanged}
)`;
}

/**
 * Writes a set of new versions in one statement: the current rows (only where the stored version
 * is still the one the new version follows), their history rows, and their search index rows, so
 * a resource and its index never disagree. Old index rows are deleted from every table only when
 * a live resource is replaced (a first version has none: a deleted resource's were removed with
 * it), and only the tables with new rows get an INSERT: a batch of creates costs no index probes.
 * An update touches only the index rows that differ between the versions (both sides compared as
 * hashed sets in the same snapshot): a Group gaining one member of 500 writes one reference row,
 * not 500 deletions and 501 insertions, which also spares the WAL and the indexes' bloat.
 * Parameters: $1..$7 the versions, then per table in `shape.inserts` the owners' types and ids
 * and one array per column (IndexColumns.params). Statements are built once per shape.
 */
export function writeVersionsSql(shape: WriteShape): string {
  const key = `${shape.replaces ? 'r' : 'c'}${shape.joined ? 'j' : 'a'}${shape.checked ? 'k' : 'u'}:${shape.inserts.join(',')}`;
  let sql = statements.get(key);
  if (sql) return sql;
  let next = VERSION_PARAMS + 1;
  const ctes: string[] = [];
  for (const kind of shape.inserts) {
    ctes.push(inputCte(kind, next, shape.joined));
    next += 2 + columnNames(kind).length;
  }
  if (shape.replaces) ctes.push(...INDEX_KINDS.map((kind) => deleteCte(kind, shape.inserts.includes(kind))));
  ctes.push(...shape.inserts.map((kind) => insertCte(kind, shape.replaces)));
  sql = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $5::bool[], $6::text[], ${columnArray(7, 'text', true)})
    WITH ORDINALITY AS t(resource_type, id, version_id, deleted, method, content, ord)
),${shape.checked ? CHECKED_CTE : ''}
cur AS (
  INSERT INTO resource AS r (resource_type, id, version_id, last_updated, deleted, content)
  SELECT resource_type, id, version_id, $4::timestamptz, deleted, content FROM input${shape.checked ? CHECKED_WHERE : ''}
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

/** The stored rows of the written resources, locked in input order (the order callers rely on to avoid deadlocks). */
const CHECKED_CTE = `
locked AS MATERIALIZED (
  SELECT r.resource_type, r.id, r.version_id, r.deleted FROM input i JOIN resource r ON r.resource_type = i.resource_type AND r.id = i.id
  ORDER BY i.ord FOR UPDATE OF r
),`;

/** Nothing is written unless every stored row is the live version the new one follows (an uncorrelated test: evaluated once, before the first row). */
const CHECKED_WHERE = `
  WHERE NOT EXISTS (
    SELECT 1 FROM input i LEFT JOIN locked l ON l.resource_type = i.resource_type AND l.id = i.id
    WHERE CASE WHEN l.id IS NULL THEN i.version_id <> 1 ELSE l.deleted OR l.version_id <> i.version_id - 1 END
  )`;
