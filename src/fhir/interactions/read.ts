import { badRequest, gone, notFound } from '../outcome.ts';
import type { StoredResource } from '../repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { parseSubset, subsetJson } from '../search/subset.ts';
import { parseVersionTag, versionHeaders } from './response-headers.ts';

/** read: GET [type]/[id] (http.html#read), with If-None-Match / If-Modified-Since (http.html#cread). */
export async function read(ctx: FhirContext, req: FhirRequest, type: string, id: string): Promise<FhirResponse> {
  const stored = await ctx.repo.read(ctx.access, type, id);
  if (!stored) throw notFound(`${type}/${id} not found`);
  if (stored.deleted) throw goneWithVersion(stored);
  const headers = versionHeaders(stored);
  if (notModified(req, stored)) return { status: 304, headers };
  const subset = parseSubset(req.query, type);
  return { status: 200, headers, body: stored.json === null ? undefined : subsetJson(stored.json, subset) };
}

/** vread: GET [type]/[id]/_history/[vid] (http.html#vread). */
export async function vread(ctx: FhirContext, type: string, id: string, vid: string): Promise<FhirResponse> {
  if (!/^\d+$/.test(vid)) throw badRequest(`Invalid version id "${vid}"`);
  const stored = await ctx.repo.vread(ctx.access, type, id, Number(vid));
  if (!stored) throw notFound(`${type}/${id}/_history/${vid} not found`);
  if (stored.deleted) throw goneWithVersion(stored);
  return { status: 200, headers: versionHeaders(stored), body: stored.json ?? undefined };
}

function goneWithVersion(stored: StoredResource) {
  const err = gone(`${stored.resourceType}/${stored.id} was deleted (version ${stored.versionId})`);
  Object.assign(err.headers, versionHeaders(stored));
  return err;
}

function notModified(req: FhirRequest, stored: StoredResource): boolean {
  const { ifNoneMatch, ifModifiedSince } = req.headers;
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => parseVersionTag(tag) === stored.versionId);
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds: compare at that precision.
    return !Number.isNaN(since) && Math.floor(Date.parse(stored.lastUpdated) / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
