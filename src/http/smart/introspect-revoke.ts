import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIFETIME, type AuthServer } from '../../auth/auth-server.ts';
import { InvalidTokenError, verifyAccessToken } from '../../auth/token-access.ts';
import { tokenHash } from '../../auth/tokens.ts';
import { authenticateClient, formOf } from './client-auth.ts';
import { invalidClient, invalidRequest, noStore } from './oauth-error.ts';

/** POST /auth/introspect (RFC 7662, SMART "token introspection") and POST /auth/revoke (RFC 7009). */
export function introspectRevokeRoutes(app: FastifyInstance, server: AuthServer): void {
  app.post('/auth/introspect', async (request, reply) => {
    const form = formOf(request);
    await authorizeIntrospection(server, request, form);
    if (!form.token) throw invalidRequest('token is required');
    return noStore(reply).type('application/json').send(JSON.stringify(await introspect(server, form.token, form.token_type_hint)));
  });

  app.post('/auth/revoke', async (request, reply) => {
    const form = formOf(request);
    const { client } = await authenticateClient(server, request, form);
    if (!form.token) throw invalidRequest('token is required');
    const refresh = await server.store.findRefreshToken(tokenHash(form.token));
    if (refresh) {
      if (refresh.clientId !== client.clientId) throw invalidRequest('The token was not issued to this client');
      await server.store.revokeGrant(refresh.grantId, LIFETIME.userAccessToken);
    } else {
      const claims = await verifyAccessToken(server, form.token).catch((err: unknown) => {
        if (err instanceof InvalidTokenError) return undefined;
        throw err;
      });
      if (claims) {
        if (claims.client_id !== client.clientId) throw invalidRequest('The token was not issued to this client');
        await server.store.revokeTokenId(claims.jti, claims.exp);
      }
    }
    // Unknown, expired or already revoked tokens also get 200 (RFC 7009 §2.2).
    return noStore(reply).code(200).send();
  });
}

/**
 * The introspection endpoint is for resource servers and confidential clients: a valid access
 * token of ours as Bearer, or confidential client authentication (a public client cannot prove who it is).
 */
async function authorizeIntrospection(server: AuthServer, request: FastifyRequest, form: Record<string, string>): Promise<void> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (bearer) {
    try {
      await verifyAccessToken(server, bearer[1]);
      return;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw invalidClient(`The caller's bearer token is not valid: ${err.message}`);
      throw err;
    }
  }
  const { method } = await authenticateClient(server, request, form);
  if (method === 'none') throw invalidClient('Introspection needs a confidential client or a bearer token');
}

async function introspect(server: AuthServer, token: string, hint: string | undefined): Promise<Record<string, unknown>> {
  const asRefresh = async () => {
    const r = await server.store.findRefreshToken(tokenHash(token));
    if (!r) return undefined;
    return {
      active: true,
      token_type: 'refresh_token',
      scope: r.scope,
      client_id: r.clientId,
      sub: r.username,
      exp: Math.floor(Date.parse(r.expiresAt) / 1000),
      ...launchFields(r.context),
    };
  };
  const asAccess = async () => {
    if (token.split('.').length !== 3) return undefined;
    try {
      const c = await verifyAccessToken(server, token);
      return {
        active: true,
        token_type: 'Bearer',
        scope: c.scope,
        client_id: c.client_id,
        sub: c.sub,
        iss: c.iss,
        aud: c.aud,
        exp: c.exp,
        iat: c.iat,
        jti: c.jti,
        ...launchFields(c),
      };
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  };
  const order = hint === 'refresh_token' ? [asRefresh, asAccess] : [asAccess, asRefresh];
  for (const attempt of order) {
    const result = await attempt();
    if (result) return result;
  }
  return { active: false };
}

function launchFields(c: { patient?: string; encounter?: string; fhirUser?: string }): Record<string, string> {
  return {
    ...(c.patient ? { patient: c.patient } : {}),
    ...(c.encounter ? { encounter: c.encounter } : {}),
    ...(c.fhirUser ? { fhirUser: c.fhirUser } : {}),
  };
}

