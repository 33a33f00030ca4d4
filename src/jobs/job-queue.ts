import type { Queryable } from '../store/database.ts';
import { deleteJob, insertDoneJob, insertJob, readJobByKey, type JobRow } from '../store/job-queue-sql.ts';

/**
 * The job queue as request handlers see it (FhirContext.jobs): queue a job under a key the
 * client may be given (its status URL), read it back from any server process, delete it, or
 * record work done in the request itself as a finished job. The JobRunner of whichever process
 * claims the job runs it (job-runner.ts); `wake` asks this process's runner to look now.
 */
export class JobQueue {
  /** Set by register-jobs.ts when this process runs jobs. */
  wake: () => void = () => undefined;

  constructor(
    private readonly db: Queryable,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async enqueue(kind: string, key: string, payload: Record<string, unknown>, maxAttempts: number): Promise<JobRow> {
    const job = await insertJob(this.db, { kind, uniqueKey: key, payload, runAt: this.clock().toISOString(), maxAttempts });
    if (!job) throw new Error(`a job with key ${key} exists already`);
    this.wake();
    return job;
  }

  recordDone(kind: string, key: string, payload: Record<string, unknown>, result: unknown): Promise<JobRow> {
    return insertDoneJob(this.db, { kind, uniqueKey: key, payload, now: this.clock().toISOString(), result });
  }

  byKey(key: string): Promise<JobRow | undefined> {
    return readJobByKey(this.db, key);
  }

  remove(job: JobRow): Promise<boolean> {
    return deleteJob(this.db, job.id);
  }
}
