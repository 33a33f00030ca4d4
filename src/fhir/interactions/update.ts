import { newResourceId } from '../resource-id.ts';
import type { Resource } from '@medplum/fhirtypes';
import { badRequest, preconditionFailed } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { conditionalMatches } from './conditional-match.ts';
import { writeResponse } from './prefer.ts';
import { resourceBody } from './resource-body.ts';
import { parseVersionTag, versionHeaders, versionLocation } from './response-headers.ts';
import { applyWriteRules, writeWithRules } from '../write-rules.ts';

/** update: PUT [type]/[id] (http.html#update), update-as-create with a client id, If-Match. */
export async function update(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const resource = resourceBody(req.body, type, ctx.conformance);
  if (resource.id === undefined) throw badRequest(`The resource has no id; PUT ${type}/${id} needs id "${id}" in the body`, [`${type}.id`]);
  if (resource.id !== id) throw badRequest(`The body's id "${resource.id}" does not match the URL's id "${id}"`, [`${type}.id`]);
  return put(ctx, req, resource as Resource & { id: string });
}

/** conditional update: PUT [type]?[criteria] (http.html#cond-update). */
export async function conditionalUpdate(ctx: FhirContext, req: FhirRequest, type: string, queryString: string): Promise<FhirResponse> {
  const resource = resourceBody(req.body, type, ctx.conformance);
  const matches = await conditionalMatches(ctx, type, queryString);
  if (matches.length > 1) throw preconditionFailed(`Conditional update criteria "${queryString}" match more than one ${type}`);
  if (matches.length === 1) {
    if (resource.id !== undefined && resource.id !== matches[0].id) {
      throw badRequest(`The body's id "${resource.id}" is not the id of the matching ${type} "${matches[0].id}"`, [`${type}.id`]);
    }
    return put(ctx, req, { ...resource, id: matches[0].id });
  }
  return put(ctx, req, { ...resource, id: resource.id ?? newResourceId() });
}

async function put(ctx: FhirContext, req: FhirRequest, resource: Resource & { id: string }): Promise<FhirResponse> {
  const ifMatch = ifMatchVersion(req.headers.ifMatch);
  const [result] = await writeWithRules(ctx.repo, ctx.access, [await applyWriteRules(ctx, { kind: 'update', resource, ifMatch })]);
  const stored = result.stored;
  const created = result.outcome === 'created';
  const headers: Record<string, string> = { ...versionHeaders(stored), Location: versionLocation(ctx.config.baseUrl, stored) };
  const what = `${stored.resourceType}/${stored.id}`;
  return writeResponse(created ? 201 : 200, headers, stored.json, req.headers.prefer, created ? `Created ${what}` : `Updated ${what}`);
}

export function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const version = parseVersionTag(header);
  if (version === undefined) throw badRequest(`Invalid If-Match "${header}": expected W/"<versionId>"`);
  return version;
}
