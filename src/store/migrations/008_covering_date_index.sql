-- The date index rows carry the owner's id (INCLUDE), so a date range read for a search page
-- (src/store/search/driven-page.ts, candidatePage) is an index-only scan: reading a broad range
-- to find that it is broad no longer visits the table. Same keys as 003/004, so the same plans.
CREATE INDEX IF NOT EXISTS search_date_lookup_id ON search_date (resource_type, param, start_at, end_at) INCLUDE (id);
DROP INDEX IF EXISTS search_date_lookup;
CREATE INDEX IF NOT EXISTS search_date_end_id ON search_date (resource_type, param, end_at) INCLUDE (id);
DROP INDEX IF EXISTS search_date_end;
