import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.ts';
import { tablesWithDeadRows } from '../../src/store/dead-row-vacuum.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * The server vacuums its own tables where PostgreSQL's autovacuum is off (src/store/dead-row-vacuum.ts):
 * the dead row versions updates leave behind are reclaimed. Where autovacuum is on, and on PGlite,
 * the server leaves it alone.
 */
const onPostgres = !!process.env.TEST_DATABASE_URL;

interface TableStats {
  n_dead_tup: number;
  vacuum_count: number;
}

describe('the server vacuums where autovacuum is off', () => {
  it(onPostgres ? 'PostgreSQL: vacuums a table past the dead-row threshold when autovacuum is off, else leaves it to autovacuum' : 'PGlite: never vacuums (one embedded connection)', async () => {
    const { app, close } = await startTestApp({ vacuum: { intervalMs: 60_000, minDeadRows: 20 } });
    try {
      const vacuum = app.vacuum!;
      expect(vacuum).toBeDefined();
      const started = await vacuum.start();
      if (!onPostgres) {
        expect(started).toBe(false);
        return;
      }
      const { rows } = await app.database.query<{ setting: string }>(`SELECT current_setting('autovacuum') AS setting`);
      expect(started).toBe(rows[0].setting === 'off');
      if (!started) return;

      const stats = async () =>
        (
          await app.database.query<TableStats>(
            `SELECT n_dead_tup::int AS n_dead_tup, vacuum_count::int AS vacuum_count FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'resource'`,
          )
        ).rows[0];
      const put = (n: number) =>
        app.inject({ method: 'PUT', url: '/fhir/Organization/vacuumed', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Organization', id: 'vacuumed', name: `version ${n}` } });
      for (let n = 0; n < 40; n++) expect((await put(n)).statusCode).toBeLessThan(300);
      // a backend reports its row counts at most once a second: one more update after that
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await put(40)).statusCode).toBe(200);
      let dead: string[] = [];
      for (let i = 0; i < 50 && !dead.includes('resource'); i++) {
        dead = await tablesWithDeadRows(app.database, 20);
        if (!dead.includes('resource')) await new Promise((r) => setTimeout(r, 200));
      }
      expect(dead).toContain('resource');
      const before = await stats();
      expect(before.n_dead_tup).toBeGreaterThanOrEqual(20);

      expect(await vacuum.runOnce()).toContain('resource');
      const after = await stats();
      expect(after.vacuum_count).toBeGreaterThan(before.vacuum_count);
      expect(after.n_dead_tup).toBeLessThan(20);
      // nothing lost: the current version reads back
      expect(JSON.parse((await app.inject({ method: 'GET', url: '/fhir/Organization/vacuumed' })).body).name).toBe('version 40');
    } finally {
      await close();
    }
  });

  it('VACUUM_INTERVAL_SECONDS and VACUUM_MIN_DEAD_ROWS set it; 0 turns it off; bad values are refused', () => {
    expect(configFromEnv({}).vacuum).toEqual({ intervalMs: 10_000, minDeadRows: 1_000 });
    expect(configFromEnv({ VACUUM_INTERVAL_SECONDS: '30', VACUUM_MIN_DEAD_ROWS: '500' }).vacuum).toEqual({ intervalMs: 30_000, minDeadRows: 500 });
    expect(configFromEnv({ VACUUM_INTERVAL_SECONDS: '0' }).vacuum?.intervalMs).toBe(0);
    expect(() => configFromEnv({ VACUUM_INTERVAL_SECONDS: '-1' })).toThrow(/VACUUM_INTERVAL_SECONDS/);
    expect(() => configFromEnv({ VACUUM_MIN_DEAD_ROWS: 'many' })).toThrow(/VACUUM_MIN_DEAD_ROWS/);
  });
});
