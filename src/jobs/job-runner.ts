import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable } from '../store/database.ts';
import {
  claimJobs,
  completeJob,
  extendLease,
  failAbandonedJobs,
  failJob,
  insertJob,
  purgeFinishedJobs,
  scheduleRecurringJob,
  setJobProgress,
  type JobRow,
} from '../store/job-queue-sql.ts';

/** What a handler gets: the job, and a signal that fires when the process stops (finish the current batch, then return). */
export interface RunningJob {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  /** 1 on the first attempt. */
  attempt: number;
  signal: AbortSignal;
  /** Records progress on the job row (any process may read it); false when the job is no longer this run's (deleted: cancelled). */
  progress(value: unknown): Promise<boolean>;
}

/** Runs one job; its result (JSON) is kept on the job row. A throw is a failed attempt, retried with backoff. */
export type JobHandler = (job: RunningJob) => Promise<unknown>;

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobRunnerOptions {
  database: Queryable;
  /** Names this process in job_queue.locked_by (diagnostics only). */
  worker?: string;
  leaseMs?: number;
  pollMs?: number;
  concurrency?: number;
  /** The runner's clock (tests move it); every instant written to the queue comes from it. */
  clock?: () => Date;
  /** Finished jobs are deleted after this long. */
  keepFinishedMs?: number;
  log?: JobLog;
}

const RETRY_BASE_MS = 10_000;
const RETRY_MAX_MS = 10 * 60_000;
const PURGE_EVERY_MS = 60 * 60_000;
const ERROR_MAX_CHARS = 2000;

const silent: JobLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A Postgres-backed job queue worker (DESIGN.md src/jobs), safe with several server processes on
 * one database: a job is claimed by one process at a time (`FOR UPDATE SKIP LOCKED`) for a lease
 * it renews while the job runs; a job whose process died is claimed again once its lease ran out;
 * a recurring job is queued once per interval slot, whichever process queues it first. Attempts
 * and the last error are kept on the job row (table job_queue).
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly recurring: { kind: string; intervalMs: number; payload: Record<string, unknown> }[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly db: Queryable;
  private readonly worker: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly clock: () => Date;
  private readonly keepFinishedMs: number;
  private readonly log: JobLog;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastPurge = 0;

  constructor(options: JobRunnerOptions) {
    this.db = options.database;
    this.worker = options.worker ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.concurrency = options.concurrency ?? 2;
    this.clock = options.clock ?? (() => new Date());
    this.keepFinishedMs = options.keepFinishedMs ?? 7 * 24 * 60 * 60_000;
    this.log = options.log ?? silent;
  }

  /** The handler of one kind of job; only kinds with a handler are claimed by this process. */
  handle(kind: string, handler: JobHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** Runs `kind` once per `intervalMs` slot (slots start at multiples of the interval since 1970), across all processes. */
  every(kind: string, intervalMs: number, payload: Record<string, unknown> = {}): this {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) throw new Error(`every(${kind}): the interval must be a positive number of ms`);
    this.recurring.push({ kind, intervalMs, payload });
    return this;
  }

  /** Queues a job; undefined when `uniqueKey` was already used. */
  async enqueue(kind: string, payload: Record<string, unknown> = {}, options: { runAt?: Date; uniqueKey?: string; maxAttempts?: number } = {}): Promise<JobRow | undefined> {
    return insertJob(this.db, { kind, payload, runAt: (options.runAt ?? this.clock()).toISOString(), uniqueKey: options.uniqueKey, maxAttempts: options.maxAttempts });
  }

  /**
   * One round: queues the current slot of each recurring job, fails abandoned jobs that have no
   * attempt left, claims what is due (up to the free concurrency) and runs it. Resolves when the
   * jobs it started have finished, with how many it ran.
   */
  async tick(): Promise<number> {
    const started = await this.claimAndStart();
    await Promise.all(started);
    return started.length;
  }

  /** Polls every pollMs until stop(); jobs run in the background, at most `concurrency` at once. */
  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.timer = setTimeout(this.loop, 0);
  }

  private readonly loop = (): void => {
    this.polling = this.claimAndStart()
      .then(() => undefined)
      .catch((err: unknown) => this.log.error({ err: errorText(err) }, 'job poll failed'))
      .finally(() => {
        this.polling = undefined;
        if (!this.stopping.signal.aborted) this.timer = setTimeout(this.loop, this.pollMs);
      });
  };

  /** Looks for due jobs now instead of at the next poll (a job was just queued); no-op unless started. */
  wake(): void {
    if (!this.timer || this.polling || this.stopping.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.loop, 0);
  }

  /** Resolves once no poll and no job of this runner is in progress (tests: after tick, the background loop's work too). */
  async idle(): Promise<void> {
    while (this.polling || this.running.size > 0) {
      await this.polling;
      await Promise.all([...this.running]);
    }
  }

  /** Stops polling, tells running jobs to stop (signal) and waits for them to return. */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
    await Promise.all([...this.running]);
  }

  private async claimAndStart(): Promise<Promise<void>[]> {
    if (this.stopping.signal.aborted) return [];
    const now = this.clock();
    for (const r of this.recurring) {
      const slot = Math.floor(now.getTime() / r.intervalMs) * r.intervalMs;
      const runAt = new Date(slot).toISOString();
      await scheduleRecurringJob(this.db, { kind: r.kind, uniqueKey: `${r.kind}@${runAt}`, runAt, payload: { ...r.payload, slot: runAt } });
    }
    await failAbandonedJobs(this.db, now.toISOString());
    if (now.getTime() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = now.getTime();
      await purgeFinishedJobs(this.db, new Date(now.getTime() - this.keepFinishedMs).toISOString());
    }
    const free = this.concurrency - this.running.size;
    if (free <= 0 || this.handlers.size === 0) return [];
    const token = randomUUID();
    const jobs = await claimJobs(this.db, {
      kinds: [...this.handlers.keys()],
      worker: this.worker,
      token,
      now: now.toISOString(),
      leaseUntil: new Date(now.getTime() + this.leaseMs).toISOString(),
      limit: free,
    });
    return jobs.map((job) => {
      const run = this.run(job, token).finally(() => this.running.delete(run));
      this.running.add(run);
      return run;
    });
  }

  private async run(job: JobRow, token: string): Promise<void> {
    const handler = this.handlers.get(job.kind)!;
    const started = Date.now();
    // renew the lease while the handler runs, so a long job is not taken over
    const renew = setInterval(() => {
      extendLease(this.db, job.id, token, new Date(this.clock().getTime() + this.leaseMs).toISOString()).catch(() => undefined);
    }, Math.max(1_000, Math.floor(this.leaseMs / 3)));
    renew.unref();
    try {
      const progress = (value: unknown) => setJobProgress(this.db, job.id, token, value);
      const result = await handler({ id: job.id, kind: job.kind, payload: job.payload, attempt: job.attempts, signal: this.stopping.signal, progress });
      const kept = await completeJob(this.db, job.id, token, this.clock().toISOString(), result ?? null);
      if (!kept) this.log.warn({ job: job.id, kind: job.kind }, 'job finished after its lease was taken over; its result is not recorded');
      else this.log.info({ job: job.id, kind: job.kind, attempt: job.attempts, ms: Date.now() - started }, 'job done');
    } catch (err) {
      const now = this.clock();
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, job.attempts - 1));
      const message = errorText(err).slice(0, ERROR_MAX_CHARS);
      await failJob(this.db, job.id, token, now.toISOString(), new Date(now.getTime() + delay).toISOString(), message).catch(() => undefined);
      this.log.error({ job: job.id, kind: job.kind, attempt: job.attempts, err: message }, 'job failed');
    } finally {
      clearInterval(renew);
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
