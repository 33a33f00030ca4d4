import { INDEX_KINDS, INDEX_TABLES, type IndexKind, type IndexRows } from './index-tables.ts';

/**
 * The index rows of a whole write as column arrays, the shape `unnest($1::text[], ...)` takes:
 * per index table, the owning resources' types and ids, then one array per column.
 */
export class IndexColumns {
  private readonly columns = new Map<IndexKind, unknown[][]>(
    INDEX_KINDS.map((kind) => [kind, [[], [], ...Object.keys(INDEX_TABLES[kind].columns).map(() => [])]]),
  );

  push(resourceType: string, id: string, rows: IndexRows): void {
    for (const kind of INDEX_KINDS) {
      const cols = this.columns.get(kind) ?? [];
      const names = Object.keys(INDEX_TABLES[kind].columns);
      for (const row of rows[kind] as Record<string, unknown>[]) {
        cols[0].push(resourceType);
        cols[1].push(id);
        names.forEach((name, i) => cols[i + 2].push(row[name] ?? null));
      }
    }
  }

  /** The tables that have at least one row, in INDEX_TABLES order. */
  filledKinds(): IndexKind[] {
    return INDEX_KINDS.filter((kind) => (this.columns.get(kind)?.[0].length ?? 0) > 0);
  }

  /** The SQL parameters of the given tables (default: all), in INDEX_TABLES order. */
  params(kinds: readonly IndexKind[] = INDEX_KINDS): unknown[][] {
    return kinds.flatMap((kind) => this.columns.get(kind) ?? []);
  }

  /**
   * The same parameters with each column as one text (joinedColumn), or undefined when some value
   * holds one of the two control characters that text uses (possible only in a resource written
   * without validation, which refuses control characters in strings).
   */
  joinedParams(kinds: readonly IndexKind[]): string[] | undefined {
    const out: string[] = [];
    for (const column of this.params(kinds)) {
      const joined = joinedColumn(column);
      if (joined === undefined) return undefined;
      out.push(joined);
    }
    return out;
  }
}

/** Ends each value of a joined column. */
export const VALUE_END = '\u0001';
/** Stands for NULL in a joined column. */
export const NULL_VALUE = '\u0002';

/**
 * A column's values as one text, each followed by VALUE_END (NULL as NULL_VALUE), for
 * `string_to_array` (write-sql.ts): sent as a text[], every element was quoted and
 * backslash-escaped by the driver (5 % of the server's CPU in the assignment benchmark, the
 * attribution Groups' hundreds of member references) and parsed back by PostgreSQL's array_in.
 */
export function joinedColumn(values: unknown[]): string | undefined {
  const parts: string[] = [];
  for (const v of values) {
    if (v === null || v === undefined) {
      parts.push(NULL_VALUE);
      continue;
    }
    const text = String(v);
    if (text.includes(VALUE_END) || text.includes(NULL_VALUE)) return undefined;
    parts.push(text);
  }
  return parts.length === 0 ? '' : `${parts.join(VALUE_END)}${VALUE_END}`;
}
