import { badRequest } from '../../fhir/outcome.ts';
import type { SortColumn } from './sort-sql.ts';
import type { SqlParams } from './sql-params.ts';

/**
 * Keyset paging (search.html#paging). A page link carries the sort values of the row it
 * continues from, so a next/previous page starts exactly after/before that row whatever was
 * written meanwhile: nothing is skipped or repeated because earlier rows were inserted or deleted
 * (offsets would shift). A backward cursor reads the reversed order and flips the rows back.
 */
export interface Cursor {
  /** The sort values (as text, null where missing) of the row to continue from. */
  values: (string | null)[];
  backward: boolean;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.backward ? 1 : 0, ...cursor.values])).toString('base64url');
}

export function decodeCursor(text: string, columns: number): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== columns + 1 || !parsed.slice(1).every((v) => v === null || typeof v === 'string')) {
    throw badRequest('Invalid _cursor: use the next/previous links of a search result as given (the sort may not change between pages)', ['_cursor']);
  }
  return { backward: parsed[0] === 1, values: parsed.slice(1) as (string | null)[] };
}

/**
 * Rows strictly after the cursor in the order of `columns`, nulls placed as each column says. The
 * trailing never-null columns of one direction (type and id, always) compare as one row value,
 * `(type, id) > ($1, $2)`, which an index reads as a range instead of re-reading what went before.
 */
export function afterCursor(columns: SortColumn[], values: (string | null)[], p: SqlParams): string {
  let tail = columns.length;
  while (tail > 0 && columns[tail - 1].notNull && values[tail - 1] !== null && columns[tail - 1].descending === columns[columns.length - 1].descending) tail--;
  if (columns.length - tail < 2) tail = columns.length;
  const alternatives: string[] = [];
  const equal: string[] = [];
  columns.slice(0, tail).forEach((col, i) => {
    const v = values[i];
    const k = col.expression;
    const param = v === null ? '' : `${p.add(v)}::${col.cast}`;
    let later: string;
    const beyond = col.descending ? `${k} < ${param}` : `${k} > ${param}`;
    if (v === null) later = col.nullsFirst ? `${k} IS NOT NULL` : 'false';
    else later = col.nullsFirst ? beyond : `(${beyond} OR ${k} IS NULL)`;
    alternatives.push(equal.length > 0 ? `(${equal.join(' AND ')} AND ${later})` : later);
    equal.push(v === null ? `${k} IS NULL` : `${k} = ${param}`);
  });
  if (tail < columns.length) {
    const rest = columns.slice(tail);
    const row = (xs: string[]) => `(${xs.join(', ')})`;
    const later = `${row(rest.map((c) => c.expression))} ${rest[0].descending ? '<' : '>'} ${row(rest.map((c, i) => `${p.add(values[tail + i])}::${c.cast}`))}`;
    alternatives.push(equal.length > 0 ? `(${equal.join(' AND ')} AND ${later})` : later);
  }
  return `(${alternatives.join(' OR ')})`;
}
