import { informational, preconditionFailed } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { conditionalMatches } from './conditional-match.ts';
import { preferReturn } from './prefer.ts';
import { applyWriteRules } from '../write-rules.ts';
import { etag } from './response-headers.ts';

/** delete: DELETE [type]/[id] (http.html#delete); a later read answers 410 Gone. */
export async function deleteResource(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const [result] = await ctx.repo.write(ctx.access, [await applyWriteRules(ctx, { kind: 'delete', resourceType: type, id })]);
  const message = result.outcome === 'noop' ? `${type}/${id} was already deleted` : `Deleted ${type}/${id}`;
  const headers: Record<string, string> = result.outcome === 'noop' ? {} : { ETag: etag(result.stored.versionId) };
  return deleteResponse(req, headers, message);
}

/** conditional delete: DELETE [type]?[criteria], single-match mode (http.html#cdelete). */
export async function conditionalDelete(ctx: FhirContext, req: FhirRequest, type: string, queryString: string): Promise<FhirResponse> {
  const matches = await conditionalMatches(ctx, type, queryString);
  if (matches.length > 1) throw preconditionFailed(`Conditional delete criteria "${queryString}" match more than one ${type}`);
  if (matches.length === 0) return deleteResponse(req, {}, `No ${type} matches "${queryString}": nothing was deleted`);
  return deleteResource(ctx, req, type, matches[0].id);
}

function deleteResponse(req: FhirRequest, headers: Record<string, string>, message: string): FhirResponse {
  if (preferReturn(req.headers.prefer) === 'minimal') return { status: 204, headers };
  return { status: 200, headers, body: informational(message) };
}
