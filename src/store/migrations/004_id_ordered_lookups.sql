-- Lookup indexes that end in the resource id: for one token code (or one reference target) the
-- matching ids come out of the index in id order, so the first page of a search in the default
-- order reads a few index entries instead of sorting every match (src/store/search/driven-page.ts).
-- They replace the 001/002 lookups, which had the system (token) or nothing (reference) last.
-- A `system|` search without a code now filters the param's rows instead of seeking its system.
CREATE INDEX IF NOT EXISTS search_token_code_id ON search_token (resource_type, param, left(code, 200), id);
DROP INDEX IF EXISTS search_token_lookup;
CREATE INDEX IF NOT EXISTS search_reference_target_id ON search_reference (resource_type, param, target_id, target_type, id);
DROP INDEX IF EXISTS search_reference_target;

-- Without these, PostgreSQL multiplies the selectivities of type, param and value as if they were
-- independent and estimates a broad value (Task status=requested: 55,000 rows) at a few hundred,
-- then prefers reading all of them through a bitmap and sorting to reading the first in order.
CREATE STATISTICS IF NOT EXISTS search_token_code_stats (mcv) ON resource_type, param, (left(code, 200)) FROM search_token;
CREATE STATISTICS IF NOT EXISTS search_reference_target_stats (mcv) ON resource_type, param, target_id, target_type FROM search_reference;

-- The live rows of a type in id order, read without the table: the ordered walk of a search with
-- no id-ordered criterion (search-resources.ts) checks a few hundred of them per page.
CREATE INDEX IF NOT EXISTS resource_live ON resource (resource_type, id) WHERE NOT deleted;

-- Dates by their end: `_sort=-date` reads the latest ends first (date-sorted-page.ts), and
-- ge/gt/sa criteria (end after a bound) seek instead of filtering every row of the param.
CREATE INDEX IF NOT EXISTS search_date_end ON search_date (resource_type, param, end_at);
