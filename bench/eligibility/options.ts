/** Settings of `npm run bench:eligibility`, from BENCH_* environment variables (bench/README.md). */
import { ANCHOR_DATE, DEFAULT_SEED } from '../../seed/population/generate.ts';
import { nonNegative, positive } from '../options.ts';

export interface EligibilityBenchOptions {
  /** PostgreSQL server URL (loopback); the database name in it is replaced. */
  databaseUrl: string;
  members: number;
  seed: number;
  /** Evaluation date of every determination: the generator's anchor, so its 18-month history lines up. */
  date: string;
  /** Keep this run's database copy (`bench_elig_<random>`) instead of dropping it. */
  keep: boolean;
  /** Members per write and writes in flight when the population has to be loaded (as bench:search). */
  membersPerBatch: number;
  inFlight: number;
  /** Members asked one by one (sequentially) before the single-member load, to see what the population exercises. */
  sample: number;
  /** Single-member runs: autocannon connections and distinct members cycled through. */
  connections: number;
  distinctMembers: number;
  /** Seconds of the single-member run, and of unmeasured warm-up before it. */
  duration: number;
  warmup: number;
  /** Seconds to wait before each measurement for other processes to leave the CPU (0 = don't). */
  quietWait: number;
  /** Extra node flags for the FHIR server child (e.g. --cpu-prof). */
  serverNodeArgs: string[];
  resultsPath: string;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export function eligibilityOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EligibilityBenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got host "${host}"`);
  const members = integer(env.BENCH_MEMBERS, 100_000, 'BENCH_MEMBERS');
  const duration = positive(env.BENCH_DURATION, 10, 'BENCH_DURATION');
  const warmup = nonNegative(env.BENCH_WARMUP, 2, 'BENCH_WARMUP');
  const quietWait = nonNegative(env.BENCH_QUIET_WAIT, 20, 'BENCH_QUIET_WAIT');
  const date = env.BENCH_ELIG_DATE || ANCHOR_DATE;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`BENCH_ELIG_DATE must be a date YYYY-MM-DD, got "${date}"`);
  const sample = integer(env.BENCH_ELIG_SAMPLE, 100, 'BENCH_ELIG_SAMPLE');
  // Start-up, a load (when no kept population exists) at no less than 1,000 resources/s, a
  // population run at no less than 200 members/s, the sample at no more than 3 s a member, and
  // the single-member run with its waits.
  const timeout = integer(env.BENCH_TIMEOUT, Math.ceil(300 + members / 50 + members / 200 + 3 * sample + 2 * quietWait + warmup + duration + 60), 'BENCH_TIMEOUT');
  return {
    databaseUrl,
    members,
    seed: integer(env.BENCH_SEED, DEFAULT_SEED, 'BENCH_SEED'),
    date,
    keep: flag(env.BENCH_ELIG_KEEP),
    membersPerBatch: integer(env.BENCH_SEARCH_BATCH, 25, 'BENCH_SEARCH_BATCH'),
    inFlight: integer(env.BENCH_SEARCH_IN_FLIGHT, 4, 'BENCH_SEARCH_IN_FLIGHT'),
    sample,
    connections: integer(env.BENCH_ELIG_CONNECTIONS, 10, 'BENCH_ELIG_CONNECTIONS'),
    distinctMembers: integer(env.BENCH_ELIG_DISTINCT, 2000, 'BENCH_ELIG_DISTINCT'),
    duration,
    warmup,
    quietWait,
    serverNodeArgs: (env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0),
    resultsPath: env.BENCH_ELIG_RESULTS || 'bench/ELIGIBILITY-RESULTS.md',
    timeout,
  };
}

function flag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function integer(value: string | undefined, fallback: number, name: string): number {
  const n = positive(value, fallback, name);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}
