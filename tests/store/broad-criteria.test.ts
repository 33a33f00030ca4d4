import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Communication } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import type { SearchQuery } from '../../src/fhir/repository.ts';
import type { SearchCriterion } from '../../src/fhir/search/criteria.ts';
import type { Queryable } from '../../src/store/database.ts';
import { BroadCriteria, searchShape } from '../../src/store/search/broad-criteria.ts';
import { searchResources } from '../../src/store/search/search-resources.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * A criterion whose candidate rows overflowed the candidate page is walked in id order first the
 * next time (broad-criteria.ts): one statement instead of two, the same page; when the walk comes
 * up short the candidate page runs as before.
 */
const date = (prefix: 'lt' | 'ge', value: string): SearchCriterion => ({ kind: 'date', param: 'sent', values: [{ prefix, ...dateValue(value) }] } as SearchCriterion);
function dateValue(value: string) {
  return { value, start: `${value}T00:00:00.000Z`, end: `${value}T23:59:59.999Z` };
}

describe('search shapes', () => {
  it('a range goes by its prefixes, anything else by its values', () => {
    const shape = (type: string, ...criteria: SearchCriterion[]) => searchShape(type, criteria);
    const token = (code: string): SearchCriterion => ({ kind: 'token', param: 'status', values: [{ code }] });
    expect(shape('Communication', date('lt', '2026-01-01'), token('a'))).toBe(shape('Communication', date('lt', '2027-06-30'), token('a')));
    expect(shape('Communication', date('lt', '2026-01-01'))).not.toBe(shape('Communication', date('ge', '2026-01-01')));
    expect(shape('Communication', date('lt', '2026-01-01'))).not.toBe(shape('Task', date('lt', '2026-01-01')));
    expect(shape('Task', date('lt', '2026-01-01'), token('requested'))).not.toBe(shape('Task', date('lt', '2026-01-01'), token('failed')));
  });

  it('a shape is remembered for a minute, and forgotten on demand', () => {
    let now = 0;
    const broad = new BroadCriteria(() => now);
    broad.remember('a');
    expect(broad.has('a')).toBe(true);
    now = 59_999;
    expect(broad.has('a')).toBe(true);
    now = 60_000;
    expect(broad.has('a')).toBe(false);
    broad.remember('b');
    broad.forget('b');
    expect(broad.has('b')).toBe(false);
  });
});

describe('searches walking a broad criterion first', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, close } = await startTestApp());
    // 1,100 sent in 2026 (more than the 1,000 candidate rows a page reads), every fifth one in progress
    const ops = Array.from({ length: 1100 }, (_, i) => {
      const resource: Communication & { id: string } = {
        resourceType: 'Communication',
        id: `bc-${String(i).padStart(4, '0')}`,
        status: i % 5 === 0 ? 'in-progress' : 'completed',
        sent: `2026-03-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z`,
      };
      return { kind: 'create' as const, resource };
    });
    await app.fhir.repo.write(systemAccess, ops);
  });
  afterAll(() => close());

  async function run(criteria: SearchCriterion[]) {
    let statements = 0;
    const q: Queryable = { query: (sql, params, o) => (statements++, app.database.query(sql, params, o)) };
    const query: SearchQuery = { resourceType: 'Communication', criteria, count: 10, offset: 0, total: false };
    const result = await searchResources(q, query, () => true);
    return { statements, ids: result.resources.map((r) => r.id) };
  }
  const statuses: SearchCriterion = { kind: 'token', param: 'status', values: [{ code: 'in-progress' }, { code: 'completed' }] };
  const inProgress = (n: number) => `bc-${String(n * 5).padStart(4, '0')}`;

  it('the first search counts the candidate rows, the next one walks at once, with the same page', async () => {
    const first = await run([date('lt', '2027-01-01'), statuses]);
    expect(first.ids).toEqual(Array.from({ length: 10 }, (_, i) => `bc-${String(i).padStart(4, '0')}`));
    expect(first.statements).toBe(2);
    const next = await run([date('lt', '2026-12-31'), statuses]);
    expect(next.ids).toEqual(first.ids);
    expect(next.statements).toBe(1);
  });

  it('a walk that comes up short falls back to the candidate page: the same shape matching a few', async () => {
    await run([date('lt', '2027-01-01'), statuses]);
    // before 2026-03-02: only those sent on 2026-03-01 (i % 28 === 0), 40 of them; the walk's first 2,000 rows hold them all, a full page
    const few = await run([date('lt', '2026-03-02'), statuses]);
    expect(few.ids).toEqual(Array.from({ length: 10 }, (_, i) => `bc-${String(i * 28).padStart(4, '0')}`));
    // none: the walk comes up short, then the candidate page (no rows) answers
    const none = await run([date('lt', '2020-01-01'), statuses]);
    expect(none.ids).toEqual([]);
    expect(none.statements).toBe(2);
    // and the shape is counted again next time
    expect((await run([date('lt', '2027-01-01'), statuses])).statements).toBe(2);
  });

  it('other criteria make the walk find fewer: still every match in id order', async () => {
    const inProg: SearchCriterion = { kind: 'token', param: 'status', values: [{ code: 'in-progress' }, { code: 'on-hold' }] };
    await run([date('lt', '2027-01-01'), inProg]);
    const page = await run([date('lt', '2027-01-01'), inProg]);
    expect(page.ids).toEqual(Array.from({ length: 10 }, (_, i) => inProgress(i)));
  });
});
