import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Organization } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import { joinedColumn } from '../../src/store/indexing/index-columns.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * Index columns go to the write statement each as one text split back by PostgreSQL
 * (IndexColumns.joinedParams, write-sql.ts): every value, NULL and empty string included, comes
 * back as it was; a value holding one of the two control characters that text uses falls back to
 * arrays, and its rows are still written and found.
 */
let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, close } = await startTestApp());
});
afterAll(() => close());

async function splitBack(joined: string): Promise<(string | null)[]> {
  const { rows } = await app.database.query<{ a: (string | null)[] }>(`SELECT trim_array(string_to_array($1::text, chr(1), chr(2)), 1) AS a`, [joined]);
  return rows[0].a;
}

describe('joined index columns', () => {
  it('every value comes back as written: NULLs, empty strings, quotes, backslashes, array syntax, unicode', async () => {
    const values = ['plain', null, '', 'quotes " and \\ backslash', '{braces},commas', 'NULL', '\t tab and\nnewline', 'é 中文 😀', ''];
    const joined = joinedColumn(values)!;
    expect(await splitBack(joined)).toEqual(values);
    expect(await splitBack(joinedColumn([''])!)).toEqual(['']);
    expect(await splitBack(joinedColumn([null])!)).toEqual([null]);
  });

  it('numbers and instants arrive as their types', async () => {
    const { rows } = await app.database.query<{ n: string[]; t: boolean[] }>(
      `SELECT trim_array(string_to_array($1::text, chr(1), chr(2)), 1)::numeric[]::text[] AS n,
              (SELECT array_agg(v = e ORDER BY o) FROM unnest(trim_array(string_to_array($2::text, chr(1), chr(2)), 1)::timestamptz[],
                      ARRAY['2026-11-24 08:00:00+00', '-infinity', 'infinity']::timestamptz[]) WITH ORDINALITY AS x(v, e, o)) AS t`,
      [joinedColumn([1.5, 0, -2e-7, 12345678901234]), joinedColumn(['2026-11-24T08:00:00.000Z', '-infinity', 'infinity'])],
    );
    expect(rows[0].n.map(Number)).toEqual([1.5, 0, -2e-7, 12345678901234]);
    expect(rows[0].t).toEqual([true, true, true]);
  });

  it('a value holding a control character of the joined text is not joined', () => {
    expect(joinedColumn(['a', 'b\u0001c'])).toBeUndefined();
    expect(joinedColumn(['\u0002'])).toBeUndefined();
  });

  it('a resource whose index values hold those characters (written without validation) is stored and found through the array form', async () => {
    const org: Organization & { id: string } = { resourceType: 'Organization', id: 'ctl-index', name: 'ctl', identifier: [{ system: 'urn:test', value: 'a\u0001b' }, { system: 'urn:test', value: 'plain-ctl' }] };
    await app.fhir.repo.write(systemAccess, [{ kind: 'create', resource: org }]);
    for (const code of ['a\u0001b', 'plain-ctl']) {
      const found = await app.fhir.repo.search(systemAccess, { resourceType: 'Organization', criteria: [{ kind: 'token', param: 'identifier', values: [{ system: 'urn:test', code }] }], count: 10, offset: 0 });
      expect(found.resources.map((r) => r.id)).toEqual(['ctl-index']);
    }
  });

  it('the joined form writes the rows a search finds, including an update that keeps some and drops others', async () => {
    const put = (identifier: string[]) =>
      app.inject({ method: 'PUT', url: '/fhir/Organization/joined', headers: { 'content-type': 'application/fhir+json' }, payload: { resourceType: 'Organization', id: 'joined', name: 'Joined "Org" \\ one', identifier: identifier.map((value) => ({ system: 'urn:j', value })) } });
    expect((await put(['k1', 'k2', ''.padEnd(3, 'x')])).statusCode).toBe(201);
    expect((await put(['k2', 'k3'])).statusCode).toBe(200);
    const ids = async (q: string) => JSON.parse((await app.inject({ method: 'GET', url: `/fhir/Organization?${q}` })).body).entry?.map((e: { resource: { id: string } }) => e.resource.id) ?? [];
    expect(await ids('identifier=urn:j|k1')).toEqual([]);
    expect(await ids('identifier=urn:j|k2')).toEqual(['joined']);
    expect(await ids('identifier=urn:j|k3')).toEqual(['joined']);
    expect(await ids(`name=${encodeURIComponent('Joined "Org"')}`)).toEqual(['joined']);
  });
});
