import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.ts';

/**
 * The resources' JSON is compressed with lz4 where PostgreSQL has it (migration 013); PGlite has
 * only pglz and keeps its default. Either way a large resource reads back byte for byte.
 */
describe('stored JSON compression', () => {
  it('content columns use lz4 where the server offers it, and a large resource round-trips', async () => {
    const { app, close } = await startTestApp();
    try {
      const db = app.database;
      const { rows: offered } = await db.query<{ lz4: boolean }>(`SELECT 'lz4' = ANY (enumvals::text[]) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`);
      const { rows } = await db.query<{ table: string; compression: string }>(
        `SELECT c.relname AS "table", a.attcompression::text AS compression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relname IN ('resource', 'resource_history') AND c.relnamespace = current_schema()::regnamespace AND a.attname = 'content' ORDER BY 1`,
      );
      // 'l' = lz4; '' = the server's default_toast_compression (pglz)
      const expected = offered[0]?.lz4 ? 'l' : '';
      expect(rows).toEqual([{ table: 'resource', compression: expected }, { table: 'resource_history', compression: expected }]);
      if (app.database.kind === 'postgres') expect(expected).toBe('l');

      // 2,000 members: about 150 KB of JSON, compressed and moved out of line (TOAST) on write
      const member = Array.from({ length: 2000 }, (_, i) => ({ entity: { reference: `Patient/p${i}` }, period: { start: '2026-11-24' } }));
      const put = await app.inject({ method: 'PUT', url: '/fhir/Group/large', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Group', id: 'large', type: 'person', actual: true, member } });
      expect(put.statusCode).toBe(201);
      const read = await app.inject({ method: 'GET', url: '/fhir/Group/large' });
      expect(read.statusCode).toBe(200);
      expect(JSON.parse(read.body).member).toEqual(member);
      const vread = await app.inject({ method: 'GET', url: '/fhir/Group/large/_history/1' });
      expect(JSON.parse(vread.body).member).toEqual(member);
      if (expected === 'l') {
        const { rows: stored } = await db.query<{ method: string }>(`SELECT pg_column_compression(content) AS method FROM resource WHERE resource_type = 'Group' AND id = 'large'`);
        expect(stored[0].method).toBe('lz4');
      }
    } finally {
      await close();
    }
  });
});
