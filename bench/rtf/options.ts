/** Settings of `npm run bench:rtf`, from BENCH_* environment variables (bench/rtf/run.ts). */
import { nonNegative, positive } from '../options.ts';

export interface RtfBenchOptions {
  /** PostgreSQL server URL (loopback); the database name in it is replaced. */
  databaseUrl: string;
  /** Rows of the RTF file, one per provider Task (Task B); every 100th names an unknown CIN. */
  rows: number;
  /** ECM providers owning the Tasks. */
  providers: number;
  /** Metrics calls measured (the median is reported). */
  metricsRuns: number;
  /** Seconds to wait before each measurement for other processes to leave the CPU (0 = don't). */
  quietWait: number;
  /** Resources per write and writes in flight during the load. */
  loadBatch: number;
  inFlight: number;
  keep: boolean;
  serverNodeArgs: string[];
  resultsPath: string;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export function rtfOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RtfBenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got host "${host}"`);
  const rows = Math.round(positive(env.BENCH_RTF_ROWS, 50_000, 'BENCH_RTF_ROWS'));
  const providers = Math.round(positive(env.BENCH_RTF_PROVIDERS, 20, 'BENCH_RTF_PROVIDERS'));
  const quietWait = nonNegative(env.BENCH_QUIET_WAIT, 20, 'BENCH_QUIET_WAIT');
  // Start-up, the load at no less than 1,000 resources/s, two imports at no less than 200 rows/s, metrics and export.
  const timeout = Math.round(positive(env.BENCH_TIMEOUT, Math.ceil(300 + (rows * 4) / 1000 + (2 * rows) / 200 + 4 * quietWait + 300), 'BENCH_TIMEOUT'));
  return {
    databaseUrl,
    rows,
    providers,
    metricsRuns: Math.round(positive(env.BENCH_RTF_METRICS_RUNS, 3, 'BENCH_RTF_METRICS_RUNS')),
    quietWait,
    loadBatch: 2000,
    inFlight: 2,
    keep: env.BENCH_KEEP === '1' || env.BENCH_KEEP === 'true',
    serverNodeArgs: (env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0),
    resultsPath: env.BENCH_RESULTS || 'bench/RTF-RESULTS.md',
    timeout,
  };
}
