/**
 * The run flow the data-set benchmarks share (search, eligibility, assign, rtf): a time limit
 * (BENCH_TIMEOUT) and SIGINT/SIGTERM abort with a report; a failure of `main` is reported; the
 * database is cleaned up either way, and the process exits with `main`'s code (1 when it failed).
 */
export interface BenchFlowParts {
  log(message: string): void;
  /** Writes the results file; `failure` says why the run stopped early. */
  writeReport(failure?: string): void;
  /** Stops the servers and drops (or keeps) the database. */
  cleanup(): Promise<void>;
}

export interface BenchFlow {
  /** Starts the time limit and the signal handlers. */
  guard(timeoutSeconds: number): void;
  abort(reason: string, code: number): Promise<void>;
  run(main: () => Promise<number>): Promise<void>;
}

export function benchFlow(parts: BenchFlowParts): BenchFlow {
  const { log, writeReport, cleanup } = parts;
  let aborting = false;
  const report = (failure?: string) => {
    try {
      writeReport(failure);
    } catch (err) {
      log(`could not write the report: ${String(err)}`);
    }
  };
  const abort = async (reason: string, code: number): Promise<void> => {
    if (aborting) return;
    aborting = true;
    log(`aborting: ${reason}`);
    report(reason);
    setTimeout(() => process.exit(code), 30_000).unref();
    await cleanup();
    process.exit(code);
  };
  return {
    abort,
    guard(timeoutSeconds) {
      setTimeout(() => void abort(`time limit of ${timeoutSeconds} s exceeded (BENCH_TIMEOUT)`, 2), timeoutSeconds * 1000).unref();
      process.on('SIGINT', () => void abort('interrupted (SIGINT)', 130));
      process.on('SIGTERM', () => void abort('terminated (SIGTERM)', 143));
    },
    async run(main) {
      let code = 1;
      try {
        code = await main();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log(`failed: ${message}`);
        if (!aborting) report(message);
      }
      if (aborting) return;
      setTimeout(() => process.exit(code || 1), 30_000).unref();
      await cleanup();
      process.exit(code);
    },
  };
}

/**
 * The command line that reproduces a run, for its report: the BENCH_* settings given (not the
 * ones the benchmark sets for its own children, nor `exclude`), then `npm run <script>`.
 */
export function benchCommand(script: string, exclude: readonly string[] = []): string {
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_') && !k.startsWith('BENCH_SERVER_DATABASE') && k !== 'BENCH_SERVER_PORT' && k !== 'BENCH_DATABASE_URL' && !exclude.includes(k))
    .map(([k, v]) => `${k}=${v ?? ''}`);
  return [...env, `npm run ${script}`].join(' ');
}

/** Drops a benchmark database, logging either outcome (cleanup must not throw). */
export async function dropLogged(name: string, drop: () => Promise<void>, log: (message: string) => void): Promise<void> {
  await drop().then(
    () => log(`dropped database ${name}`),
    (err: unknown) => log(`could not drop database ${name}: ${err instanceof Error ? err.message : String(err)}`),
  );
}
