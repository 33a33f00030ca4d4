import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { processBundle } from '../fhir/bundle/process-bundle.ts';
import { capabilityStatement } from '../fhir/capability-statement.ts';
import { dispatch } from '../fhir/dispatch.ts';
import { badRequest, fhirError } from '../fhir/outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse, HttpMethod } from '../fhir/request.ts';
import { responseMediaType } from './content-negotiation.ts';

/** Request bodies the server parses: FHIR JSON, JSON Patch, and form-encoded `_search`. */
const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/json-patch+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

export interface FhirRoutesOptions {
  /** Path of the FHIR base, e.g. "/fhir" (not fastify's `prefix`: the base itself is a route). */
  basePath: string;
  context: (request: FastifyRequest) => FhirContext;
  version: string;
}

/** The FHIR REST API (http.html) under one prefix: every interaction goes through `dispatch`. */
export async function fhirRoutes(app: FastifyInstance, options: FhirRoutesOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(badRequest(`The request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  // A CSV file posted to an operation (the Return Transmission File, $ecm-rtf-import) reaches it as text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));
  app.addContentTypeParser(FORM_TYPE, { parseAs: 'string' }, (_req, body, done) => {
    done(null, [...new URLSearchParams(String(body)).entries()]);
  });

  const prefix = options.basePath;
  let metadata: string | undefined;

  app.get(`${prefix}/metadata`, async (request, reply) => {
    const mediaType = negotiate(request);
    const ctx = options.context(request);
    metadata ??= JSON.stringify(capabilityStatement(ctx.config, ctx.searchParameters, options.version, ctx.operations, ctx.conformance));
    return send(reply, request, mediaType, { status: 200, body: metadata });
  });

  app.post(prefix === '' ? '/' : prefix, async (request, reply) => {
    const mediaType = negotiate(request);
    const ctx = options.context(request);
    return send(reply, request, mediaType, await processBundle(ctx, request.body, header(request, 'prefer')));
  });

  app.get(prefix === '' ? '/' : prefix, async (request, reply) => {
    const mediaType = negotiate(request);
    return send(reply, request, mediaType, await dispatch(options.context(request), toFhirRequest(request, prefix)));
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const fhirRequest = toFhirRequest(request, prefix);
    if (wantsNativeContent(request, fhirRequest)) {
      const response = await dispatch(options.context(request), fhirRequest);
      const native = nativeBinary(response);
      if (native) return reply.code(200).headers(response.headers ?? {}).type(native.contentType).send(native.content);
    }
    const mediaType = negotiate(request);
    return send(reply, request, mediaType, await dispatch(options.context(request), fhirRequest));
  };
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${prefix}/*`, handler });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function rawQuery(request: FastifyRequest): [string, string][] {
  const q = request.url.indexOf('?');
  return q < 0 ? [] : [...new URLSearchParams(request.url.slice(q + 1)).entries()];
}

function negotiate(request: FastifyRequest): string {
  const format = rawQuery(request).find(([k]) => k === '_format')?.[1];
  return responseMediaType(format, header(request, 'accept'));
}

export function toFhirRequest(request: FastifyRequest, prefix: string): FhirRequest {
  const pathname = request.url.split('?')[0].slice(prefix.length);
  let path: string[];
  try {
    path = pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  } catch {
    throw badRequest('The request path is not valid URL encoding');
  }
  let query = rawQuery(request);
  let body: unknown = request.body;
  const isSearchPost = request.method === 'POST' && path[path.length - 1] === '_search';
  if (isSearchPost) {
    // POST [type]/_search: form parameters and URL parameters together (http.html#search)
    if (body !== undefined && !Array.isArray(body)) throw fhirError(415, 'not-supported', `POST _search needs Content-Type ${FORM_TYPE}`);
    query = [...query, ...((body as [string, string][] | undefined) ?? [])];
    body = undefined;
  } else if (Array.isArray(body) && (request.headers['content-type'] ?? '').startsWith(FORM_TYPE)) {
    throw fhirError(415, 'not-supported', `${FORM_TYPE} is only accepted for POST _search`);
  }
  return {
    method: request.method as HttpMethod,
    path,
    query,
    headers: {
      ifMatch: header(request, 'if-match'),
      ifNoneMatch: header(request, 'if-none-match'),
      ifNoneExist: header(request, 'if-none-exist'),
      ifModifiedSince: header(request, 'if-modified-since'),
      prefer: header(request, 'prefer'),
      contentType: header(request, 'content-type'),
      accept: header(request, 'accept'),
    },
    body,
  };
}

function send(reply: FastifyReply, request: FastifyRequest, mediaType: string, response: FhirResponse): FastifyReply {
  reply.code(response.status);
  if (response.headers) reply.headers(response.headers);
  if (response.body === undefined || response.status === 304 || response.status === 204) return reply.send();
  let text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  if (rawQuery(request).some(([k, v]) => k === '_pretty' && v === 'true')) text = JSON.stringify(JSON.parse(text), null, 2);
  return reply.type(`${mediaType}; charset=utf-8`).send(text);
}

/**
 * A GET whose Accept names no FHIR or JSON type (`Accept: text/csv`) and whose answer is a Binary
 * (a Binary read or vread, a CSV or NDJSON download) gets the content itself, in its own content
 * type (binary.html#rest); any other answer to such an Accept is 406 as before.
 */
function wantsNativeContent(request: FastifyRequest, fhirRequest: FhirRequest): boolean {
  if (fhirRequest.method !== 'GET' || rawQuery(request).some(([k]) => k === '_format')) return false;
  const accept = header(request, 'accept');
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  // NDJSON (a download) is content, not FHIR JSON
  return !types.some((t) => t === '*/*' || t === 'application/*' || (t.includes('json') && !t.includes('ndjson')) || t.includes('xml') || t.startsWith('text/html'));
}

function nativeBinary(response: FhirResponse): { contentType: string; content: Buffer } | undefined {
  if (response.status !== 200) return undefined;
  const body = typeof response.body === 'string' ? (JSON.parse(response.body) as unknown) : response.body;
  const binary = body as { resourceType?: string; contentType?: string; data?: string } | undefined;
  if (binary?.resourceType !== 'Binary') return undefined;
  return { contentType: binary.contentType ?? 'application/octet-stream', content: Buffer.from(binary.data ?? '', 'base64') };
}
