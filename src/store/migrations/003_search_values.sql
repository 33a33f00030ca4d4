-- Search index tables for the remaining parameter types (DESIGN.md "Storage"): one row per
-- extracted value, rewritten with the resource in the same statement as search_token.

-- string: `value` is normalised (lower case, accents removed) for the default starts-with and
-- :contains searches; `exact` keeps the original text for :exact.
CREATE TABLE IF NOT EXISTS search_string (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  value text NOT NULL,
  exact text NOT NULL
);
CREATE INDEX IF NOT EXISTS search_string_lookup ON search_string (resource_type, param, left(value, 100) text_pattern_ops);
CREATE INDEX IF NOT EXISTS search_string_owner ON search_string (resource_type, id);

-- date: the instant range [start_at, end_at) a date, dateTime, instant, Period or Timing covers
-- (open Period ends are -infinity/infinity).
CREATE TABLE IF NOT EXISTS search_date (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS search_date_lookup ON search_date (resource_type, param, start_at, end_at);
CREATE INDEX IF NOT EXISTS search_date_owner ON search_date (resource_type, id);

CREATE TABLE IF NOT EXISTS search_number (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  value numeric NOT NULL
);
CREATE INDEX IF NOT EXISTS search_number_lookup ON search_number (resource_type, param, value);
CREATE INDEX IF NOT EXISTS search_number_owner ON search_number (resource_type, id);

CREATE TABLE IF NOT EXISTS search_quantity (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  value numeric NOT NULL,
  system text,
  code text,
  unit text
);
CREATE INDEX IF NOT EXISTS search_quantity_lookup ON search_quantity (resource_type, param, value);
CREATE INDEX IF NOT EXISTS search_quantity_owner ON search_quantity (resource_type, id);

CREATE TABLE IF NOT EXISTS search_uri (
  resource_type text NOT NULL,
  id text NOT NULL,
  param text NOT NULL,
  uri text NOT NULL
);
CREATE INDEX IF NOT EXISTS search_uri_lookup ON search_uri (resource_type, param, left(uri, 200));
CREATE INDEX IF NOT EXISTS search_uri_owner ON search_uri (resource_type, id);

-- token: the Coding display / CodeableConcept text, for :text.
ALTER TABLE search_token ADD COLUMN IF NOT EXISTS display text;
