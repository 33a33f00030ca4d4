-- Most reference rows are local (target type + id) and leave url NULL: the url index holds only
-- the others, instead of one entry per reference row written (a third of the btree inserts of
-- search_reference). A url search (`x.url = $1`, criterion-sql.ts) implies url IS NOT NULL, so
-- the planner still uses it.
CREATE INDEX IF NOT EXISTS search_reference_url_set ON search_reference (resource_type, param, left(url, 200)) WHERE url IS NOT NULL;
DROP INDEX IF EXISTS search_reference_url;
