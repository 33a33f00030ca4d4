import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response. Nothing here is meant to be framed (the login page least
 * of all: clickjacking), so X-Frame-Options is DENY everywhere; HSTS only when the public base
 * URL is https (over plain http browsers ignore it, and it would pin a local demo).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const https = app.fhir.config.baseUrl.startsWith('https:');
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer').header('X-Frame-Options', 'DENY');
    if (https) reply.header('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  });
}
