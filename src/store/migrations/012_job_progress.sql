-- A running job's progress (src/jobs: RunningJob.progress), read by any process: the population
-- $ecm-eligibility status URL answers X-Progress from it whichever server process runs the job.
ALTER TABLE job_queue ADD COLUMN IF NOT EXISTS progress jsonb;
