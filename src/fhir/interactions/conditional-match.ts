import { terminologyWithStored, valueSetUrlsOf } from '../terminology/stored-terminology.ts';
import { badRequest } from '../outcome.ts';
import type { StoredResource } from '../repository.ts';
import type { FhirContext } from '../request.ts';
import { parseSearch } from '../search/parse-search.ts';

/**
 * The resources matching a conditional create/update/delete or conditional reference
 * (`Type?params`). Criteria are parsed strictly: an ignored parameter here would widen the match
 * and could update or delete the wrong resources. At most `limit` matches are returned.
 */
export async function conditionalMatches(
  ctx: FhirContext,
  resourceType: string,
  queryString: string,
  limit = 2,
): Promise<StoredResource[]> {
  const query = [...new URLSearchParams(queryString).entries()];
  const parsed = parseSearch(ctx.searchParameters, resourceType, query, { strict: true, baseUrl: ctx.config.baseUrl, defaultCount: limit, maxCount: limit, terminology: await terminologyWithStored(ctx, valueSetUrlsOf(query)) });
  if (parsed.criteria.length === 0) throw badRequest(`Conditional criteria "${queryString}" have no search parameter`);
  const result = await ctx.repo.search(ctx.access, { resourceType, criteria: parsed.criteria, count: limit, offset: 0 });
  return result.resources;
}
