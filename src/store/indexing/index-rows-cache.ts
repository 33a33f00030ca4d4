import { INDEX_KINDS, INDEX_TABLES, emptyIndexRows, type IndexKind, type IndexRow, type IndexRows } from './index-tables.ts';

/** A version's index rows by kind, each keyed by its column values (duplicates collapse). */
export type KeyedRows = { [K in IndexKind]: Map<string, IndexRow<K>> };

/** Below this many index rows a resource is not remembered: diffing it in the database costs little. */
export const LARGE_RESOURCE_ROWS = 64;
/** Index rows remembered in all, least recently written first out (a few hundred bytes each with its key: tens of MB at most). */
const DEFAULT_MAX_ROWS = 200_000;

/** The row's column values as one unambiguous text: each value prefixed by its length, NULL as `~`. */
function rowKey(names: readonly string[], row: Record<string, unknown>): string {
  let key = '';
  for (const n of names) {
    const v = row[n];
    if (v === null || v === undefined) key += '~';
    else {
      const text = String(v);
      key += `${text.length}:${text}`;
    }
  }
  return key;
}

export function keyedRows(rows: IndexRows): KeyedRows {
  const out = {} as Record<IndexKind, Map<string, unknown>>;
  for (const kind of INDEX_KINDS) {
    const names = Object.keys(INDEX_TABLES[kind].columns);
    const map = new Map<string, unknown>();
    for (const row of rows[kind] as Record<string, unknown>[]) map.set(rowKey(names, row), row);
    out[kind] = map;
  }
  return out as KeyedRows;
}

function rowCount(rows: KeyedRows): number {
  return INDEX_KINDS.reduce((n, kind) => n + rows[kind].size, 0);
}

/** Whether a version's rows are many enough to be remembered (and so worth keying). */
export function isLarge(rows: IndexRows): boolean {
  return INDEX_KINDS.reduce((n, kind) => n + rows[kind].length, 0) >= LARGE_RESOURCE_ROWS;
}

/** What turns the stored rows `before` into `after`: the rows to add and the rows to delete (each once). */
export function rowsDiff(before: KeyedRows, after: KeyedRows): { added: IndexRows; gone: IndexRows } {
  const added = emptyIndexRows() as Record<IndexKind, unknown[]>;
  const gone = emptyIndexRows() as Record<IndexKind, unknown[]>;
  for (const kind of INDEX_KINDS) {
    const old = before[kind] as Map<string, unknown>;
    const now = after[kind] as Map<string, unknown>;
    for (const [key, row] of now) if (!old.has(key)) added[kind].push(row);
    for (const [key, row] of old) if (!now.has(key)) gone[kind].push(row);
  }
  return { added: added as IndexRows, gone: gone as IndexRows };
}

/**
 * The index rows of the last version this process wrote of each large resource (an attribution
 * Group of hundreds of members), so that its next update sends only the rows that differ and the
 * database deletes only those, instead of comparing every old row with every new one. Keyed by
 * version: a version written since by anyone else is another key, so a stale entry is never used;
 * an entry is set only once the write is committed. Extraction is fixed for the process's lifetime
 * (the search parameters load at start), and a reindex clears the entries.
 */
export class IndexRowsCache {
  private readonly entries = new Map<string, { version: number; rows: KeyedRows; size: number }>();
  private total = 0;

  constructor(private readonly maxRows = DEFAULT_MAX_ROWS) {}

  get(resourceType: string, id: string, version: number): KeyedRows | undefined {
    const entry = this.entries.get(`${resourceType}/${id}`);
    return entry?.version === version ? entry.rows : undefined;
  }

  set(resourceType: string, id: string, version: number, rows: KeyedRows): void {
    const key = `${resourceType}/${id}`;
    this.drop(key);
    const size = rowCount(rows);
    if (size < LARGE_RESOURCE_ROWS || size > this.maxRows) return;
    this.entries.set(key, { version, rows, size });
    this.total += size;
    for (const oldest of this.entries.keys()) {
      if (this.total <= this.maxRows) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
