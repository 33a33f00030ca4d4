import type { Bundle } from '@medplum/fhirtypes';
import { COMPARTMENT_TYPES, compartmentMemberTypes, compartmentParams, isCompartmentType } from '../compartments/compartments.ts';
import { type RawEntry, bundleJson } from '../bundle/bundle-json.ts';
import { badRequest, notFound, outcome } from '../outcome.ts';
import type { SearchCriterion } from '../repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { isResourceType } from '../resource-types.ts';
import { parseSearch } from '../search/parse-search.ts';
import { parseSubset, subsetJson } from '../search/subset.ts';
import { terminologyWithStored, valueSetUrlsOf } from '../terminology/stored-terminology.ts';
import { preferStrictHandling } from './prefer.ts';

interface SearchScope {
  /** The type parsed against (for system search: the first of `types`). */
  resourceType: string;
  types?: string[];
  /** Criteria the scope adds (compartment membership). */
  scopeCriteria?: SearchCriterion[];
  /** The path links point to, after the base (e.g. "Task", "Patient/1/Task", ""). */
  linkPath: string;
}

/** search: GET [type]?params and POST [type]/_search (http.html#search, search.html). */
export function searchType(ctx: FhirContext, req: FhirRequest, type: string): Promise<FhirResponse> {
  return search(ctx, req, { resourceType: type, linkPath: type });
}

/** System search: GET [base]?_type=A,B&... and POST [base]/_search (http.html#search). */
export function searchSystem(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const typeParam = req.query.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(','));
  for (const t of typeParam) if (!isResourceType(t)) throw badRequest(`Unknown resource type "${t}" in _type`, ['_type']);
  const types = [...new Set(typeParam)];
  return search(ctx, req, { resourceType: types[0] ?? 'Resource', types, linkPath: '' });
}

/**
 * Compartment search (compartmentdefinition.html#search): `Patient/[id]/Task` searches the Tasks
 * that refer to the patient through a parameter the Patient CompartmentDefinition names;
 * `Patient/[id]/*` searches every type in the compartment. The same for the Encounter,
 * RelatedPerson, Practitioner and Device compartments.
 */
export function searchCompartment(ctx: FhirContext, req: FhirRequest, compartment: string, id: string, type: string): Promise<FhirResponse> {
  if (!isCompartmentType(compartment)) throw notFound(`${compartment} is not a compartment (compartments: ${COMPARTMENT_TYPES.join(', ')})`);
  if (type !== '*' && !isResourceType(type)) throw notFound(`Unknown resource type "${type}"`);
  const types = type === '*' ? compartmentMemberTypes(compartment) : [type];
  const params = [...new Set(types.flatMap((t) => compartmentParams(compartment, t) ?? []))];
  if (params.length === 0) throw notFound(`${type} is not in the ${compartment} compartment`);
  const scopeCriteria: SearchCriterion[] = [{ kind: 'compartment', params, targetType: compartment, targetId: id }];
  const linkPath = `${compartment}/${id}/${type}`;
  if (type === '*') return search(ctx, req, { resourceType: 'Resource', types, scopeCriteria, linkPath });
  return search(ctx, req, { resourceType: type, scopeCriteria, linkPath });
}

async function search(ctx: FhirContext, req: FhirRequest, scope: SearchScope): Promise<FhirResponse> {
  const subset = parseSubset(req.query, scope.resourceType);
  const parsed = parseSearch(ctx.searchParameters, scope.resourceType, req.query, {
    strict: preferStrictHandling(req.headers.prefer),
    baseUrl: ctx.config.baseUrl,
    defaultCount: ctx.config.defaultPageSize,
    maxCount: ctx.config.maxPageSize,
    types: scope.types,
    terminology: await terminologyWithStored(ctx, valueSetUrlsOf(req.query)),
  });
  const result = await ctx.repo.search(ctx.access, {
    resourceType: scope.resourceType,
    types: scope.types,
    criteria: [...(scope.scopeCriteria ?? []), ...parsed.criteria],
    count: parsed.summaryCount ? 0 : parsed.count,
    offset: parsed.offset,
    cursor: parsed.cursor,
    sort: parsed.sort,
    total: parsed.total || parsed.summaryCount,
    exactTotal: parsed.exactTotal || parsed.summaryCount,
    include: parsed.include,
  });
  const url = (position?: { offset?: number; cursor?: string }) => {
    const params = new URLSearchParams(parsed.used);
    if (position?.offset) params.set('_offset', String(position.offset));
    if (position?.cursor) params.set('_cursor', position.cursor);
    const qs = params.toString();
    return `${ctx.config.baseUrl}${scope.linkPath ? `/${scope.linkPath}` : ''}${qs ? `?${qs}` : ''}`;
  };
  const link: Bundle['link'] = [{ relation: 'self', url: url(parsed.cursor ? { cursor: parsed.cursor } : { offset: parsed.offset }) }];
  if (!parsed.summaryCount && parsed.count > 0) {
    // explicit _offset paging keeps offsets; otherwise links carry keyset cursors (src/store/search/keyset.ts)
    const byOffset = parsed.offset > 0 && !parsed.cursor;
    if (result.next) link.push({ relation: 'next', url: url(byOffset ? { offset: parsed.offset + parsed.count } : { cursor: result.next }) });
    if (result.previous) {
      const previousOffset = Math.max(0, parsed.offset - parsed.count);
      link.push({ relation: 'previous', url: url(byOffset ? { offset: previousOffset } : { cursor: result.previous }) });
    }
  }
  const entry = (mode: 'match' | 'include') => (r: { resourceType: string; id: string; json: string | null }): RawEntry => ({
    fullUrl: `${ctx.config.baseUrl}/${r.resourceType}/${r.id}`,
    resource: r.json === null ? undefined : subsetJson(r.json, subset),
    search: { mode },
  });
  const entries: RawEntry[] = [...result.resources.map(entry('match')), ...(result.included ?? []).map(entry('include'))];
  if (parsed.warnings.length > 0) entries.push({ resource: outcome(parsed.warnings), search: { mode: 'outcome' } });
  const head = { resourceType: 'Bundle' as const, type: 'searchset' as const, ...(result.total !== undefined ? { total: result.total } : {}), link };
  return { status: 200, body: bundleJson(head, entries) };
}
