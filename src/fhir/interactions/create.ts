import { newResourceId } from '../resource-id.ts';
import { preconditionFailed } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { conditionalMatches } from './conditional-match.ts';
import { writeResponse } from './prefer.ts';
import { resourceBody } from './resource-body.ts';
import { versionHeaders, versionLocation } from './response-headers.ts';
import { applyWriteRules, writeWithRules } from '../write-rules.ts';

/** create: POST [type] (http.html#create), conditional with If-None-Exist (http.html#ccreate). */
export async function create(ctx: FhirContext, req: FhirRequest, type: string): Promise<FhirResponse> {
  const resource = resourceBody(req.body, type, ctx.conformance);
  if (req.headers.ifNoneExist) {
    const matches = await conditionalMatches(ctx, type, req.headers.ifNoneExist);
    if (matches.length > 1) throw preconditionFailed(`If-None-Exist "${req.headers.ifNoneExist}" matches more than one ${type}`);
    if (matches.length === 1) {
      const existing = matches[0];
      const headers = { ...versionHeaders(existing), Location: versionLocation(ctx.config.baseUrl, existing) };
      return writeResponse(200, headers, existing.json, req.headers.prefer, `${type}/${existing.id} already exists`);
    }
  }
  // The server assigns the id; a client-supplied one is ignored (http.html#create).
  const [result] = await writeWithRules(ctx.repo, ctx.access, [await applyWriteRules(ctx, { kind: 'create', resource: { ...resource, id: newResourceId() } })]);
  const stored = result.stored;
  const headers = { ...versionHeaders(stored), Location: versionLocation(ctx.config.baseUrl, stored) };
  return writeResponse(201, headers, stored.json, req.headers.prefer, `Created ${type}/${stored.id}`);
}
