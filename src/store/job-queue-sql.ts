import type { Queryable } from './database.ts';

/**
 * The job queue's SQL (table job_queue, migration 006). Every instant is passed in by the caller
 * (its clock), so a test can move time; the database's own clock is never read here.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobRow {
  id: string;
  kind: string;
  uniqueKey: string | null;
  payload: Record<string, unknown>;
  state: JobState;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lockToken: string | null;
  lockedUntil: string | null;
  lastError: string | null;
  result: unknown;
  /** What the running job last reported (RunningJob.progress). */
  progress: unknown;
  finishedAt: string | null;
}

interface RawJobRow {
  id: string | number;
  kind: string;
  unique_key: string | null;
  payload: string;
  state: JobState;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  lock_token: string | null;
  locked_until: string | null;
  last_error: string | null;
  result: string | null;
  progress: string | null;
  finished_at: string | null;
}

const COLUMNS = `id, kind, unique_key, payload::text AS payload, state, to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS run_at, attempts,
  max_attempts, locked_by, lock_token, to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS locked_until, last_error, result::text AS result,
  progress::text AS progress, to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at`;

function toJob(r: RawJobRow): JobRow {
  return {
    id: String(r.id),
    kind: r.kind,
    uniqueKey: r.unique_key,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    state: r.state,
    runAt: r.run_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lockedBy: r.locked_by,
    lockToken: r.lock_token,
    lockedUntil: r.locked_until,
    lastError: r.last_error,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    progress: r.progress === null ? null : (JSON.parse(r.progress) as unknown),
    finishedAt: r.finished_at,
  };
}

export interface NewJob {
  kind: string;
  payload?: Record<string, unknown>;
  runAt: string;
  /** At most one job per key, ever: a second insert with the same key is skipped. */
  uniqueKey?: string;
  maxAttempts?: number;
}

/** Queues a job; undefined when its unique key is already taken (another process queued it). */
export async function insertJob(q: Queryable, job: NewJob): Promise<JobRow | undefined> {
  const { rows } = await q.query<RawJobRow>(
    `INSERT INTO job_queue (kind, unique_key, payload, run_at, max_attempts)
     VALUES ($1, $2, $3::jsonb, $4::timestamptz, $5)
     ON CONFLICT (unique_key) DO NOTHING
     RETURNING ${COLUMNS}`,
    [job.kind, job.uniqueKey ?? null, JSON.stringify(job.payload ?? {}), job.runAt, job.maxAttempts ?? 5],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/**
 * Queues the job of one recurring slot (`uniqueKey` names kind and slot) unless it was queued
 * already, by this process or another, or a job of the kind is still queued or running (a slow
 * run is not joined by the next slot's; the slot is queued once it ends, if still current).
 * True when this call queued it.
 */
export async function scheduleRecurringJob(q: Queryable, job: NewJob & { uniqueKey: string }): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO job_queue (kind, unique_key, payload, run_at, max_attempts)
     SELECT $1::text, $2::text, $3::jsonb, $4::timestamptz, $5::integer
     WHERE NOT EXISTS (SELECT 1 FROM job_queue WHERE kind = $1::text AND state IN ('queued', 'running'))
     ON CONFLICT (unique_key) DO NOTHING`,
    [job.kind, job.uniqueKey, JSON.stringify(job.payload ?? {}), job.runAt, job.maxAttempts ?? 3],
  );
  return rowCount > 0;
}

export interface Claim {
  kinds: string[];
  worker: string;
  /** A fresh token per claim: finishing a job needs it, so a claim that lost its lease cannot. */
  token: string;
  now: string;
  leaseUntil: string;
  limit: number;
}

/**
 * Claims up to `limit` jobs of these kinds: queued and due, or running with a lease that ran out
 * (their process stopped), and with attempts left. `FOR UPDATE SKIP LOCKED` makes concurrent
 * claims from several processes take disjoint jobs without waiting on each other; the claim is
 * one statement, so a job is never claimed twice.
 */
export async function claimJobs(q: Queryable, c: Claim): Promise<JobRow[]> {
  const { rows } = await q.query<RawJobRow>(
    `UPDATE job_queue j SET state = 'running', attempts = j.attempts + 1, locked_by = $2, lock_token = $3, locked_until = $5::timestamptz
     WHERE j.id IN (
       SELECT id FROM job_queue
       WHERE kind = ANY($1::text[]) AND attempts < max_attempts
         AND ((state = 'queued' AND run_at <= $4::timestamptz) OR (state = 'running' AND locked_until < $4::timestamptz))
       ORDER BY run_at, id
       LIMIT $6
       FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [c.kinds, c.worker, c.token, c.now, c.leaseUntil, c.limit],
  );
  return rows.map(toJob).sort((a, b) => (a.runAt === b.runAt ? Number(a.id) - Number(b.id) : a.runAt < b.runAt ? -1 : 1));
}

/** Running jobs whose lease ran out with no attempt left: failed, so they stop being looked at. */
export async function failAbandonedJobs(q: Queryable, now: string): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE job_queue SET state = 'failed', finished_at = $1::timestamptz, locked_by = NULL, lock_token = NULL, locked_until = NULL,
       last_error = coalesce(last_error || ' / ', '') || 'lease expired on the last attempt (the process running it stopped)'
     WHERE state = 'running' AND locked_until < $1::timestamptz AND attempts >= max_attempts`,
    [now],
  );
  return rowCount;
}

/** Keeps a running job's lease; false when the claim was lost (the lease ran out and another took it). */
export async function extendLease(q: Queryable, id: string, token: string, leaseUntil: string): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE job_queue SET locked_until = $3::timestamptz WHERE id = $1 AND lock_token = $2 AND state = 'running'`, [
    id,
    token,
    leaseUntil,
  ]);
  return rowCount > 0;
}

/** Records a running job's progress; false when the claim was lost (lease taken over, or the job deleted: cancelled). */
export async function setJobProgress(q: Queryable, id: string, token: string, progress: unknown): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE job_queue SET progress = $3::jsonb WHERE id = $1 AND lock_token = $2 AND state = 'running'`, [
    id,
    token,
    JSON.stringify(progress ?? null),
  ]);
  return rowCount > 0;
}

/** A job done as it is recorded (work done by the caller, in its request): kept like a finished job, for its result. */
export async function insertDoneJob(q: Queryable, job: { kind: string; uniqueKey: string; payload: Record<string, unknown>; now: string; result: unknown }): Promise<JobRow> {
  const { rows } = await q.query<RawJobRow>(
    `INSERT INTO job_queue (kind, unique_key, payload, state, run_at, attempts, max_attempts, finished_at, result)
     VALUES ($1, $2, $3::jsonb, 'done', $4::timestamptz, 1, 1, $4::timestamptz, $5::jsonb)
     RETURNING ${COLUMNS}`,
    [job.kind, job.uniqueKey, JSON.stringify(job.payload), job.now, JSON.stringify(job.result ?? null)],
  );
  return toJob(rows[0]);
}

/** Deletes one job (a cancelled one stops at its next progress report); false when there was none. */
export async function deleteJob(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`DELETE FROM job_queue WHERE id = $1`, [id]);
  return rowCount > 0;
}

/** Marks a claimed job done with its result; false when the claim was lost. */
export async function completeJob(q: Queryable, id: string, token: string, now: string, result: unknown): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE job_queue SET state = 'done', finished_at = $3::timestamptz, result = $4::jsonb, locked_by = NULL, lock_token = NULL, locked_until = NULL
     WHERE id = $1 AND lock_token = $2 AND state = 'running'`,
    [id, token, now, JSON.stringify(result ?? null)],
  );
  return rowCount > 0;
}

/**
 * Records a failed attempt: queued again at `retryAt` while attempts are left, else failed.
 * False when the claim was lost.
 */
export async function failJob(q: Queryable, id: string, token: string, now: string, retryAt: string, error: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE job_queue SET
       state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
       finished_at = CASE WHEN attempts >= max_attempts THEN $3::timestamptz END,
       run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $4::timestamptz END,
       last_error = $5, locked_by = NULL, lock_token = NULL, locked_until = NULL
     WHERE id = $1 AND lock_token = $2 AND state = 'running'`,
    [id, token, now, retryAt, error],
  );
  return rowCount > 0;
}

/** Deletes jobs finished before `before`; returns how many. */
export async function purgeFinishedJobs(q: Queryable, before: string): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM job_queue WHERE state IN ('done', 'failed') AND finished_at < $1::timestamptz`, [before]);
  return rowCount;
}

export async function readJob(q: Queryable, id: string): Promise<JobRow | undefined> {
  const { rows } = await q.query<RawJobRow>(`SELECT ${COLUMNS} FROM job_queue WHERE id = $1`, [id]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

export async function readJobByKey(q: Queryable, uniqueKey: string): Promise<JobRow | undefined> {
  const { rows } = await q.query<RawJobRow>(`SELECT ${COLUMNS} FROM job_queue WHERE unique_key = $1`, [uniqueKey]);
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** Jobs of one kind, oldest first (tests, diagnostics). */
export async function listJobs(q: Queryable, kind: string): Promise<JobRow[]> {
  const { rows } = await q.query<RawJobRow>(`SELECT ${COLUMNS} FROM job_queue WHERE kind = $1 ORDER BY run_at, id`, [kind]);
  return rows.map(toJob);
}
