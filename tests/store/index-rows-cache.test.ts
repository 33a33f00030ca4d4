import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Group } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import type { Queryable } from '../../src/store/database.ts';
import { IndexExtractor } from '../../src/store/indexing/index-extractor.ts';
import { IndexRowsCache, LARGE_RESOURCE_ROWS, keyedRows, rowsDiff } from '../../src/store/indexing/index-rows-cache.ts';
import { emptyIndexRows } from '../../src/store/indexing/index-tables.ts';
import { PostgresRepository } from '../../src/store/postgres-repository.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * A large resource's update sends only the index rows that differ from the version this process
 * wrote before (IndexRowsCache): what is stored afterwards is still exactly the new version's
 * rows, also after a rolled-back transaction and after another process wrote a version in between.
 */
describe('IndexRowsCache', () => {
  const rows = (members: string[]) => ({ ...emptyIndexRows(), reference: members.map((m) => ({ param: 'member', target_type: 'Patient', target_id: m, url: null })) });
  const many = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `p${i + from}`);

  it('diffs by value: the rows added and the rows dropped, each once', () => {
    const { added, gone } = rowsDiff(keyedRows(rows(['a', 'b', 'c'])), keyedRows(rows(['b', 'c', 'd', 'd'])));
    expect(added.reference.map((r) => r.target_id)).toEqual(['d']);
    expect(gone.reference.map((r) => r.target_id)).toEqual(['a']);
    // a NULL and the text "~" are different values
    const nulls = rowsDiff(keyedRows({ ...emptyIndexRows(), token: [{ param: 'p', system: null, code: 'c', display: null }] }), keyedRows({ ...emptyIndexRows(), token: [{ param: 'p', system: '~', code: 'c', display: null }] }));
    expect([nulls.added.token.length, nulls.gone.token.length]).toEqual([1, 1]);
  });

  it('answers only for the version it holds, keeps only large resources, and forgets the least recently written first', () => {
    const cache = new IndexRowsCache(3 * LARGE_RESOURCE_ROWS);
    cache.set('Group', 'small', 1, keyedRows(rows(many(LARGE_RESOURCE_ROWS - 1))));
    expect(cache.get('Group', 'small', 1)).toBeUndefined();
    for (const id of ['g1', 'g2', 'g3']) cache.set('Group', id, 4, keyedRows(rows(many(LARGE_RESOURCE_ROWS))));
    expect(cache.get('Group', 'g1', 4)).toBeDefined();
    expect(cache.get('Group', 'g1', 3)).toBeUndefined();
    cache.set('Group', 'g4', 1, keyedRows(rows(many(LARGE_RESOURCE_ROWS))));
    expect(cache.get('Group', 'g1', 4)).toBeUndefined();
    expect(['g2', 'g3', 'g4'].map((id) => cache.get('Group', id, id === 'g4' ? 1 : 4) !== undefined)).toEqual([true, true, true]);
  });
});

describe('updates of a large Group', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let extractor: IndexExtractor;
  beforeAll(async () => {
    ({ app, close } = await startTestApp());
    extractor = new IndexExtractor(app.fhir.searchParameters, app.fhir.config.baseUrl);
  });
  afterAll(() => close());

  const member = (i: number) => `Patient/lg-${String(i).padStart(3, '0')}`;
  const group = (id: string, members: number[], code = 'a'): Group & { id: string } => ({
    resourceType: 'Group',
    id,
    type: 'person',
    actual: true,
    code: { coding: [{ system: 'http://example.org/cs', code }] },
    managingEntity: { reference: 'Organization/lg-plan' },
    member: members.map((i) => ({ entity: { reference: member(i) } })),
  });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  /** The stored reference and token rows and the number of date rows of a Group, and what the version last written should have. */
  async function rowsOf(id: string, written: Group) {
    const q = app.database;
    const refs = (await q.query<{ k: string }>(`SELECT param || ' ' || coalesce(target_type, '') || '/' || coalesce(target_id, '') AS k FROM search_reference WHERE resource_type = 'Group' AND id = $1`, [id])).rows.map((r) => r.k).sort();
    const tokens = (await q.query<{ k: string }>(`SELECT param || ' ' || coalesce(system, '∅') || '|' || coalesce(code, '∅') AS k FROM search_token WHERE resource_type = 'Group' AND id = $1`, [id])).rows.map((r) => r.k).sort();
    const dates = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM search_date WHERE resource_type = 'Group' AND id = $1`, [id])).rows[0].n);
    const expected = extractor.extract(written);
    return {
      stored: { refs, tokens, dates },
      expected: {
        refs: [...new Set(expected.reference.map((r) => `${r.param} ${r.target_type ?? ''}/${r.target_id ?? ''}`))].sort(),
        tokens: [...new Set(expected.token.map((r) => `${r.param} ${r.system ?? '∅'}|${r.code ?? '∅'}`))].sort(),
        dates: new Set(expected.date.map((r) => `${r.param} ${r.start_at} ${r.end_at}`)).size,
      },
    };
  }

  async function update(repo: PostgresRepository, resource: Group & { id: string }): Promise<void> {
    const current = await repo.read(systemAccess, 'Group', resource.id);
    await repo.write(systemAccess, [{ kind: 'update', resource, ifMatch: current!.versionId }]);
  }

  it('sends only the changed rows and stores exactly the new version’s rows', async () => {
    const repo = app.fhir.repo as PostgresRepository;
    await repo.write(systemAccess, [{ kind: 'create', resource: group('lg-1', range(0, 100)) }]);
    // members 0 and 1 leave, 100 joins, the code changes: through a recording transaction to see what is sent
    const sent: unknown[][] = [];
    const changed = group('lg-1', range(2, 101), 'b');
    await repo.transaction(async (tx) => {
      const inner = tx as unknown as { tx: Queryable };
      const real = inner.tx;
      Object.defineProperty(inner, 'tx', { value: { query: (sql: string, params?: unknown[], o?: unknown) => (sql.includes('WITH input AS') && sent.push(params ?? []), real.query(sql, params, o as never)) } });
      await update(tx as PostgresRepository, changed);
    });
    const params = JSON.stringify(sent.map((p) => p.slice(8))); // the index rows, not the JSON
    expect(sent).toHaveLength(1);
    expect(params).toContain('lg-100');
    expect(params).toContain('lg-000'); // dropped: sent to delete
    expect(params).not.toContain('lg-050'); // kept: not sent at all
    const { stored, expected } = await rowsOf('lg-1', changed);
    expect(stored).toEqual(expected);
    expect(stored.refs).toContain('member Patient/lg-100');
    expect(stored.refs).not.toContain('member Patient/lg-000');
    expect(stored.tokens).toContain('code http://example.org/cs|b');
    expect(stored.tokens).not.toContain('code http://example.org/cs|a');
    const found = await app.inject({ method: 'GET', url: '/fhir/Group?member=Patient/lg-100&_elements=id' });
    expect(found.json().entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['lg-1']);
    const gone = await app.inject({ method: 'GET', url: '/fhir/Group?member=Patient/lg-000&_elements=id' });
    expect(gone.json().entry ?? []).toEqual([]);
  });

  it('a rolled-back update is not remembered, even when another process then writes that version number', async () => {
    const repo = app.fhir.repo as PostgresRepository;
    const other = new PostgresRepository(app.database, extractor);
    await repo.write(systemAccess, [{ kind: 'create', resource: group('lg-2', range(0, 100)) }]);
    await expect(
      repo.transaction(async (tx) => {
        await update(tx as PostgresRepository, group('lg-2', range(50, 150)));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await update(other, group('lg-2', range(0, 100), 'c')); // version 2, as the rolled-back one was
    const last = group('lg-2', range(1, 101));
    await update(repo, last);
    const { stored, expected } = await rowsOf('lg-2', last);
    expect(stored).toEqual(expected);
    expect(stored.refs.filter((r) => r.startsWith('member '))).toHaveLength(100);
    expect(stored.refs).not.toContain('member Patient/lg-000');
  });

  it('a version written by another process in between is compared in the database, not taken from the cache', async () => {
    const repo = app.fhir.repo as PostgresRepository;
    const other = new PostgresRepository(app.database, extractor);
    await repo.write(systemAccess, [{ kind: 'create', resource: group('lg-3', range(0, 100)) }]);
    await update(other, group('lg-3', range(0, 120), 'c'));
    const last = group('lg-3', range(10, 110));
    await update(repo, last);
    const { stored, expected } = await rowsOf('lg-3', last);
    expect(stored).toEqual(expected);
    expect(stored.refs).not.toContain('member Patient/lg-115');
    expect(stored.tokens).not.toContain('code http://example.org/cs|c');
  });
});
