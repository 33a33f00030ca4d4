/**
 * Writes a set of new versions in one statement: the current rows (only where the stored version
 * is still the one the new version follows), their history rows, and their search index rows
 * (old ones deleted, new ones inserted), so a resource and its index never disagree.
 * Parameters: $1..$7 versions (type, id, version, lastUpdated, deleted, method, content);
 * $8..$12 token rows (type, id, param, system, code);
 * $13..$18 reference rows (type, id, param, target type, target id, url).
 */
export const WRITE_VERSIONS_SQL = `
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
old_tokens AS (
  DELETE FROM search_token s USING cur WHERE s.resource_type = cur.resource_type AND s.id = cur.id
),
new_tokens AS (
  INSERT INTO search_token (resource_type, id, param, system, code)
  SELECT x.resource_type, x.id, x.param, x.system, x.code
  FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[]) AS x(resource_type, id, param, system, code)
  JOIN cur ON cur.resource_type = x.resource_type AND cur.id = x.id
),
old_references AS (
  DELETE FROM search_reference s USING cur WHERE s.resource_type = cur.resource_type AND s.id = cur.id
),
new_references AS (
  INSERT INTO search_reference (resource_type, id, param, target_type, target_id, url)
  SELECT x.resource_type, x.id, x.param, x.target_type, x.target_id, x.url
  FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
    AS x(resource_type, id, param, target_type, target_id, url)
  JOIN cur ON cur.resource_type = x.resource_type AND cur.id = x.id
)
SELECT count(*)::int AS written FROM cur`;
