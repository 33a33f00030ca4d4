import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The admin API's bearer token for a benchmark server child: random, never written anywhere. */
export function benchAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Access tokens for the read-auth scenario, obtained the way a real backend client gets them
 * (SMART Backend Services): a confidential-asymmetric client registered through the admin API
 * with a fresh ES384 key, then `client_credentials` requests signed with a private_key_jwt
 * assertion. The server issues them for at most 300 s; `ensure` fetches a new one when the
 * current one would expire within the next run.
 */
export class BackendTokens {
  private token = '';
  private expiresAt = 0;

  private constructor(
    private readonly serverUrl: string,
    private readonly clientId: string,
    private readonly key: { privateKey: CryptoKey; kid: string },
    readonly scope: string,
  ) {}

  /** Registers a new client on the server at `serverUrl` (origin, no path) and fetches its first token. */
  static async register(serverUrl: string, adminToken: string, scope: string): Promise<BackendTokens> {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = randomUUID();
    const clientId = `bench-backend-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${serverUrl}/auth/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: clientId,
        name: 'Benchmark backend client',
        type: 'confidential-asymmetric',
        scope,
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES384' }] },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status !== 201) throw new Error(`client registration returned ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const tokens = new BackendTokens(serverUrl, clientId, { privateKey, kid }, scope);
    await tokens.ensure(0);
    return tokens;
  }

  /** The current access token (call `ensure` first). */
  get bearer(): string {
    return this.token;
  }

  /** Makes sure the current token is valid for at least `seconds` more. */
  async ensure(seconds: number): Promise<void> {
    if (Date.now() + seconds * 1000 < this.expiresAt) return;
    const tokenUrl = `${this.serverUrl}/auth/token`;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime('4m')
      .sign(this.key.privateKey);
    const requested = Date.now();
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: this.scope, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`token request returned ${res.status}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { access_token?: string; expires_in?: number; scope?: string };
    if (!body.access_token || !body.expires_in) throw new Error(`token response without access_token or expires_in: ${text.slice(0, 300)}`);
    if (body.scope !== this.scope) throw new Error(`token granted scope "${body.scope}", asked for "${this.scope}"`);
    if (body.expires_in <= seconds) throw new Error(`tokens live ${body.expires_in} s, shorter than a run (${seconds} s)`);
    this.token = body.access_token;
    this.expiresAt = requested + body.expires_in * 1000;
  }
}
