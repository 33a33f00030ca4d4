import type { Bundle } from '@medplum/fhirtypes';
import { type RawEntry, bundleJson } from '../bundle/bundle-json.ts';
import { badRequest } from '../outcome.ts';
import type { HistoryQuery } from '../repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { dateRange, isInstant } from '../search/date-range.ts';

/**
 * history at instance, type and system level (http.html#history): newest first, with `_since`,
 * `_at`, `_count` and keyset paging links (`_cursor`, see src/store/history-query.ts).
 */
export async function history(ctx: FhirContext, req: FhirRequest, type?: string, id?: string): Promise<FhirResponse> {
  const query: HistoryQuery = { resourceType: type, id, count: ctx.config.defaultPageSize };
  const kept: [string, string][] = [];
  for (const [name, value] of req.query) {
    if (name === '_count') {
      if (!/^\d+$/.test(value)) throw badRequest(`Invalid _count "${value}"`, ['_count']);
      query.count = Math.min(Number(value), ctx.config.maxPageSize);
      kept.push([name, String(query.count)]);
    } else if (name === '_since') {
      if (!isInstant(value)) throw badRequest(`Invalid _since "${value}": expected an instant such as 2026-01-01T00:00:00Z`, ['_since']);
      query.since = value;
      kept.push([name, value]);
    } else if (name === '_at') {
      const range = dateRange(value);
      if (!range) throw badRequest(`Invalid _at "${value}": expected a FHIR date or dateTime`, ['_at']);
      query.atFrom = range.start;
      query.atTo = range.end;
      kept.push([name, value]);
    } else if (name === '_cursor') {
      if (!/^\d+$/.test(value)) throw badRequest(`Invalid _cursor "${value}"`, ['_cursor']);
      query.cursor = value;
    } else if (name !== '_format' && name !== '_pretty') {
      throw badRequest(`Unknown history parameter "${name}" (supported: _count, _since, _at)`, [name]);
    }
  }
  const page = await ctx.repo.history(ctx.access, query);
  const path = [type, id, '_history'].filter(Boolean).join('/');
  const url = (extra: [string, string][]) => {
    const qs = new URLSearchParams([...kept, ...extra]).toString();
    return `${ctx.config.baseUrl}/${path}${qs ? `?${qs}` : ''}`;
  };
  const link: Bundle['link'] = [{ relation: 'self', url: url(query.cursor ? [['_cursor', query.cursor]] : []) }];
  if (page.nextCursor) link.push({ relation: 'next', url: url([['_cursor', page.nextCursor]]) });
  const entries: RawEntry[] = page.entries.map(({ stored, method }) => {
    const fullUrl = `${ctx.config.baseUrl}/${stored.resourceType}/${stored.id}`;
    const entry: RawEntry = {
      fullUrl,
      request: { method, url: method === 'POST' ? stored.resourceType : `${stored.resourceType}/${stored.id}` },
      response: {
        status: method === 'POST' ? '201 Created' : method === 'DELETE' ? '204 No Content' : '200 OK',
        etag: `W/"${stored.versionId}"`,
        lastModified: stored.lastUpdated,
      },
    };
    if (stored.json !== null) entry.resource = stored.json;
    return entry;
  });
  return { status: 200, body: bundleJson({ resourceType: 'Bundle', type: 'history', total: page.total, link }, entries) };
}
