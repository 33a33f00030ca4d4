import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthClient, AuthStore } from '../store/auth-store.ts';
import { LIFETIME } from './auth-server.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: clients sign with RS384 or ES384. */
export const ASSERTION_ALGS = ['RS384', 'ES384'];

export class AssertionError extends Error {}

const remoteSets = new Map<string, JWTVerifyGetKey>();

function keySetOf(client: AuthClient): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0]);
  if (client.jwksUri) {
    let set = remoteSets.get(client.jwksUri);
    if (!set) remoteSets.set(client.jwksUri, (set = createRemoteJWKSet(new URL(client.jwksUri), { timeoutDuration: 5000 })));
    return set;
  }
  throw new AssertionError('The client has no registered public keys');
}

/**
 * Verifies a private_key_jwt client assertion (SMART Backend Services "authenticating to the
 * token endpoint"; RFC 7523): `kid` header, RS384/ES384 signature by one of the client's keys,
 * iss = sub = client_id, aud = token endpoint, exp at most five minutes ahead, jti never seen.
 * Returns the client id.
 */
export async function verifyClientAssertion(
  store: AuthStore,
  assertion: string,
  tokenEndpoint: string,
  expectedClientId?: string,
): Promise<AuthClient> {
  let header;
  let unverified: { iss?: unknown; sub?: unknown };
  try {
    header = decodeProtectedHeader(assertion);
    unverified = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as typeof unverified;
  } catch {
    throw new AssertionError('The client assertion is not a JWT');
  }
  if (!header.kid) throw new AssertionError('The client assertion header has no kid');
  if (typeof header.alg !== 'string' || !ASSERTION_ALGS.includes(header.alg)) {
    throw new AssertionError(`The client assertion must be signed with ${ASSERTION_ALGS.join(' or ')}`);
  }
  const clientId = typeof unverified.iss === 'string' ? unverified.iss : undefined;
  if (!clientId || unverified.sub !== clientId) throw new AssertionError('The client assertion needs iss and sub equal to the client_id');
  if (expectedClientId !== undefined && expectedClientId !== clientId) throw new AssertionError('client_id does not match the client assertion');
  const client = await store.getClient(clientId);
  if (!client || client.clientType !== 'confidential-asymmetric') throw new AssertionError('Unknown client or not registered for private_key_jwt');
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetOf(client), {
      issuer: clientId,
      subject: clientId,
      audience: tokenEndpoint,
      algorithms: ASSERTION_ALGS,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (err) {
    if (err instanceof AssertionError) throw err;
    if (err instanceof errors.JWTExpired) throw new AssertionError('The client assertion has expired');
    if (err instanceof errors.JWTClaimValidationFailed) throw new AssertionError(`The client assertion ${err.claim} claim is not valid`);
    throw new AssertionError('The client assertion signature does not verify with the client\'s registered keys');
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (exp > now + LIFETIME.assertionMaxAhead) throw new AssertionError('The client assertion exp is more than five minutes in the future');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new AssertionError('The client assertion needs a jti');
  if (!(await store.recordJti(clientId, payload.jti, exp))) throw new AssertionError('The client assertion jti has been used before (replay)');
  return client;
}
