import { type JobsConfig, jobsConfigFromEnv } from './jobs/jobs-config.ts';
import { DEFAULT_VACUUM_CONFIG, type VacuumConfig } from './store/server-autovacuum.ts';

/** Server configuration, read from the environment (documented in README.md "Configuration"). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Public base URL of the FHIR endpoint, used in every link the server writes (no trailing slash). */
  baseUrl: string;
  /** PostgreSQL connection string; undefined = embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps the database in memory (tests). */
  dataDir: string;
  seed: 'demo' | 'none';
  logLevel: string;
  /** Largest request body accepted, in bytes (413 above it). */
  bodyLimit: number;
  /** Largest page a search or history may return. */
  maxPageSize: number;
  defaultPageSize: number;
  /** PostgreSQL schema holding the tables (tests use one per file). */
  schema?: string;
  /** Tests only: a PGlite dump to start from, skipping initdb (tests/support/global-setup.ts). */
  pgliteTemplate?: string;
  /** SMART authorization off (local development only; refused with NODE_ENV=production). Unset = auth on. */
  authDisabled?: boolean;
  /** Bearer token for the admin API (client registration, EHR launch contexts); unset = admin API off. */
  adminToken?: string;
  /** AuditEvent recording of FHIR interactions (AUDIT=off disables it); unset in code = on unless auth is disabled. */
  audit?: boolean;
  /** Requests per minute per client (token client id, else IP) before 429; RATE_LIMIT_PER_MINUTE, default 6000 (unset in code = no limit). */
  rateLimitPerMinute?: number;
  /** PostgreSQL: statements running longer are cancelled (503 timeout); migrations are exempt. */
  statementTimeoutMs?: number;
  /** Subscription delivery: pause between idle rounds and first retry delay, ms (SUBSCRIPTION_POLL_MS, SUBSCRIPTION_RETRY_MS; defaults 50 and 1000). */
  subscriptionPollMs?: number;
  subscriptionRetryMs?: number;
  /** Whether this process delivers notifications (SUBSCRIPTION_DELIVERY=off: it only writes them to the outbox). Unset = on. */
  subscriptionDelivery?: boolean;
  /** Background jobs (src/jobs/jobs-config.ts: JOBS, JOB_*, CLR_ESCALATE_INTERVAL_SECONDS); unset in code = off. */
  jobs?: JobsConfig;
  /** PostgreSQL with autovacuum off: the server vacuums its tables (src/store/server-autovacuum.ts; VACUUM_INTERVAL_SECONDS, VACUUM_MIN_DEAD_ROWS). Unset in code = never. */
  vacuum?: VacuumConfig;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = intFrom(env.PORT, 8080, 'PORT');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    baseUrl: baseUrlFrom(env.BASE_URL, port),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR ?? './data',
    seed: seedFrom(env.SEED),
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimit: intFrom(env.BODY_LIMIT, 16 * 1024 * 1024, 'BODY_LIMIT'),
    maxPageSize: intFrom(env.MAX_PAGE_SIZE, 1000, 'MAX_PAGE_SIZE'),
    defaultPageSize: intFrom(env.DEFAULT_PAGE_SIZE, 20, 'DEFAULT_PAGE_SIZE'),
    schema: env.DATABASE_SCHEMA || undefined,
    authDisabled: authDisabledFrom(env.AUTH_DISABLED, env.NODE_ENV),
    adminToken: env.ADMIN_TOKEN || undefined,
    audit: auditFrom(env.AUDIT),
    rateLimitPerMinute: intFrom(env.RATE_LIMIT_PER_MINUTE, 6000, 'RATE_LIMIT_PER_MINUTE'),
    statementTimeoutMs: intFrom(env.STATEMENT_TIMEOUT_MS, 30_000, 'STATEMENT_TIMEOUT_MS'),
    subscriptionPollMs: intFrom(env.SUBSCRIPTION_POLL_MS, 50, 'SUBSCRIPTION_POLL_MS'),
    subscriptionRetryMs: intFrom(env.SUBSCRIPTION_RETRY_MS, 1000, 'SUBSCRIPTION_RETRY_MS'),
    subscriptionDelivery: env.SUBSCRIPTION_DELIVERY !== 'off',
    jobs: jobsConfigFromEnv(env),
    vacuum: {
      intervalMs: (env.VACUUM_INTERVAL_SECONDS === '0' ? 0 : intFrom(env.VACUUM_INTERVAL_SECONDS, DEFAULT_VACUUM_CONFIG.intervalMs / 1000, 'VACUUM_INTERVAL_SECONDS')) * 1000,
      minDeadRows: intFrom(env.VACUUM_MIN_DEAD_ROWS, DEFAULT_VACUUM_CONFIG.minDeadRows, 'VACUUM_MIN_DEAD_ROWS'),
    },
  };
}

function authDisabledFrom(value: string | undefined, nodeEnv: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value !== 'true') throw new Error(`AUTH_DISABLED must be "true" or "false", got "${value}"`);
  if (nodeEnv === 'production') throw new Error('AUTH_DISABLED=true is refused when NODE_ENV=production');
  return true;
}

function auditFrom(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`AUDIT must be "on" or "off", got "${value}"`);
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

function seedFrom(value: string | undefined): 'demo' | 'none' {
  if (value === undefined || value === '' || value === 'demo') return 'demo';
  if (value === 'none') return 'none';
  throw new Error(`SEED must be "demo" or "none", got "${value}"`);
}

function baseUrlFrom(value: string | undefined, port: number): string {
  const url = (value || `http://localhost:${port}/fhir`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(url)) throw new Error(`BASE_URL must be an absolute http(s) URL, got "${value}"`);
  return url;
}
