import type { FastifyInstance } from 'fastify';

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
