import type { Resource } from '@medplum/fhirtypes';

/**
 * The JSON text stored and returned for a version: resourceType, id and meta first, with the
 * server's meta.versionId and meta.lastUpdated (http.html#versioning).
 */
export function serializeVersion(resource: Resource, versionId: number, lastUpdated: string): string {
  const { resourceType, id, meta, ...rest } = resource as Resource & { id: string };
  const { versionId: _v, lastUpdated: _l, ...metaRest } = meta ?? {};
  return JSON.stringify({ resourceType, id, meta: { versionId: String(versionId), lastUpdated, ...metaRest }, ...rest });
}
