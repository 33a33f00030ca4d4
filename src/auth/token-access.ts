import { errors, jwtVerify } from 'jose';
import type { AccessContext, RowRestriction } from './access-context.ts';
import type { AuthServer } from './auth-server.ts';
import { type Interaction, ScopeSet } from './scopes.ts';
import { ACCESS_TOKEN_TYP, type AccessTokenClaims } from './tokens.ts';

/** Why a bearer token was refused (rendered as 401 with `WWW-Authenticate: Bearer error="invalid_token"`). */
export class InvalidTokenError extends Error {}

/**
 * Verifies one of our access tokens: signature by our key (RS256 only, so `alg: none` and
 * HMAC tricks fail), `typ` at+jwt, issuer and audience = the FHIR base URL, `exp`, and that
 * neither the token nor its grant has been revoked.
 */
export async function verifyAccessToken(server: AuthServer, token: string): Promise<AccessTokenClaims> {
  const claims = verifiedClaims(server).get(token) ?? (await verifySignedToken(server, token));
  if (claims.exp * 1000 <= Date.now()) throw new InvalidTokenError('The access token has expired');
  const ids = claims.gid ? [claims.jti, claims.gid] : [claims.jti];
  if (await server.store.anyRevoked(ids)) throw new InvalidTokenError('The access token has been revoked');
  return claims;
}

/** Tokens whose signature and claims were verified, until they expire (a request-path cost: issue 5 bench). */
const verified = new WeakMap<AuthServer, Map<string, AccessTokenClaims>>();
const MAX_VERIFIED_TOKENS = 10_000;

function verifiedClaims(server: AuthServer): Map<string, AccessTokenClaims> {
  let cache = verified.get(server);
  if (!cache) {
    cache = new Map();
    verified.set(server, cache);
  }
  return cache;
}

async function verifySignedToken(server: AuthServer, token: string): Promise<AccessTokenClaims> {
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
  const cache = verifiedClaims(server);
  if (cache.size >= MAX_VERIFIED_TOKENS) {
    const now = Date.now();
    for (const [t, c] of cache) if (c.exp * 1000 <= now) cache.delete(t);
    if (cache.size >= MAX_VERIFIED_TOKENS) cache.clear();
  }
  cache.set(token, claims);
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
  const organizations = claims.org ? [claims.org] : [];
  // A member signed in as themselves sees their own compartment whatever the scope's level.
  const patientUser = claims.fhirUser?.startsWith('Patient/') ? claims.fhirUser.slice('Patient/'.length) : undefined;
  const rows = (interaction: Interaction, resourceType: string): RowRestriction[] | undefined => {
    const out: RowRestriction[] = [];
    for (const grant of scopes.matching(interaction, resourceType)) {
      const constraints = grant.constraints.length > 0 ? grant.constraints : undefined;
      // patient/ scopes without a patient in context reach no patient's data ('' matches no id).
      if (grant.context === 'patient') out.push({ patient: claims.patient ?? '', constraints });
      else if (patientUser) out.push({ patient: patientUser, constraints });
      else if (organizations.length > 0) out.push({ organizations, constraints });
      else if (constraints) out.push({ constraints });
      else return undefined;
    }
    return out;
  };
  return {
    rows,
    namedTypes: [...new Set(scopes.resourceScopes.map((s) => s.resourceType).filter((t) => t !== '*'))],
    actor: claims.fhirUser ?? `client:${claims.client_id}`,
    scopes,
    patient: claims.patient,
    encounter: claims.encounter,
    fhirUser: claims.fhirUser,
    clientId: claims.client_id,
    organizations,
    allows: (interaction, resourceType) => scopes.allows(interaction, resourceType),
    canRead: (resourceType) => scopes.allows('r', resourceType) || scopes.allows('s', resourceType),
    canWrite: (resourceType) => scopes.allows('c', resourceType) || scopes.allows('u', resourceType) || scopes.allows('d', resourceType),
  };
}
