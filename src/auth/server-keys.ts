import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';
import type { AuthStore } from '../store/auth-store.ts';

/** Algorithm of the server's own tokens (access, id_token): RS256 is what OpenID Connect requires every client to accept. */
export const SERVER_ALG = 'RS256';

export interface ServerKeys {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  /** The public JWKS served at /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
  /** Key resolver for jwtVerify over the JWKS. */
  verifyKey: JWTVerifyGetKey;
}

/**
 * Loads the signing key from the database, generating it on the very first start; every node
 * on the same database signs and verifies with the same key.
 */
export async function loadServerKeys(store: AuthStore): Promise<ServerKeys> {
  const row = await store.signingKey(async () => {
    const { privateKey, publicKey } = await generateKeyPair(SERVER_ALG, { extractable: true, modulusLength: 2048 });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SERVER_ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SERVER_ALG };
    return { kid, alg: SERVER_ALG, privateJwk, publicJwk };
  });
  const privateKey = (await importJWK(row.privateJwk as JWK, row.alg)) as CryptoKey;
  const jwks = { keys: (await store.publicKeys()) as JWK[] };
  return { kid: row.kid, alg: row.alg, privateKey, jwks, verifyKey: createLocalJWKSet(jwks) };
}
