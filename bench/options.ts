/** The benchmark's settings, from BENCH_* environment variables (bench/README.md). */
export interface BenchOptions {
  /** Server URL ending in "/" where a fresh database is created (and dropped). */
  databaseUrl: string;
  /** Seconds per measured run. */
  duration: number;
  /** Seconds of unmeasured load before each scenario's first run (0 = none). */
  warmup: number;
  connections: number[];
  txConnections: number[];
  /** Patients preloaded for read and update. */
  patients: number;
  /** Patients per transaction bundle (each with one Observation: 2 × this many entries). */
  bundlePatients: number;
  scenarios: ScenarioName[];
  /** Extra node flags for the FHIR server child (e.g. --cpu-prof). */
  serverNodeArgs: string[];
  resultsPath: string;
  /** Seconds to wait, before each measured run, for other processes to leave the CPU (0 = don't wait). */
  quietWait: number;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export const SCENARIOS = ['read', 'ceiling', 'read-auth', 'create', 'update', 'transaction'] as const;
/** Measured interleaved with each other when more than one of them runs. */
export const READ_GROUP: readonly ScenarioName[] = ['read', 'ceiling', 'read-auth'];
/** Backend access tokens live 300 s (src/auth/auth-server.ts): a run must fit in one, with margin. */
const MAX_TOKEN_RUN_SECONDS = 240;
export type ScenarioName = (typeof SCENARIOS)[number];

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/';
  assertLoopback(databaseUrl);
  const duration = positive(env.BENCH_DURATION, 10, 'BENCH_DURATION');
  const warmup = nonNegative(env.BENCH_WARMUP, 2, 'BENCH_WARMUP');
  const connections = list(env.BENCH_CONNECTIONS, [10, 50], 'BENCH_CONNECTIONS');
  const txConnections = list(env.BENCH_TX_CONNECTIONS, connections, 'BENCH_TX_CONNECTIONS');
  const scenarios = scenarioList(env.BENCH_SCENARIOS);
  const quietWait = nonNegative(env.BENCH_QUIET_WAIT, 20, 'BENCH_QUIET_WAIT');
  // Interleaved, read-auth runs in slices of about 2 s; alone, for the whole duration. Its warm-up is one run.
  if (scenarios.includes('read-auth')) {
    const alone = scenarios.filter((s) => READ_GROUP.includes(s)).length === 1;
    if (warmup > MAX_TOKEN_RUN_SECONDS || (alone && duration > MAX_TOKEN_RUN_SECONDS)) {
      throw new Error(`read-auth: BENCH_WARMUP${alone ? ' and BENCH_DURATION' : ''} must be at most ${MAX_TOKEN_RUN_SECONDS} s (access tokens live 300 s)`);
    }
  }
  const runs = scenarios.reduce((n, s) => n + (s === 'transaction' ? txConnections.length : connections.length), 0);
  // Every run (with its wait for a quiet machine, interleaving slices and slack), every warm-up,
  // plus start-up, preload and cleanup.
  const timeout = positive(
    env.BENCH_TIMEOUT,
    Math.ceil(runs * (duration + quietWait + 3 + Math.ceil(duration / 2)) + scenarios.length * (warmup + 5) + 180),
    'BENCH_TIMEOUT',
  );
  return {
    databaseUrl,
    duration,
    warmup,
    connections,
    txConnections,
    patients: Math.round(positive(env.BENCH_PATIENTS, 1000, 'BENCH_PATIENTS')),
    bundlePatients: 50,
    scenarios,
    serverNodeArgs: (env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter((a) => a.length > 0),
    resultsPath: env.BENCH_RESULTS || 'bench/RESULTS.md',
    quietWait,
    timeout,
  };
}

/** Benchmark traffic stays on this machine. */
function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`BENCH_DATABASE_URL must point at a loopback address (127.0.0.1, localhost, ::1), got host "${host}"`);
  }
}

export function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return n;
}

export function nonNegative(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0, got "${value}"`);
  return n;
}

function list(value: string | undefined, fallback: number[], name: string): number[] {
  if (value === undefined || value === '') return fallback;
  const items = value.split(',').map((s) => Number(s.trim()));
  if (items.length === 0 || items.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`${name} must be a comma-separated list of positive integers, got "${value}"`);
  }
  return items;
}

function scenarioList(value: string | undefined): ScenarioName[] {
  if (value === undefined || value === '') return [...SCENARIOS];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${n}" (known: ${SCENARIOS.join(', ')})`);
  }
  // Always in the canonical order (reads before the writes that grow the tables).
  return SCENARIOS.filter((s) => names.includes(s));
}
