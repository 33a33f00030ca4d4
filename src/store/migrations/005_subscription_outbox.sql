-- Subscriptions (src/subscriptions, issue 9): at-least-once delivery that survives a restart.
--
-- subscription_registry: one row per Subscription, written in the transaction that writes the
-- Subscription (src/store/subscription-outbox-sql.ts): the resource type it watches, its channel,
-- the access context of the client that wrote it (what it may be sent), its event counter, and
-- the delivery state (failures, backoff, a lease held by the process delivering it).
CREATE TABLE IF NOT EXISTS subscription_registry (
  id text PRIMARY KEY,
  -- the Subscription version this row was written from
  version_id integer NOT NULL,
  -- the Subscription's status: requested | active | error | off
  status text NOT NULL,
  -- the type whose changes it watches; NULL when the Subscription could not be understood
  resource_type text,
  channel_type text NOT NULL,
  -- topic canonical of a topic-based subscription (Backport IG); NULL for an R4 criteria one
  topic text,
  heartbeat_seconds integer,
  access jsonb NOT NULL,
  -- events-since-subscription-start: the last event number given out (gapless, never reused)
  events_since_start bigint NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  last_error text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_sent_at timestamptz NOT NULL DEFAULT now(),
  lease_token text,
  lease_until timestamptz,
  -- the last version the delivery worker checked (criteria and filters against the search parameters)
  checked_version integer
);

-- The write path asks, for every written resource, whether a live subscription watches its type.
CREATE INDEX IF NOT EXISTS subscription_registry_watched ON subscription_registry (resource_type)
  WHERE status IN ('requested', 'active', 'error');

-- subscription_outbox: one row per new version of a watched type, inserted by the statement that
-- writes the version (src/store/write-sql.ts), so a change and its notification commit together.
-- The delivery worker turns rows into notifications and deletes them in one transaction.
CREATE TABLE IF NOT EXISTS subscription_outbox (
  seq bigserial PRIMARY KEY,
  resource_type text NOT NULL,
  id text NOT NULL,
  version_id integer NOT NULL,
  changed_at timestamptz NOT NULL
);

-- subscription_notification: what is still to be sent to one subscription, in seq order:
-- handshake | heartbeat | event-notification (the latter with its event number and focus version).
CREATE TABLE IF NOT EXISTS subscription_notification (
  seq bigserial PRIMARY KEY,
  subscription_id text NOT NULL,
  kind text NOT NULL,
  event_number bigint,
  resource_type text,
  resource_id text,
  version_id integer,
  event_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS subscription_notification_pending ON subscription_notification (subscription_id, seq);

-- Websocket binding tokens ($get-ws-binding-token): the SHA-256 of the token, never the token.
CREATE TABLE IF NOT EXISTS subscription_ws_token (
  token_hash text PRIMARY KEY,
  subscription_ids text[] NOT NULL,
  expires_at timestamptz NOT NULL
);
