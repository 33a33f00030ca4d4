import type { Bundle } from '@medplum/fhirtypes';

/** A Bundle entry whose resource is already JSON text (stored versions are never re-serialised). */
export interface RawEntry {
  fullUrl?: string;
  /** Stored JSON text, or an object to serialise (e.g. an OperationOutcome). */
  resource?: string | object;
  search?: { mode: 'match' | 'include' | 'outcome' };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: object };
}

/** Serialises a Bundle, splicing stored resource texts in as they are. */
export function bundleJson(head: Omit<Bundle, 'entry'>, entries: RawEntry[]): string {
  const headJson = JSON.stringify(head);
  if (entries.length === 0) return headJson;
  const parts = entries.map((e) => {
    const fields: string[] = [];
    if (e.fullUrl !== undefined) fields.push(`"fullUrl":${JSON.stringify(e.fullUrl)}`);
    if (e.resource !== undefined) fields.push(`"resource":${typeof e.resource === 'string' ? e.resource : JSON.stringify(e.resource)}`);
    if (e.search) fields.push(`"search":${JSON.stringify(e.search)}`);
    if (e.request) fields.push(`"request":${JSON.stringify(e.request)}`);
    if (e.response) fields.push(`"response":${JSON.stringify(e.response)}`);
    return `{${fields.join(',')}}`;
  });
  return `${headJson.slice(0, -1)},"entry":[${parts.join(',')}]}`;
}
