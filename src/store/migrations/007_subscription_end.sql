-- Subscription.end (R4 subscription.html: "the time for the server to turn the subscription off"):
-- kept on the registry row so the delivery worker finds the ended ones with one query.
ALTER TABLE subscription_registry ADD COLUMN IF NOT EXISTS end_at timestamptz;
