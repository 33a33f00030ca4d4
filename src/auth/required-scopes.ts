import type { Interaction } from './scopes.ts';

/**
 * What a FHIR request needs from the token's scopes: an interaction (`any`: some permission)
 * on a resource type (`*`: every type, i.e. a wildcard scope).
 */
export interface Requirement {
  interaction: Interaction | 'any';
  resourceType: string;
}

const TYPE = /^[A-Z][A-Za-z]+$/;

/**
 * Maps a request (path segments after the base) to SMART v2 interactions: read/vread/instance
 * history → r, search/type history/compartment search → s, create → c, update/patch → u,
 * delete → d; operations need some permission on their type. Batch/transaction entries are
 * mapped one by one (`bundleRequirements`).
 */
export function requirementsFor(method: string, path: string[], query: [string, string][]): Requirement[] {
  const [type, id, third] = path;
  if (path.length === 0) {
    if (method === 'POST') return []; // batch/transaction: see bundleRequirements
    const types = query.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',')).filter((t) => t !== '');
    return types.length > 0 ? types.map((t) => ({ interaction: 's', resourceType: t })) : [{ interaction: 's', resourceType: '*' }];
  }
  if (type.startsWith('$')) return [{ interaction: 'any', resourceType: '*' }];
  if (type === '_history') return [{ interaction: 's', resourceType: '*' }];
  if (!TYPE.test(type)) return [{ interaction: 'any', resourceType: '*' }];
  if (path.length === 1) {
    const byMethod: Record<string, Interaction> = { GET: 's', HEAD: 's', POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' };
    return [{ interaction: byMethod[method] ?? 's', resourceType: type }];
  }
  if (id === '_search' || id === '_history') return [{ interaction: 's', resourceType: type }];
  if (id.startsWith('$')) return [{ interaction: 'any', resourceType: type }];
  if (path.length === 2) {
    const byMethod: Record<string, Interaction> = { GET: 'r', HEAD: 'r', PUT: 'u', PATCH: 'u', DELETE: 'd', POST: 'c' };
    return [{ interaction: byMethod[method] ?? 'r', resourceType: type }];
  }
  if (third === '_history') return [{ interaction: 'r', resourceType: type }];
  if (third.startsWith('$')) return [{ interaction: 'any', resourceType: type }];
  // Compartment search: Patient/123/Observation
  return [
    { interaction: 'r', resourceType: type },
    { interaction: 's', resourceType: TYPE.test(third) ? third : '*' },
  ];
}

/** Requirements of every entry of a batch/transaction Bundle body (entry.request.method + url). */
export function bundleRequirements(body: unknown): Requirement[] {
  const entries = (body as { entry?: unknown } | undefined)?.entry;
  if (!Array.isArray(entries)) return [];
  const out: Requirement[] = [];
  for (const entry of entries) {
    const request = (entry as { request?: { method?: unknown; url?: unknown } } | null)?.request;
    if (!request || typeof request.method !== 'string' || typeof request.url !== 'string') continue;
    const [pathPart, queryPart] = request.url.split('?');
    let path: string[];
    try {
      path = pathPart.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      continue; // the bundle processor rejects the malformed entry itself
    }
    out.push(...requirementsFor(request.method.toUpperCase(), path, [...new URLSearchParams(queryPart ?? '').entries()]));
  }
  return out;
}
