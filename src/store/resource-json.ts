import type { Resource } from '@medplum/fhirtypes';

/**
 * The JSON text stored and returned for a version: resourceType, id and meta first, with the
 * server's meta.versionId and meta.lastUpdated (http.html#versioning).
 */
export function serializeVersion(resource: Resource, versionId: number, lastUpdated: string): string {
  return JSON.stringify(asVersion(resource, versionId, lastUpdated));
}

/** The resource as the stored version reads back (what JSON.parse of serializeVersion gives): its members shared, not copied. */
export function asVersion<T extends Resource>(resource: T, versionId: number, lastUpdated: string): T {
  const { resourceType, id, meta, ...rest } = resource as Resource & { id: string };
  const { versionId: _v, lastUpdated: _l, ...metaRest } = meta ?? {};
  return { resourceType, id, meta: { versionId: String(versionId), lastUpdated, ...metaRest }, ...rest } as T;
}
