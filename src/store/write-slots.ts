/**
 * A counting semaphore for database transactions that write many resources (transaction
 * bundles). With more of them in flight than the machine has cores, PostgreSQL and the server
 * only trade CPU and index-page locks between them: throughput falls and every bundle waits
 * longer (bench/RESULTS.md, 50 connections). Excess bundles queue here, first come first served,
 * before they open a database transaction.
 */
export class WriteSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`WriteSlots: size must be a positive integer, got ${size}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
