import { INDEX_KINDS, INDEX_TABLES } from './indexing/index-tables.ts';

/**
 * Rewrites the search index rows of a set of current resources without new versions (after a
 * SearchParameter is added): $1/$2 the resources' types and ids, then per index table
 * (INDEX_TABLES order) the rows' types, ids and one array per column, as the write statement.
 */
export function reindexSql(): string {
  let next = 3;
  const ctes = INDEX_KINDS.map((kind) => {
    const { table, columns } = INDEX_TABLES[kind];
    const names = Object.keys(columns);
    const arrays = [`$${next}::text[]`, `$${next + 1}::text[]`, ...names.map((n, i) => `$${next + 2 + i}::${columns[n as keyof typeof columns]}[]`)];
    next += 2 + names.length;
    return `old_${kind} AS (
  DELETE FROM ${table} s USING targets t WHERE s.resource_type = t.resource_type AND s.id = t.id
),
new_${kind} AS (
  INSERT INTO ${table} (resource_type, id, ${names.join(', ')})
  SELECT * FROM unnest(${arrays.join(', ')})
)`;
  });
  return `WITH targets AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(resource_type, id)),
${ctes.join(',\n')}
SELECT count(*)::int AS n FROM targets`;
}
