import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrate.ts';

describe('migrations', () => {
  it('apply once, are recorded, and a second run applies nothing', async () => {
    const db = await openDatabase({
      databaseUrl: process.env.TEST_DATABASE_URL || undefined,
      dataDir: 'memory://',
      schema: process.env.TEST_DATABASE_URL ? `test_migrate_${process.pid}_${Date.now()}` : undefined,
    });
    try {
      const first = await migrate(db);
      expect(first).toContain('001_resources.sql');
      expect(await migrate(db)).toEqual([]);
      const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(recorded.rows.map((r) => r.name)).toEqual(first);
      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['resource', 'resource_history', 'search_token']));
    } finally {
      if (process.env.TEST_DATABASE_URL) await db.query('DROP SCHEMA IF EXISTS ' + '"' + (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s + '" CASCADE');
      await db.close();
    }
  });
});
