import type { StoredResource } from '../repository.ts';

export function etag(versionId: number): string {
  return `W/"${versionId}"`;
}

/** Parses `W/"3"` or `"3"` (If-Match, If-None-Match, entry.request.ifMatch); undefined if not a version. */
export function parseVersionTag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(value);
  return m ? Number(m[1]) : undefined;
}

export function versionLocation(baseUrl: string, stored: StoredResource): string {
  return `${baseUrl}/${stored.resourceType}/${stored.id}/_history/${stored.versionId}`;
}

/** ETag and Last-Modified for a stored version (http.html#versioning). */
export function versionHeaders(stored: StoredResource): Record<string, string> {
  return { ETag: etag(stored.versionId), 'Last-Modified': new Date(stored.lastUpdated).toUTCString() };
}
