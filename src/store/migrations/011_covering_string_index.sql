-- String prefix lookups as index-only scans: the index rows carry the owner's id and the full
-- value (INCLUDE), so a name prefix read for a search page (src/store/search/driven-page.ts,
-- candidatePage) no longer visits the table once per match. Same keys as migration 003, so the
-- same plans; PostgreSQL needs `value` itself in the index to answer left(value, 100) from it.
CREATE INDEX IF NOT EXISTS search_string_prefix_id ON search_string (resource_type, param, left(value, 100) text_pattern_ops) INCLUDE (id, value);
DROP INDEX IF EXISTS search_string_lookup;
