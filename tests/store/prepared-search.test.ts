import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { SearchQuery } from '../../src/fhir/repository.ts';
import type { QueryOptions, Queryable } from '../../src/store/database.ts';
import { searchResources } from '../../src/store/search/search-resources.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * A search the server runs itself in fixed shapes (SearchQuery.prepared: the ECM operations'
 * lookups) sends every statement prepared, its include too, and finds the same as unprepared;
 * any other search (a client's, whose shapes are unbounded) sends none prepared, since each
 * prepared text stays on every connection.
 */
let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await startTestApp());
  const put = (resource: { resourceType: string; id: string } & Record<string, unknown>) =>
    app.inject({ method: 'PUT', url: `/fhir/${resource.resourceType}/${resource.id}`, headers: { 'content-type': 'application/fhir+json' }, payload: resource });
  expect((await put({ resourceType: 'Organization', id: 'prep-org', name: 'Provider' })).statusCode).toBe(201);
  for (const id of ['prep-g1', 'prep-g2']) {
    expect((await put({ resourceType: 'Group', id, type: 'person', actual: true, managingEntity: { reference: 'Organization/prep-org' } })).statusCode).toBe(201);
  }
});

afterAll(() => close());

function recording(db: Queryable): { q: Queryable; options: (QueryOptions | undefined)[] } {
  const options: (QueryOptions | undefined)[] = [];
  return { options, q: { query: (sql, params, o) => (options.push(o), db.query(sql, params, o)) } };
}

const query = (prepared: boolean): SearchQuery => ({
  resourceType: 'Group',
  criteria: [{ kind: 'token', param: 'type', values: [{ code: 'person' }] }],
  count: 10,
  offset: 0,
  total: false,
  include: [{ reverse: false, sourceType: 'Group', param: 'managing-entity', targetType: 'Organization', iterate: false }],
  ...(prepared ? { prepared } : {}),
});

async function run(prepared: boolean) {
  const { q, options } = recording(app.database);
  const result = await searchResources(q, query(prepared), () => true);
  return { options, found: result.resources.map((r) => r.id), included: (result.included ?? []).map((r) => `${r.resourceType}/${r.id}`) };
}

describe('prepared search statements', () => {
  it('a server search (prepared) sends each of its statements, the include among them, prepared, and finds what the unprepared one finds', async () => {
    const prepared = await run(true);
    expect(prepared.found).toEqual(['prep-g1', 'prep-g2']);
    expect(prepared.included).toEqual(['Organization/prep-org']);
    expect(prepared.options.length).toBeGreaterThanOrEqual(2);
    expect(prepared.options.every((o) => o?.prepared === true)).toBe(true);
    // again on the statements already prepared
    expect((await run(true)).found).toEqual(['prep-g1', 'prep-g2']);
  });

  it('any other search sends none prepared', async () => {
    const plain = await run(false);
    expect(plain.found).toEqual(['prep-g1', 'prep-g2']);
    expect(plain.included).toEqual(['Organization/prep-org']);
    expect(plain.options.length).toBeGreaterThanOrEqual(2);
    expect(plain.options.some((o) => o?.prepared)).toBe(false);
  });
});
