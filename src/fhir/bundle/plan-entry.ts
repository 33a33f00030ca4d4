import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../outcome.ts';
import type { StoredResource } from '../repository.ts';
import type { FhirRequest, HttpMethod } from '../request.ts';
import { isResourceType } from '../resource-types.ts';
import { resourceBody } from '../interactions/resource-body.ts';
import { isValidId } from '../validation/validate-resource.ts';
import { parseEntryUrl } from './entry-url.ts';

const METHODS = new Set<HttpMethod>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** A bundle entry checked and parsed; the transaction fills in id/existing/noMatch as it resolves. */
export interface PlannedEntry {
  index: number;
  entry: BundleEntry;
  method: HttpMethod;
  path: string[];
  query: [string, string][];
  queryString: string;
  fullUrl?: string;
  resource?: Resource;
  ifMatch?: string;
  ifNoneExist?: string;
  id?: string;
  existing?: StoredResource;
  noMatch?: boolean;
}

/** Checks an entry's request and resource before anything is processed (http.html#transaction). */
export function planEntry(entry: BundleEntry, index: number, baseUrl: string): PlannedEntry {
  if (!entry || typeof entry !== 'object') throw badRequest('A bundle entry must be an object');
  const request = entry.request;
  if (!request || typeof request.url !== 'string' || typeof request.method !== 'string') {
    throw badRequest('Each entry needs request.method and request.url');
  }
  const method = request.method.toUpperCase() as HttpMethod;
  if (!METHODS.has(method)) throw badRequest(`Unsupported request.method "${request.method}"`);
  const { path, query, queryString } = parseEntryUrl(request.url, baseUrl);
  const type = path[0];
  if (!type || !isResourceType(type)) throw notFound(`Unknown resource type in request.url "${request.url}"`);
  if (path[1] !== undefined && !path[1].startsWith('_') && !isValidId(path[1])) throw badRequest(`Invalid id in request.url "${request.url}"`);
  const planned: PlannedEntry = {
    index,
    entry,
    method,
    path,
    query,
    queryString,
    fullUrl: typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined,
    ifMatch: request.ifMatch,
    ifNoneExist: request.ifNoneExist,
  };
  if (method === 'POST') {
    if (path.length !== 1) throw badRequest(`POST request.url must be a resource type, got "${request.url}"`);
    planned.resource = resourceBody(entry.resource, type);
  } else if (method === 'PUT') {
    if (path.length > 2) throw badRequest(`PUT request.url must be Type/id or Type?criteria, got "${request.url}"`);
    const resource = resourceBody(entry.resource, type);
    if (path.length === 2 && resource.id !== undefined && resource.id !== path[1]) {
      throw badRequest(`The resource id "${resource.id}" does not match request.url "${request.url}"`, [`${type}.id`]);
    }
    if (path.length === 1 && queryString === '') throw badRequest(`PUT request.url needs an id or criteria, got "${request.url}"`);
    planned.resource = resource;
  } else if (method === 'DELETE' || method === 'PATCH') {
    if (path.length > 2 || (path.length === 1 && queryString === '')) {
      throw badRequest(`${method} request.url must be Type/id or Type?criteria, got "${request.url}"`);
    }
    if (method === 'PATCH') patchOperations(entry);
  }
  return planned;
}

/** A transaction PATCH carries its JSON Patch in a Binary resource (http.html#patch). */
export function patchOperations(entry: BundleEntry): unknown {
  const binary = entry.resource as { resourceType?: string; contentType?: string; data?: string } | undefined;
  if (binary?.resourceType !== 'Binary' || !binary.contentType?.startsWith('application/json-patch+json') || !binary.data) {
    throw badRequest('A PATCH entry needs a Binary resource with contentType application/json-patch+json and base64 data');
  }
  try {
    return JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw badRequest('The PATCH entry\'s Binary data is not base64-encoded JSON');
  }
}

/** The request a GET/HEAD (or any batch) entry stands for, as if sent on its own. */
export function entryRequest(p: PlannedEntry): FhirRequest {
  const r = p.entry.request;
  return {
    method: p.method,
    path: p.path,
    query: p.query,
    headers: {
      ifMatch: r?.ifMatch,
      ifNoneExist: r?.ifNoneExist,
      ifNoneMatch: r?.ifNoneMatch,
      ifModifiedSince: r?.ifModifiedSince,
      contentType: p.method === 'PATCH' ? 'application/json-patch+json' : undefined,
    },
    body: p.method === 'PATCH' ? patchOperations(p.entry) : p.entry.resource,
  };
}
