/** Settings of `npm run bench:search`, from BENCH_* environment variables (bench/README.md). */
import { DEFAULT_SEED } from '../../seed/population/generate.ts';

export interface SearchBenchOptions {
  /** PostgreSQL server URL (loopback); the database name in it is replaced. */
  databaseUrl: string;
  members: number;
  seed: number;
  /** Use (and keep) this database; reload only when its population is missing or stale. */
  database?: string;
  /** Keep the database after the run (named `bench_search_<members>_<seed>` unless BENCH_SEARCH_DB is set). */
  keep: boolean;
  /** Validate every resource during the load, as the REST layer does. */
  validate: boolean;
  membersPerBatch: number;
  inFlight: number;
  connections: number;
  /** Seconds per measured scenario, and of unmeasured warm-up before it. */
  duration: number;
  warmup: number;
  /** Subset of scenario names (all by default). */
  scenarios?: string[];
  resultsPath: string;
  /** Seconds to wait before each scenario for other processes to leave the CPU (0 = don't). */
  quietWait: number;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export function searchOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SearchBenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got host "${host}"`);
  const members = integer(env.BENCH_MEMBERS, 100_000, 'BENCH_MEMBERS');
  const duration = integer(env.BENCH_DURATION, 10, 'BENCH_DURATION');
  const warmup = integer(env.BENCH_WARMUP, 2, 'BENCH_WARMUP', true);
  const quietWait = integer(env.BENCH_QUIET_WAIT, 20, 'BENCH_QUIET_WAIT', true);
  // Start-up, a load at no less than 1,000 resources/s, and 7 scenarios with their waits.
  const timeout = integer(env.BENCH_TIMEOUT, Math.ceil(300 + members / 50 + 7 * (duration + warmup + quietWait + 10)), 'BENCH_TIMEOUT');
  return {
    databaseUrl,
    members,
    seed: integer(env.BENCH_SEED, DEFAULT_SEED, 'BENCH_SEED'),
    database: env.BENCH_SEARCH_DB || undefined,
    keep: flag(env.BENCH_SEARCH_KEEP),
    validate: flag(env.BENCH_SEARCH_VALIDATE),
    membersPerBatch: integer(env.BENCH_SEARCH_BATCH, 25, 'BENCH_SEARCH_BATCH'),
    inFlight: integer(env.BENCH_SEARCH_IN_FLIGHT, 4, 'BENCH_SEARCH_IN_FLIGHT'),
    connections: integer(env.BENCH_SEARCH_CONNECTIONS, 10, 'BENCH_SEARCH_CONNECTIONS'),
    duration,
    warmup,
    scenarios: env.BENCH_SEARCH_SCENARIOS ? env.BENCH_SEARCH_SCENARIOS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    resultsPath: env.BENCH_SEARCH_RESULTS || 'bench/SEARCH-RESULTS.md',
    quietWait,
    timeout,
  };
}

function flag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function integer(value: string | undefined, fallback: number, name: string, zeroAllowed = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !zeroAllowed)) throw new Error(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}
