/**
 * A background loop: runs `round` again at once while it finds work, otherwise after `pollMs`;
 * `wake` starts the next round now (another loop produced work for it). A failed round is logged
 * and retried after `pollMs`. `stop` waits for the round in progress.
 */
export class WorkerLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private again = false;

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else if (this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.again = false;
      this.running = this.round().then(
        (busy) => {
          this.running = undefined;
          this.schedule(busy || this.again ? 0 : this.pollMs);
        },
        (err: unknown) => {
          this.running = undefined;
          this.onError(err);
          this.schedule(this.pollMs);
        },
      );
    }, ms);
  }
}
