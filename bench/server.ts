/**
 * The FHIR server as the benchmark runs it: a child process of bench/run.ts, built exactly as
 * `npm start` builds it (configFromEnv + buildApp) but on the benchmark's own database, no seed,
 * log level warn, loopback only. Reports readiness over IPC and stops with its parent.
 *
 * Env: BENCH_SERVER_DATABASE_URL (required), BENCH_SERVER_PORT (required),
 * BENCH_SERVER_AUTH (`off`, the default: SMART authorization and audit off; `on`: both on, as in
 * production), BENCH_SERVER_ADMIN_TOKEN (with auth on: the admin API's bearer token, so the
 * benchmark can register its client; unset = admin API off).
 */
import { configFromEnv } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { serveChild } from './child-lifecycle.ts';

const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
const port = process.env.BENCH_SERVER_PORT;
if (!databaseUrl || !port) throw new Error('BENCH_SERVER_DATABASE_URL and BENCH_SERVER_PORT are required');
const auth = process.env.BENCH_SERVER_AUTH || 'off';
if (auth !== 'on' && auth !== 'off') throw new Error(`BENCH_SERVER_AUTH must be "on" or "off", got "${auth}"`);

// Only what the benchmark sets: nothing leaks in from the caller's environment (DATABASE_SCHEMA, ...).
const config = configFromEnv({
  PORT: port,
  HOST: '127.0.0.1',
  BASE_URL: `http://127.0.0.1:${port}/fhir`,
  DATABASE_URL: databaseUrl,
  SEED: 'none',
  LOG_LEVEL: 'warn',
  // Most scenarios measure FHIR storage and search, without tokens: authorization and its audit
  // trail off. The read-auth scenario runs a second server with both on, to measure their cost.
  // No per-client rate limit either way (every request comes from one loopback address).
  ...(auth === 'on' ? { AUTH_DISABLED: 'false', AUDIT: 'on', ADMIN_TOKEN: process.env.BENCH_SERVER_ADMIN_TOKEN ?? '' } : { AUTH_DISABLED: 'true', AUDIT: 'off' }),
  RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
});

await serveChild('server', async () => {
  const app = await buildApp(config);
  await app.listen({ port: config.port, host: config.host });
  return { port: config.port, close: () => app.close() };
});
