import type { StoredResource } from '../../fhir/repository.ts';

/** A current-version row as search reads it (last_updated already formatted). */
export interface CurrentRow {
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: string;
  content: string;
}

export function toStored(r: CurrentRow): StoredResource {
  return { resourceType: r.resource_type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated, deleted: false, json: r.content };
}
