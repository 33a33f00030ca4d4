/** Settings of `npm run bench:assign`, from BENCH_* environment variables (bench/README.md). */
import { nonNegative, positive } from '../options.ts';

export interface AssignBenchOptions {
  /** PostgreSQL server URL (loopback); the database name in it is replaced. */
  databaseUrl: string;
  /** Members with an approved authorization, each assigned once. */
  members: number;
  /** ECM providers (Organization + HealthcareService) in the network. */
  providers: number;
  /** Further authorizations loaded after the assignment run, for the overdue searches. */
  auths: number;
  /** Concurrent `$ecm-assign` clients. */
  connections: number;
  /** Seconds the assignment run may take; members not assigned by then are reported as such. */
  budget: number;
  /** Seconds of the server CPU profile taken in the middle of the assignment run (0 = none). */
  profileSeconds: number;
  /** Overdue searches: autocannon connections, seconds measured, seconds of warm-up. */
  searchConnections: number;
  duration: number;
  warmup: number;
  /** Seconds to wait before each measurement for other processes to leave the CPU (0 = don't). */
  quietWait: number;
  /** Members per write (4 resources each) and writes in flight during the load. */
  membersPerBatch: number;
  inFlight: number;
  /** Keep the database after the run (for a look at it). */
  keep: boolean;
  /** Extra node flags for the FHIR server children. */
  serverNodeArgs: string[];
  resultsPath: string;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export function assignOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AssignBenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got host "${host}"`);
  const members = integer(env.BENCH_ASSIGN_MEMBERS, 10_000, 'BENCH_ASSIGN_MEMBERS');
  const auths = integer(env.BENCH_ASSIGN_AUTHS, 100_000, 'BENCH_ASSIGN_AUTHS');
  // Providers 1-3 between them contract every POF the members have (dataset.ts providerSpec).
  const providers = integer(env.BENCH_ASSIGN_PROVIDERS, 20, 'BENCH_ASSIGN_PROVIDERS');
  if (providers < 3) throw new Error(`BENCH_ASSIGN_PROVIDERS must be at least 3, got ${providers}`);
  const budget = positive(env.BENCH_ASSIGN_BUDGET, 900, 'BENCH_ASSIGN_BUDGET');
  const duration = positive(env.BENCH_DURATION, 10, 'BENCH_DURATION');
  const warmup = nonNegative(env.BENCH_WARMUP, 2, 'BENCH_WARMUP');
  const quietWait = nonNegative(env.BENCH_QUIET_WAIT, 20, 'BENCH_QUIET_WAIT');
  // Start-up, loads at no less than 1,000 resources/s, the assignment budget, two searches with their waits.
  const timeout = integer(
    env.BENCH_TIMEOUT,
    Math.ceil(300 + (members * 4 + auths) / 1000 + budget + 2 * (duration + warmup + quietWait + 10) + quietWait),
    'BENCH_TIMEOUT',
  );
  return {
    databaseUrl,
    members,
    providers,
    auths,
    connections: integer(env.BENCH_ASSIGN_CONNECTIONS, 10, 'BENCH_ASSIGN_CONNECTIONS'),
    budget,
    profileSeconds: nonNegative(env.BENCH_ASSIGN_PROFILE_SECONDS, 15, 'BENCH_ASSIGN_PROFILE_SECONDS'),
    searchConnections: integer(env.BENCH_ASSIGN_SEARCH_CONNECTIONS, 10, 'BENCH_ASSIGN_SEARCH_CONNECTIONS'),
    duration,
    warmup,
    quietWait,
    membersPerBatch: integer(env.BENCH_ASSIGN_BATCH, 100, 'BENCH_ASSIGN_BATCH'),
    inFlight: integer(env.BENCH_ASSIGN_IN_FLIGHT, 4, 'BENCH_ASSIGN_IN_FLIGHT'),
    keep: flag(env.BENCH_ASSIGN_KEEP),
    serverNodeArgs: (env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0),
    resultsPath: env.BENCH_ASSIGN_RESULTS || 'bench/ASSIGN-RESULTS.md',
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
