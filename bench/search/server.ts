/**
 * The FHIR server for the search benchmark: bench/server.ts's set-up (configFromEnv + buildApp,
 * no seed, log level warn, loopback) with SMART authorization off, so that search is measured on
 * its own, like the other benchmark scenarios.
 *
 * Env: BENCH_SERVER_DATABASE_URL (required), BENCH_SERVER_PORT (required).
 */
import { configFromEnv } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { serveChild } from '../child-lifecycle.ts';

const databaseUrl = process.env.BENCH_SERVER_DATABASE_URL;
const port = process.env.BENCH_SERVER_PORT;
if (!databaseUrl || !port) throw new Error('BENCH_SERVER_DATABASE_URL and BENCH_SERVER_PORT are required');

const config = configFromEnv({
  PORT: port,
  HOST: '127.0.0.1',
  BASE_URL: `http://127.0.0.1:${port}/fhir`,
  DATABASE_URL: databaseUrl,
  SEED: 'none',
  LOG_LEVEL: 'warn',
  AUTH_DISABLED: 'true',
});

await serveChild('search server', async () => {
  const app = await buildApp(config);
  await app.listen({ port: config.port, host: config.host });
  return { port: config.port, close: () => app.close() };
});
