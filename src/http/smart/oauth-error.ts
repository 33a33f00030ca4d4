import type { FastifyReply } from 'fastify';

/** An OAuth 2.0 error response (RFC 6749 §5.2): JSON `error` and `error_description`. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly error: string,
    readonly description: string,
    /** 401 invalid_client with HTTP Basic gets a challenge (RFC 6749 §5.2). */
    readonly challenge?: string,
  ) {
    super(description);
  }
}

export const invalidRequest = (d: string) => new OAuthError(400, 'invalid_request', d);
export const invalidGrant = (d: string) => new OAuthError(400, 'invalid_grant', d);
export const invalidClient = (d: string, challenge?: string) => new OAuthError(401, 'invalid_client', d, challenge);
export const invalidScope = (d: string) => new OAuthError(400, 'invalid_scope', d);

/** Token endpoint responses are never cached (RFC 6749 §5.1). */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
}

export function sendOAuthError(reply: FastifyReply, e: OAuthError): FastifyReply {
  noStore(reply).code(e.status);
  if (e.challenge) reply.header('WWW-Authenticate', e.challenge);
  return reply.type('application/json').send(JSON.stringify({ error: e.error, error_description: e.description }));
}
