import type { StoredResource } from '../../fhir/repository.ts';

/** A current-version row as search reads it (last_updated already formatted). */
export interface CurrentRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  content: string;
}

/** A page row: the current row and its sort key values k0, k1... (as text) for page cursors. */
export interface PageRow extends CurrentRow {
  [key: `k${number}`]: string | null;
}

export function toStored(r: CurrentRow): StoredResource {
  return { resourceType: r.resource_type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated, deleted: false, json: r.content };
}
