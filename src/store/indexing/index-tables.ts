/**
 * The search index tables (migrations 001-003): per table, the columns an index row fills after
 * the owner's resource_type and id, with their SQL types. The write statement and the extractor
 * are both driven by this list, so adding a table is one entry here and one migration.
 */
export const INDEX_TABLES = {
  token: { table: 'search_token', columns: { param: 'text', system: 'text', code: 'text', display: 'text' } },
  reference: { table: 'search_reference', columns: { param: 'text', target_type: 'text', target_id: 'text', url: 'text' } },
  string: { table: 'search_string', columns: { param: 'text', value: 'text', exact: 'text' } },
  date: { table: 'search_date', columns: { param: 'text', start_at: 'timestamptz', end_at: 'timestamptz' } },
  number: { table: 'search_number', columns: { param: 'text', value: 'numeric' } },
  quantity: { table: 'search_quantity', columns: { param: 'text', value: 'numeric', system: 'text', code: 'text', unit: 'text' } },
  uri: { table: 'search_uri', columns: { param: 'text', uri: 'text' } },
} as const;

export type IndexKind = keyof typeof INDEX_TABLES;
export const INDEX_KINDS = Object.keys(INDEX_TABLES) as IndexKind[];

/** One index row of a kind: its column values (null where absent). */
export type IndexRow<K extends IndexKind> = { [C in keyof (typeof INDEX_TABLES)[K]['columns']]: string | number | null };

export type IndexRows = { [K in IndexKind]: IndexRow<K>[] };

export function emptyIndexRows(): IndexRows {
  return { token: [], reference: [], string: [], date: [], number: [], quantity: [], uri: [] };
}
