import type { Bundle } from '@medplum/fhirtypes';
import { type RawEntry, bundleJson } from '../bundle/bundle-json.ts';
import { outcome } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { parseSearch } from '../search/parse-search.ts';
import { parseSubset, subsetJson } from '../search/subset.ts';
import { preferStrictHandling } from './prefer.ts';

/** search: GET [type]?params and POST [type]/_search (http.html#search, search.html). */
export async function searchType(ctx: FhirContext, req: FhirRequest, type: string): Promise<FhirResponse> {
  const subset = parseSubset(req.query, type);
  const parsed = parseSearch(ctx.searchParameters, type, req.query, {
    strict: preferStrictHandling(req.headers.prefer),
    baseUrl: ctx.config.baseUrl,
    defaultCount: ctx.config.defaultPageSize,
    maxCount: ctx.config.maxPageSize,
  });
  const result = await ctx.repo.search(ctx.access, {
    resourceType: type,
    criteria: parsed.criteria,
    count: parsed.summaryCount ? 0 : parsed.count,
    offset: parsed.offset,
    sort: parsed.sort,
    total: parsed.total || parsed.summaryCount,
  });
  const url = (offset: number) => {
    const params = new URLSearchParams(parsed.used);
    if (offset > 0) params.set('_offset', String(offset));
    const qs = params.toString();
    return `${ctx.config.baseUrl}/${type}${qs ? `?${qs}` : ''}`;
  };
  const link: Bundle['link'] = [{ relation: 'self', url: url(parsed.offset) }];
  if (!parsed.summaryCount && parsed.count > 0 && result.more) link.push({ relation: 'next', url: url(parsed.offset + parsed.count) });
  if (parsed.offset > 0) link.push({ relation: 'previous', url: url(Math.max(0, parsed.offset - parsed.count)) });
  const entries: RawEntry[] = result.resources.map((r) => ({
    fullUrl: `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`,
    resource: r.json === null ? undefined : subsetJson(r.json, subset),
    search: { mode: 'match' },
  }));
  if (parsed.warnings.length > 0) entries.push({ resource: outcome(parsed.warnings), search: { mode: 'outcome' } });
  const head = { resourceType: 'Bundle' as const, type: 'searchset' as const, ...(result.total !== undefined ? { total: result.total } : {}), link };
  return { status: 200, body: bundleJson(head, entries) };
}
