import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.ts';
import { tablesDue } from '../../src/store/server-autovacuum.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * The server vacuums and analyzes its own tables where PostgreSQL's autovacuum is off
 * (src/store/server-autovacuum.ts): the dead row versions updates leave behind are reclaimed and
 * the planner's statistics renewed. Where autovacuum is on, and on PGlite, the server leaves it alone.
 */
const onPostgres = !!process.env.TEST_DATABASE_URL;

interface TableStats {
  n_dead_tup: number;
  vacuum_count: number;
  analyze_count: number;
}

describe('the server vacuums and analyzes where autovacuum is off', () => {
  it(onPostgres ? 'PostgreSQL: vacuums and analyzes a table past the thresholds when autovacuum is off, else leaves it to autovacuum' : 'PGlite: never vacuums (one embedded connection)', async () => {
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
            `SELECT n_dead_tup::int AS n_dead_tup, vacuum_count::int AS vacuum_count, analyze_count::int AS analyze_count FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'resource'`,
          )
        ).rows[0];
      const put = (n: number) =>
        app.inject({ method: 'PUT', url: '/fhir/Organization/vacuumed', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Organization', id: 'vacuumed', name: `version ${n}` } });
      for (let n = 0; n < 60; n++) expect((await put(n)).statusCode).toBeLessThan(300);
      // a backend reports its row counts at most once a second: one more update after that
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await put(60)).statusCode).toBe(200);
      // 61 versions of one row: 60 dead, and 61 changes since the last ANALYZE (more than 50 + 10 % of 1 row);
      // an idle backend reports them within 10 s at the latest
      const resourceDue = async () => (await tablesDue(app.database, 20)).find((t) => t.table === 'resource');
      let due = await resourceDue();
      for (let i = 0; i < 80 && !(due?.vacuum && due.analyze); i++) {
        await new Promise((r) => setTimeout(r, 200));
        due = await resourceDue();
      }
      expect(due).toEqual({ table: 'resource', vacuum: true, analyze: true });
      const before = await stats();
      expect(before.n_dead_tup).toBeGreaterThanOrEqual(20);

      expect((await vacuum.runOnce()).map((t) => t.table)).toContain('resource');
      const after = await stats();
      expect(after.vacuum_count).toBeGreaterThan(before.vacuum_count);
      expect(after.analyze_count).toBeGreaterThan(before.analyze_count);
      expect(after.n_dead_tup).toBeLessThan(20);
      // nothing lost: the current version reads back
      expect(JSON.parse((await app.inject({ method: 'GET', url: '/fhir/Organization/vacuumed' })).body).name).toBe('version 60');
    } finally {
      await close();
    }
  });

  it(onPostgres ? 'PostgreSQL: a table analyzed less than a minute ago waits, unless more than half of it changed' : 'PGlite: nothing to analyze', async () => {
    if (!onPostgres) return;
    const { app, close } = await startTestApp({ vacuum: { intervalMs: 0, minDeadRows: 1_000_000 } });
    try {
      const db = app.database;
      // a table of its own, so the test's other writes do not move its counts
      await db.query('CREATE TABLE analyze_probe (n int)');
      const probeDue = async () => (await tablesDue(db, 1_000_000)).find((t) => t.table === 'analyze_probe');
      const reported = async (column: 'n_live_tup' | 'n_mod_since_analyze', expected: number) => {
        // a backend reports its row counts at most once a second, an idle one within 10 s
        for (let i = 0; i < 80; i++) {
          const { rows } = await db.query<{ n: number }>(`SELECT ${column}::int AS n FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'analyze_probe'`);
          if (rows[0]?.n === expected) return;
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`analyze_probe: ${column} never reached ${expected}`);
      };
      await db.query('INSERT INTO analyze_probe SELECT generate_series(1, 1000)');
      await reported('n_live_tup', 1000);
      await db.query('ANALYZE analyze_probe');
      await reported('n_mod_since_analyze', 0);
      // 300 changes: past 50 + 10 % of 1,000 rows, but less than half the table, and ANALYZE ran just now
      await db.query('UPDATE analyze_probe SET n = n + 1 WHERE n <= 300');
      await reported('n_mod_since_analyze', 300);
      expect(await probeDue()).toBeUndefined();
      // 600 changes: more than half the table, so its statistics are far off: due at once
      await db.query('UPDATE analyze_probe SET n = n + 1 WHERE n <= 301');
      await reported('n_mod_since_analyze', 601);
      expect(await probeDue()).toEqual({ table: 'analyze_probe', vacuum: false, analyze: true });
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
