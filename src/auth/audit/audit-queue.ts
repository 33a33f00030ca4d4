import type { AuditEvent } from '@medplum/fhirtypes';
import { systemAccess } from '../access-context.ts';
import type { Repository } from '../../fhir/repository.ts';

export interface AuditQueueOptions {
  /** Write a batch at the latest this long after its first event (ms). */
  flushIntervalMs?: number;
  /** Write at once when this many events wait. */
  batchSize?: number;
  /** Told when a batch could not be written (never with event contents). */
  onError?: (err: unknown, lost: number) => void;
}

/**
 * AuditEvents wait in memory and are written in one repository call per batch (every ~200 ms or
 * 100 events), so a request never waits for its audit record (issue 5: "written without slowing
 * the request path"). `close()` writes what is left.
 */
export class AuditQueue {
  private pending: (AuditEvent & { id: string })[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly repo: Repository,
    private readonly options: AuditQueueOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 100;
  }

  push(event: AuditEvent & { id: string }): void {
    this.pending.push(event);
    if (this.pending.length >= this.batchSize) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything queued so far; resolves when it is stored (batches are written one at a time). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() =>
        this.repo.write(systemAccess, batch.map((resource) => ({ kind: 'create' as const, resource }))).then(
          () => undefined,
          (err: unknown) => this.options.onError?.(err, batch.length),
        ),
      );
    }
    return this.writing;
  }

  close(): Promise<void> {
    return this.flush();
  }
}
