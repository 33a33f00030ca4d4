-- Current version of every resource: the exact JSON text we return (DESIGN.md "Storage").
CREATE TABLE IF NOT EXISTS resource (
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  content text,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX IF NOT EXISTS resource_type_updated ON resource (resource_type, last_updated);

-- Every version ever written, in commit order (seq), for vread and _history.
CREATE TABLE IF NOT EXISTS resource_history (
  seq bigserial PRIMARY KEY,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id integer NOT NULL,
  last_updated timestamptz NOT NULL,
  deleted boolean NOT NULL,
  method text NOT NULL,
  content text,
  UNIQUE (resource_type, id, version_id)
);
CREATE INDEX IF NOT EXISTS resource_history_type_seq ON resource_history (resource_type, seq);
CREATE INDEX IF NOT EXISTS resource_history_updated ON resource_history (last_updated);

-- Search index: token parameters (code, Coding, CodeableConcept, Identifier, ...).
-- One row per extracted value, rewritten with the resource in the same statement.
CREATE TABLE IF NOT EXISTS search_token (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  system text,
  code text
);
-- Prefixes keep index rows under the btree limit however long a code; queries compare both.
CREATE INDEX IF NOT EXISTS search_token_lookup ON search_token (resource_type, param, left(code, 200), left(system, 200));
CREATE INDEX IF NOT EXISTS search_token_owner ON search_token (resource_type, id);
