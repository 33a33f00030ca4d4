/** Background job settings (ServerConfig.jobs), read from the environment by configFromEnv. */
export interface JobsConfig {
  /** Run background jobs in this process. Every process may: the queue hands each job to one. */
  enabled: boolean;
  /** How often the process looks for due jobs, in ms. */
  pollMs: number;
  /** How long a claimed job stays this process's before another may take it over (renewed while it runs), in ms. */
  leaseMs: number;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** CLR-ESCALATE: the overdue-referral sweep runs once per interval (ms) across all processes; 0 = never. */
  clrEscalateIntervalMs: number;
}

export const DEFAULT_JOBS_CONFIG: JobsConfig = {
  enabled: true,
  pollMs: 1_000,
  leaseMs: 5 * 60_000,
  concurrency: 2,
  clrEscalateIntervalMs: 15 * 60_000,
};

/**
 * JOBS=on|off (default on), JOB_POLL_MS, JOB_LEASE_MS, JOB_CONCURRENCY,
 * CLR_ESCALATE_INTERVAL_SECONDS (default 900; 0 turns the sweep off).
 */
export function jobsConfigFromEnv(env: NodeJS.ProcessEnv): JobsConfig {
  const jobs = env.JOBS ?? '';
  if (jobs !== '' && jobs !== 'on' && jobs !== 'off') throw new Error(`JOBS must be "on" or "off", got "${jobs}"`);
  const seconds = count(env.CLR_ESCALATE_INTERVAL_SECONDS, DEFAULT_JOBS_CONFIG.clrEscalateIntervalMs / 1000, 'CLR_ESCALATE_INTERVAL_SECONDS', true);
  return {
    enabled: jobs !== 'off',
    pollMs: count(env.JOB_POLL_MS, DEFAULT_JOBS_CONFIG.pollMs, 'JOB_POLL_MS'),
    leaseMs: count(env.JOB_LEASE_MS, DEFAULT_JOBS_CONFIG.leaseMs, 'JOB_LEASE_MS'),
    concurrency: count(env.JOB_CONCURRENCY, DEFAULT_JOBS_CONFIG.concurrency, 'JOB_CONCURRENCY'),
    clrEscalateIntervalMs: seconds * 1000,
  };
}

function count(value: string | undefined, fallback: number, name: string, zeroAllowed = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !zeroAllowed)) throw new Error(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} integer, got "${value}"`);
  return n;
}
