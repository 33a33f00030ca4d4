import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { ServerConfig } from '../../src/config.ts';
import { startTestApp } from './test-app.ts';

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape, asserted by tests
  text: string;
}

/** Small helper over app.inject for FHIR JSON requests. */
export function fhirClient(app: FastifyInstance, base = '/fhir') {
  const request = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TestResponse> => {
    const res = await app.inject({
      method,
      url: `${base}${path}`,
      headers: { ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}), ...headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  };
  return {
    request,
    get: (path: string, headers?: Record<string, string>) => request('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => request('PUT', path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) =>
      request('PATCH', path, body, { 'content-type': 'application/json-patch+json', ...headers }),
    delete: (path: string, headers?: Record<string, string>) => request('DELETE', path, undefined, headers),
  };
}

/**
 * One test server for the enclosing file (or describe block): started in beforeAll, closed in
 * afterAll. Returns a client that talks to it and the app itself.
 */
export function useFhirServer(overrides: Partial<ServerConfig> = {}) {
  let server: Awaited<ReturnType<typeof startTestApp>> | undefined;
  let client: ReturnType<typeof fhirClient> | undefined;
  beforeAll(async () => {
    server = await startTestApp(overrides);
    client = fhirClient(server.app);
  });
  afterAll(() => server?.close());
  const current = () => {
    if (!client) throw new Error('the test server is not started yet (use it inside tests)');
    return client;
  };
  const fhir: ReturnType<typeof fhirClient> = {
    request: (...args) => current().request(...args),
    get: (...args) => current().get(...args),
    post: (...args) => current().post(...args),
    put: (...args) => current().put(...args),
    patch: (...args) => current().patch(...args),
    delete: (...args) => current().delete(...args),
  };
  return { fhir, app: (): FastifyInstance => server!.app };
}
