import type { FastifyInstance } from 'fastify';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const EXPOSED_HEADERS = 'Location, Content-Location, ETag, Last-Modified, X-Progress';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, If-Match, If-None-Match, If-None-Exist, If-Modified-Since, Prefer';

/**
 * CORS for browser apps (SMART apps such as fhirclient run in the browser on another origin):
 * every response allows the caller's origin and exposes the FHIR headers; OPTIONS preflights are
 * answered here with 204 before routing. Credentials are bearer tokens, never cookies.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('Access-Control-Allow-Origin', origin ?? '*');
    if (origin) reply.header('Vary', 'Origin');
    reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const requested = request.headers['access-control-request-headers'];
      reply
        .header('Access-Control-Allow-Methods', ALLOWED_METHODS)
        .header('Access-Control-Allow-Headers', requested ?? DEFAULT_ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', '86400')
        .code(204)
        .send();
    }
  });
}
