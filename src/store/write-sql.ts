import { NULL_VALUE, VALUE_END, joinedColumn } from './indexing/index-columns.ts';
import { INDEX_KINDS, INDEX_TABLES, type IndexKind } from './indexing/index-tables.ts';
import { outboxCte } from './subscription-outbox-sql.ts';

/**
 * Parameters $1..$8: the versions (type, id, version, lastUpdated, deleted, method, contents: see
 * joinContents, and whether the version's index rows come as a difference: WriteShape.gone).
 */
const VERSION_PARAMS = 8;

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
  /** Index tables that get new rows, in INDEX_KINDS order: their columns follow $8. */
  inserts: IndexKind[];
  /**
   * Index tables with rows to delete by value, in INDEX_KINDS order (their columns follow the
   * inserts'): the rows of a replaced version that the new one drops, for the versions flagged in
   * $8, whose inserts are only the rows they add (IndexRowsCache). The stored rows of the other
   * replaced versions are compared with their new rows in the statement.
   */
  gone: IndexKind[];
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

/** Index rows of a kind (`in_` new ones, `gone_in_` ones to delete), from the statement's column parameters. */
function inputCte(kind: IndexKind, start: number, joined: boolean, prefix = 'in'): string {
  const { columns } = INDEX_TABLES[kind];
  const names = columnNames(kind);
  const arrays = [columnArray(start, 'text', joined), columnArray(start + 1, 'text', joined), ...names.map((name, i) => columnArray(start + 2 + i, columns[name as keyof typeof columns], joined))];
  return `${prefix}_${kind} AS (
  SELECT * FROM unnest(${arrays.join(', ')}) AS x(resource_type, id, ${names.join(', ')})
)`;
}

/** Inserts the new rows of the written resources; when some replace a live version, only those it does not hold already. */
function insertCte(kind: IndexKind, replaces: boolean): string {
  const { table } = INDEX_TABLES[kind];
  const names = columnNames(kind);
  const unchanged = replaces
    ? `
  WHERE (${rowKey(kind, 'x')}) NOT IN (SELECT ${rowKey(kind, 's')} FROM ${table} s JOIN replaced ON s.resource_type = replaced.resource_type AND s.id = replaced.id)`
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
  DELETE FROM ${INDEX_TABLES[kind].table} s USING replaced WHERE s.resource_type = replaced.resource_type AND s.id = replaced.id${unchanged}
)`;
}

/** Deletes the rows a version given as a difference drops, by value (only the written versions'). */
function goneCte(kind: IndexKind): string {
  return `gone_${kind} AS (
  DELETE FROM ${INDEX_TABLES[kind].table} s USING gone_in_${kind} g JOIN cur ON cur.resource_type = g.resource_type AND cur.id = g.id
  WHERE s.resource_type = g.resource_type AND s.id = g.id AND (${rowKey(kind, 's')}) = (${rowKey(kind, 'g')})
)`;
}

/** The written versions whose stored index rows the statement compares with the new ones (not given as a difference). */
const REPLACED_CTE = `replaced AS (
  SELECT i.resource_type, i.id FROM input i JOIN cur ON cur.resource_type = i.resource_type AND cur.id = i.id WHERE NOT i.delta
)`;

/**
 * Writes a set of new versions in one statement: the current rows (only where the stored version
 * is still the one the new version follows), their history rows, and their search index rows, so
 * a resource and its index never disagree. Old index rows are deleted from every table only when
 * a live resource is replaced (a first version has none: a deleted resource's were removed with
 * it), and only the tables with new rows get an INSERT: a batch of creates costs no index probes.
 * An update touches only the index rows that differ between the versions (both sides compared as
 * hashed sets in the same snapshot): a Group gaining one member of 500 writes one reference row,
 * not 500 deletions and 501 insertions, which also spares the WAL and the indexes' bloat.
 * A version whose previous rows this process knows (IndexRowsCache) comes as a difference instead:
 * the rows it adds and the rows it drops, so that a Group gaining one member reads none of the 500.
 * Parameters: $1..$8 the versions, then per table in `shape.inserts` the owners' types and ids
 * and one array per column (IndexColumns.params), then the same for `shape.gone`. Statements are
 * built once per shape.
 */
export function writeVersionsSql(shape: WriteShape): string {
  const key = `${shape.replaces ? 'r' : 'c'}${shape.joined ? 'j' : 'a'}${shape.checked ? 'k' : 'u'}:${shape.inserts.join(',')}:${shape.gone.join(',')}`;
  if (shape.gone.length > 0 && !shape.replaces) throw new Error('write: rows to delete by value, but no version replaced');
  let sql = statements.get(key);
  if (sql) return sql;
  let next = VERSION_PARAMS + 1;
  const ctes: string[] = [];
  for (const kind of shape.inserts) {
    ctes.push(inputCte(kind, next, shape.joined));
    next += 2 + columnNames(kind).length;
  }
  for (const kind of shape.gone) {
    ctes.push(inputCte(kind, next, shape.joined, 'gone_in'));
    next += 2 + columnNames(kind).length;
  }
  if (shape.replaces) ctes.push(REPLACED_CTE, ...INDEX_KINDS.map((kind) => deleteCte(kind, shape.inserts.includes(kind))), ...shape.gone.map(goneCte));
  ctes.push(...shape.inserts.map((kind) => insertCte(kind, shape.replaces)));
  sql = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $5::bool[], $6::text[], ${columnArray(7, 'text', true)}, $8::bool[])
    WITH ORDINALITY AS t(resource_type, id, version_id, deleted, method, content, delta, ord)
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
