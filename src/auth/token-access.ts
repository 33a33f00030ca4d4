import { errors, jwtVerify } from 'jose';
import type { AccessContext } from './access-context.ts';
import type { AuthServer } from './auth-server.ts';
import { ScopeSet } from './scopes.ts';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './tokens.ts';

/** Why a bearer token was refused (rendered as 401 with `WWW-Authenticate: Bearer error="invalid_token"`). */
export class InvalidTokenError extends Error {}

/**
 * Verifies one of our access tokens: signature by our key (RS256 only, so `alg: none` and
 * HMAC tricks fail), `typ` at+jwt, issuer and audience = the FHIR base URL, `exp`, and that
 * neither the token nor its grant has been revoked.
 */
export async function verifyAccessToken(server: AuthServer, token: string): Promise<AccessTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, server.keys.verifyKey, {
      issuer: server.issuer,
      audience: server.audience,
      algorithms: [server.keys.alg],
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['exp', 'jti', 'sub', 'scope', 'client_id'],
    }));
  } catch (err) {
    throw new InvalidTokenError(describe(err));
  }
  const claims = payload as unknown as AccessTokenClaims;
  if (typeof claims.scope !== 'string' || typeof claims.client_id !== 'string') throw new InvalidTokenError('The access token is malformed');
  const ids = claims.gid ? [claims.jti, claims.gid] : [claims.jti];
  if (await server.store.anyRevoked(ids)) throw new InvalidTokenError('The access token has been revoked');
  return claims;
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The access token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `The access token is not valid here (${err.claim} claim)`;
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) return 'The access token signature is not valid';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The access token algorithm is not accepted';
  return 'The access token is not valid';
}

/** The AccessContext of a verified token: what its scopes allow, and its launch context. */
export function accessFromClaims(claims: AccessTokenClaims): AccessContext {
  const scopes = new ScopeSet(claims.scope);
  return {
    actor: claims.fhirUser ?? `client:${claims.client_id}`,
    scopes,
    patient: claims.patient,
    encounter: claims.encounter,
    fhirUser: claims.fhirUser,
    clientId: claims.client_id,
    organizations: claims.org ? [claims.org] : [],
    allows: (interaction, resourceType) => scopes.allows(interaction, resourceType),
    canRead: (resourceType) => scopes.allows('r', resourceType) || scopes.allows('s', resourceType),
    canWrite: (resourceType) => scopes.allows('c', resourceType) || scopes.allows('u', resourceType) || scopes.allows('d', resourceType),
  };
}
