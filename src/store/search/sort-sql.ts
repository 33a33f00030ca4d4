import type { SortKey } from '../../fhir/search/criteria.ts';
import { INDEX_TABLES } from '../indexing/index-tables.ts';
import type { SqlParams } from './sql-params.ts';

/** The index column a parameter type sorts by, and its SQL type (for cursor values). */
const SORT_COLUMNS: Record<string, { asc: string; desc: string; cast: string }> = {
  string: { asc: 'min(value)', desc: 'max(value)', cast: 'text' },
  token: { asc: 'min(code)', desc: 'max(code)', cast: 'text' },
  // a range sorts by its start ascending, by its end descending (latest first)
  date: { asc: 'min(start_at)', desc: 'max(end_at)', cast: 'timestamptz' },
  number: { asc: 'min(value)', desc: 'max(value)', cast: 'numeric' },
  quantity: { asc: 'min(value)', desc: 'max(value)', cast: 'numeric' },
  uri: { asc: 'min(uri)', desc: 'max(uri)', cast: 'text' },
  reference: { asc: 'min(target_id)', desc: 'max(target_id)', cast: 'text' },
};

export interface SortColumn {
  /** SQL expression on the resource row `r`. */
  expression: string;
  /** SQL type of the value, to cast a cursor value back. */
  cast: string;
  descending: boolean;
  /** Resources without a value come first (a parameter's value: only when a previous page is read backwards). */
  nullsFirst: boolean;
  /** A column of the resource row, never null. */
  notNull?: boolean;
}

/**
 * `_sort` keys as SQL expressions (search.html#sort): a parameter sorts by its smallest value
 * ascending and its largest descending; resources without a value sort last either way.
 * The resource type and id always end the order, so it is total and pages never overlap.
 */
export function sortColumns(keys: SortKey[], p: SqlParams): SortColumn[] {
  const columns = keys.map((k): SortColumn => {
    // never null: PostgreSQL's default placement, which its indexes are read in
    if (k.paramType === 'id') return { expression: 'r.id', cast: 'text', descending: k.descending, nullsFirst: k.descending, notNull: true };
    if (k.paramType === 'lastUpdated') {
      return { expression: 'r.last_updated', cast: 'timestamptz', descending: k.descending, nullsFirst: k.descending, notNull: true };
    }
    const spec = SORT_COLUMNS[k.paramType];
    const table = INDEX_TABLES[k.paramType].table;
    const alias = p.alias('o');
    return {
      expression: `(SELECT ${k.descending ? spec.desc : spec.asc} FROM ${table} ${alias}
        WHERE ${alias}.resource_type = r.resource_type AND ${alias}.id = r.id AND ${alias}.param = ${p.add(k.param)})`,
      cast: spec.cast,
      descending: k.descending,
      nullsFirst: false,
    };
  });
  if (!keys.some((k) => k.paramType === 'id')) {
    columns.push(
      { expression: 'r.resource_type', cast: 'text', descending: false, nullsFirst: false, notNull: true },
      { expression: 'r.id', cast: 'text', descending: false, nullsFirst: false, notNull: true },
    );
  }
  return columns;
}

/** The same order read backwards (a previous page): every direction and null placement flipped. */
export function reversed(columns: SortColumn[]): SortColumn[] {
  return columns.map((c) => ({ ...c, descending: !c.descending, nullsFirst: !c.nullsFirst }));
}

/** A column's ORDER BY term (the null placement spelled out only where it is not the default). */
export function orderTerm(c: SortColumn): string {
  const nulls = c.nullsFirst === c.descending ? '' : c.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
  return `${c.expression}${c.descending ? ' DESC' : ''}${nulls}`;
}
