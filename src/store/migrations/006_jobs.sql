-- Background jobs (src/jobs, issue 9): a queue several server processes share. A process claims a
-- job with FOR UPDATE SKIP LOCKED and holds it for a lease (locked_until); a job whose lease ran
-- out (its process died) is claimed again. lock_token names the claim, so only its holder may
-- finish it. A recurring job is one row per kind and interval slot (unique_key), inserted by
-- whichever process gets there first. PostgreSQL 15 compatible.
CREATE TABLE IF NOT EXISTS job_queue (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  -- e.g. "clr-escalate@2026-11-24T10:05:00.000Z" for a recurring slot; NULL = no uniqueness
  unique_key text,
  payload jsonb NOT NULL DEFAULT '{}',
  -- queued | running | done | failed
  state text NOT NULL DEFAULT 'queued',
  run_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5,
  locked_by text,
  lock_token text,
  locked_until timestamptz,
  last_error text,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE UNIQUE INDEX IF NOT EXISTS job_queue_unique_key ON job_queue (unique_key);

-- what a claim looks at: queued jobs due, running jobs whose lease may have run out
CREATE INDEX IF NOT EXISTS job_queue_ready ON job_queue (run_at, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS job_queue_leased ON job_queue (locked_until) WHERE state = 'running';

-- finished jobs are purged after a while
CREATE INDEX IF NOT EXISTS job_queue_finished ON job_queue (finished_at) WHERE state IN ('done', 'failed');
