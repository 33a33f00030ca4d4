-- Search index: reference parameters. Local references are stored as target type + id; any
-- other reference (absolute URL elsewhere, urn, logical) keeps its text in url.
CREATE TABLE IF NOT EXISTS search_reference (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  target_type text,
  target_id text,
  url text
);
CREATE INDEX IF NOT EXISTS search_reference_target ON search_reference (resource_type, param, target_id, target_type);
CREATE INDEX IF NOT EXISTS search_reference_url ON search_reference (resource_type, param, left(url, 200));
CREATE INDEX IF NOT EXISTS search_reference_owner ON search_reference (resource_type, id);
