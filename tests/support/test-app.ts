import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { ServerConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';

export const BASE_URL = 'http://localhost:8080/fhir';

/**
 * A server on its own database: an in-memory PGlite by default, or a fresh schema in the
 * PostgreSQL at TEST_DATABASE_URL (dropped again by `close`), so test files never share data.
 */
export async function startTestApp(overrides: Partial<ServerConfig> = {}): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const databaseUrl = process.env.TEST_DATABASE_URL || undefined;
  const schema = databaseUrl ? `test_${randomBytes(6).toString('hex')}` : undefined;
  const config: ServerConfig = {
    port: 0,
    host: '127.0.0.1',
    baseUrl: BASE_URL,
    databaseUrl,
    dataDir: 'memory://',
    seed: 'none',
    logLevel: 'silent',
    bodyLimit: 1024 * 1024,
    maxPageSize: 100,
    defaultPageSize: 20,
    schema,
    pgliteTemplate: databaseUrl ? undefined : process.env.PGLITE_TEMPLATE,
    // Most tests exercise FHIR semantics without tokens; tests/auth opt in with authDisabled: false.
    authDisabled: true,
    ...overrides,
  };
  const app = await buildApp(config);
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      if (databaseUrl && schema) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}
