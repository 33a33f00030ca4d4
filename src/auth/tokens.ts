import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { LaunchContext } from '../store/auth-store.ts';
import type { AuthServer } from './auth-server.ts';

/** RFC 9068 media type of our JWT access tokens; checked on verification so an id_token never passes as one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  scope: string;
  jti: string;
  /** Grant id: revoking the grant (refresh token family) revokes its access tokens too. */
  gid?: string;
  exp: number;
  iat: number;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  /** Organization (id) the user or client acts for. */
  org?: string;
}

export interface IssueAccess {
  sub: string;
  clientId: string;
  scope: string;
  lifetime: number;
  grantId?: string;
  context: LaunchContext;
}

export async function signAccessToken(server: AuthServer, a: IssueAccess): Promise<{ token: string; claims: AccessTokenClaims }> {
  const now = Math.floor(Date.now() / 1000);
  const claims: AccessTokenClaims = {
    iss: server.issuer,
    aud: server.audience,
    sub: a.sub,
    client_id: a.clientId,
    scope: a.scope,
    jti: randomUUID(),
    exp: now + a.lifetime,
    iat: now,
    ...(a.grantId ? { gid: a.grantId } : {}),
    ...(a.context.patient ? { patient: a.context.patient } : {}),
    ...(a.context.encounter ? { encounter: a.context.encounter } : {}),
    ...(a.context.fhirUser ? { fhirUser: a.context.fhirUser } : {}),
    ...(a.context.organization ? { org: a.context.organization } : {}),
  };
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: server.keys.alg, kid: server.keys.kid, typ: ACCESS_TOKEN_TYP })
    .sign(server.keys.privateKey);
  return { token, claims };
}

/** OpenID Connect id_token (SMART `openid fhirUser`): `fhirUser` is the absolute URL of the user's resource. */
export async function signIdToken(server: AuthServer, a: { sub: string; clientId: string; fhirUser?: string; nonce?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    ...(a.fhirUser ? { fhirUser: `${server.config.baseUrl}/${a.fhirUser}` } : {}),
    ...(a.nonce ? { nonce: a.nonce } : {}),
  })
    .setProtectedHeader({ alg: server.keys.alg, kid: server.keys.kid, typ: 'JWT' })
    .setIssuer(server.issuer)
    .setSubject(a.sub)
    .setAudience(a.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(server.keys.privateKey);
}

/** An opaque random secret (authorization code, refresh token). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Codes and refresh tokens are stored as their SHA-256, never in the clear. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** PKCE S256 (RFC 7636 §4.6): BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function pkceS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
