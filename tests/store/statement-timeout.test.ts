import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../src/http/errors.ts';
import { startTestApp } from '../support/test-app.ts';

describe('statement timeout (STATEMENT_TIMEOUT_MS)', () => {
  // PGlite runs one statement at a time in-process and has no timer to cancel it: the limit is
  // PostgreSQL's (README, STATEMENT_TIMEOUT_MS), so each database is held to what it does.
  const onPostgres = !!process.env.TEST_DATABASE_URL;
  it(onPostgres ? 'PostgreSQL cancels a statement running longer than the limit' : 'PGlite runs the statement to its end (the limit is not applied)', async () => {
    const { app, close } = await startTestApp({ statementTimeoutMs: 100 });
    try {
      const slow = app.database.query('SELECT pg_sleep(0.3)');
      if (onPostgres) await expect(slow).rejects.toMatchObject({ code: '57014' });
      else expect((await slow).rows).toHaveLength(1);
      expect((await app.database.query<{ ok: number }>('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      await close();
    }
  });

  it(onPostgres ? 'PostgreSQL: a maintenance statement (untimed) runs past the limit, and the connection it ran on (the pool hands the last one back first) keeps the limit afterwards' : 'PGlite: an untimed statement runs as any other', async () => {
    const { app, close } = await startTestApp({ statementTimeoutMs: 100 });
    try {
      expect((await app.database.query<{ ok: number }>('SELECT 1 AS ok FROM pg_sleep(0.3)', [], { untimed: true })).rows[0].ok).toBe(1);
      const slow = app.database.query('SELECT pg_sleep(0.3)');
      if (onPostgres) await expect(slow).rejects.toMatchObject({ code: '57014' });
      else expect((await slow).rows).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('a cancelled statement answers 503 with an OperationOutcome (timeout), not a 500', async () => {
    const app = Fastify();
    registerErrorHandling(app);
    app.get('/slow', async () => {
      throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    });
    const res = await app.inject({ method: 'GET', url: '/slow' });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'timeout' }] });
  });
});
