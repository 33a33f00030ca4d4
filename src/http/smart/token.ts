import type { FastifyInstance, FastifyReply } from 'fastify';
import { LIFETIME, type AuthServer } from '../../auth/auth-server.ts';
import { grantScopes, narrowScopes } from '../../auth/grant.ts';
import { ScopeSet } from '../../auth/scopes.ts';
import { pkceS256, randomToken, signAccessToken, signIdToken, tokenHash } from '../../auth/tokens.ts';
import type { AuthClient, LaunchContext } from '../../store/auth-store.ts';
import { authenticateClient, formOf, type Form } from './client-auth.ts';
import { invalidGrant, invalidRequest, invalidScope, noStore, OAuthError } from './oauth-error.ts';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/; // RFC 7636 §4.1

/** POST /auth/token: authorization_code (+PKCE), refresh_token (rotation), client_credentials (backend services). */
export function tokenRoutes(app: FastifyInstance, server: AuthServer): void {
  app.post('/auth/token', async (request, reply) => {
    const form = formOf(request);
    if (!form.grant_type) throw invalidRequest('grant_type is required');
    if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(form.grant_type)) {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${form.grant_type} is not supported`);
    }
    const { client, method } = await authenticateClient(server, request, form);
    if (form.grant_type === 'authorization_code') return send(reply, await authorizationCode(server, client, form));
    if (form.grant_type === 'refresh_token') return send(reply, await refresh(server, client, form));
    if (method !== 'assertion') throw new OAuthError(400, 'unauthorized_client', 'client_credentials needs a private_key_jwt client assertion (SMART Backend Services)');
    return send(reply, await clientCredentials(server, client, form));
  });
}

function send(reply: FastifyReply, body: Record<string, unknown>): FastifyReply {
  return noStore(reply).code(200).type('application/json').send(JSON.stringify(body));
}

async function authorizationCode(server: AuthServer, client: AuthClient, form: Form): Promise<Record<string, unknown>> {
  if (!form.code) throw invalidRequest('code is required');
  if (!form.redirect_uri) throw invalidRequest('redirect_uri is required');
  if (!form.code_verifier || !VERIFIER.test(form.code_verifier)) throw invalidRequest('code_verifier is required (43-128 characters, RFC 7636)');
  const redeemed = await server.store.redeemCode(tokenHash(form.code));
  if (!redeemed) throw invalidGrant('The authorization code is unknown or expired');
  const { code, reused } = redeemed;
  if (reused) {
    // A code used twice: revoke what the first use got (RFC 6749 §4.1.2).
    await server.store.revokeGrant(code.grantId, LIFETIME.userAccessToken);
    throw invalidGrant('The authorization code has already been used');
  }
  if (code.clientId !== client.clientId) throw invalidGrant('The authorization code was issued to another client');
  if (code.redirectUri !== form.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
  if (pkceS256(form.code_verifier) !== code.codeChallenge) throw invalidGrant('code_verifier does not match the code_challenge (PKCE)');
  return userTokens(server, client, { grantId: code.grantId, username: code.username, scope: code.scope, context: code.context, nonce: code.nonce }, true);
}

async function refresh(server: AuthServer, client: AuthClient, form: Form): Promise<Record<string, unknown>> {
  if (!form.refresh_token) throw invalidRequest('refresh_token is required');
  const used = await server.store.useRefreshToken(tokenHash(form.refresh_token));
  if (!used) throw invalidGrant('The refresh token is unknown or expired');
  const { token, reused } = used;
  if (reused) {
    // Rotation: an old refresh token coming back means it leaked; the whole family dies.
    await server.store.revokeGrant(token.grantId, LIFETIME.userAccessToken);
    throw invalidGrant('The refresh token has already been used or revoked; the grant is revoked');
  }
  if (token.clientId !== client.clientId) throw invalidGrant('The refresh token was issued to another client');
  let scope = token.scope;
  if (form.scope !== undefined) {
    const narrowed = narrowScopes(form.scope, token.scope);
    if (!narrowed) throw invalidScope('A refresh may only ask for scopes of the original grant');
    scope = narrowed;
  }
  return userTokens(server, client, { grantId: token.grantId, username: token.username ?? '', scope: token.scope, context: token.context }, false, scope);
}

/**
 * Access token (≤ 1 h), refresh token when offline_access/online_access was granted (same
 * family, the original scope), id_token for `openid` with `fhirUser`/`profile`, launch context.
 */
async function userTokens(
  server: AuthServer,
  client: AuthClient,
  g: { grantId: string; username: string; scope: string; context: LaunchContext; nonce?: string },
  withIdToken: boolean,
  accessScope = g.scope,
): Promise<Record<string, unknown>> {
  const scopes = new ScopeSet(accessScope);
  const originalScopes = new ScopeSet(g.scope);
  const refreshable = originalScopes.has('offline_access') || originalScopes.has('online_access');
  const { token } = await signAccessToken(server, {
    sub: g.username,
    clientId: client.clientId,
    scope: accessScope,
    lifetime: LIFETIME.userAccessToken,
    grantId: g.grantId,
    context: g.context,
  });
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: LIFETIME.userAccessToken, scope: accessScope };
  if (refreshable) {
    const refreshToken = randomToken();
    const ttl = originalScopes.has('offline_access') ? LIFETIME.offlineRefreshToken : LIFETIME.onlineRefreshToken;
    await server.store.saveRefreshToken(tokenHash(refreshToken), { grantId: g.grantId, clientId: client.clientId, username: g.username, scope: g.scope, context: g.context }, ttl);
    body.refresh_token = refreshToken;
  }
  const c = g.context;
  const launchGranted = scopes.has('launch') || scopes.has('launch/patient');
  if (c.patient && (launchGranted || scopes.contexts().has('patient'))) body.patient = c.patient;
  if (c.encounter && (scopes.has('launch') || scopes.has('launch/encounter'))) body.encounter = c.encounter;
  if (c.fhirUser && (scopes.has('fhirUser') || scopes.has('openid'))) body.fhirUser = c.fhirUser;
  if (body.patient) body.need_patient_banner = c.need_patient_banner ?? true;
  if (c.smart_style_url && launchGranted) body.smart_style_url = c.smart_style_url;
  if (c.fhirContext && c.fhirContext.length > 0 && scopes.has('launch')) body.fhirContext = c.fhirContext;
  if (withIdToken && scopes.has('openid') && (scopes.has('fhirUser') || scopes.has('profile'))) {
    body.id_token = await signIdToken(server, { sub: g.username, clientId: client.clientId, fhirUser: c.fhirUser, nonce: g.nonce });
  }
  return body;
}

async function clientCredentials(server: AuthServer, client: AuthClient, form: Form): Promise<Record<string, unknown>> {
  if (!form.scope) throw invalidRequest('scope is required');
  const scope = grantScopes(form.scope, client.scope, ['system']);
  if (!scope) throw invalidScope('None of the requested system/ scopes is registered for this client');
  const { token } = await signAccessToken(server, {
    sub: client.clientId,
    clientId: client.clientId,
    scope,
    lifetime: LIFETIME.backendAccessToken,
    context: client.organization ? { organization: client.organization } : {},
  });
  return { access_token: token, token_type: 'Bearer', expires_in: LIFETIME.backendAccessToken, scope };
}
