import type { Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest, fhirError, gone, notFound, notSupported, outcome, preconditionFailed } from '../outcome.ts';
import { JsonPatchError, applyJsonPatch } from '../patch/json-patch.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { assertConformsToClaimedProfiles, structuralIssues } from '../validation/validate-resource.ts';
import { writeResponse } from './prefer.ts';
import { ifMatchVersion } from './update.ts';
import { versionHeaders, versionLocation } from './response-headers.ts';
import { applyWriteRules, writeWithRules } from '../write-rules.ts';

export const JSON_PATCH_TYPE = 'application/json-patch+json';

/** patch: PATCH [type]/[id] with a JSON Patch document (http.html#patch). */
export async function patch(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const contentType = (req.headers.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== JSON_PATCH_TYPE) {
    throw notSupported(415, `PATCH needs Content-Type ${JSON_PATCH_TYPE} (FHIRPath Patch is not supported)`);
  }
  const patched = await patchedResource(ctx, type, id, req.body, ifMatchVersion(req.headers.ifMatch));
  const [result] = await writeWithRules(ctx.repo, ctx.access, [await applyWriteRules(ctx, { kind: 'update', resource: patched.resource, ifMatch: patched.baseVersion, method: 'PATCH' })]);
  const stored = result.stored;
  const headers = { ...versionHeaders(stored), Location: versionLocation(ctx.config.baseUrl, stored) };
  return writeResponse(200, headers, stored.json, req.headers.prefer, `Patched ${type}/${id}`);
}

/**
 * Applies a JSON Patch to the current version and checks the result: same type and id, valid.
 * Returns the version patched, so the write fails (409/412) if another write came in between.
 */
export async function patchedResource(
  ctx: FhirContext,
  type: string,
  id: string,
  operations: unknown,
  ifMatch: number | undefined,
): Promise<{ resource: Resource & { id: string }; baseVersion: number }> {
  const current = await ctx.repo.read(ctx.access, type, id);
  if (!current) throw notFound(`${type}/${id} not found`);
  if (current.deleted || current.json === null) throw gone(`${type}/${id} was deleted`);
  if (ifMatch !== undefined && ifMatch !== current.versionId) {
    throw preconditionFailed(`Version conflict on ${type}/${id}: If-Match W/"${ifMatch}" but the current version is W/"${current.versionId}"`);
  }
  let result: unknown;
  try {
    result = applyJsonPatch(JSON.parse(current.json) as unknown, operations);
  } catch (err) {
    if (err instanceof JsonPatchError) throw fhirError(422, 'processing', err.message);
    throw err;
  }
  const patchedType = (result as { resourceType?: unknown } | null)?.resourceType;
  const patchedId = (result as { id?: unknown } | null)?.id;
  if (patchedType !== type || patchedId !== id) throw badRequest('A patch may not change the resourceType or id');
  const issues = structuralIssues(result);
  if (issues.length > 0) throw new FhirError(422, outcome(issues));
  assertConformsToClaimedProfiles(ctx.conformance, result as Resource);
  return { resource: result as Resource & { id: string }, baseVersion: current.versionId };
}
