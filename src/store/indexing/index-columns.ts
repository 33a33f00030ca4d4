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
}
