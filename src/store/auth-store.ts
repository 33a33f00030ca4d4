import type { Database, Queryable } from './database.ts';

export type ClientType = 'public' | 'confidential-symmetric' | 'confidential-asymmetric';

export interface AuthClient {
  clientId: string;
  name: string;
  clientType: ClientType;
  secretHash?: string;
  redirectUris: string[];
  scope: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
  organization?: string;
}

export interface AuthUser {
  username: string;
  passwordHash: string;
  fhirUser?: string;
  organization?: string;
}

/** Launch context carried from the authorization to the tokens (SMART App Launch "launch context"). */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  organization?: string;
  need_patient_banner?: boolean;
  smart_style_url?: string;
  fhirContext?: { reference: string; role?: string }[];
}

export interface AuthCode {
  grantId: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string;
  username: string;
  context: LaunchContext;
  nonce?: string;
}

export interface RefreshToken {
  grantId: string;
  clientId: string;
  username?: string;
  scope: string;
  context: LaunchContext;
  expiresAt: string;
}

export interface SigningKeyRow {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
}

/** Arbitrary constant: serialises signing-key creation between nodes starting together. */
const SIGNING_KEY_LOCK = 8_447_010;

type Row = Record<string, unknown>;
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

function clientFrom(r: Row): AuthClient {
  return {
    clientId: String(r.client_id),
    name: String(r.name),
    clientType: r.client_type as ClientType,
    secretHash: str(r.secret_hash),
    redirectUris: (r.redirect_uris as string[] | null) ?? [],
    scope: String(r.scope),
    jwks: (r.jwks as AuthClient['jwks'] | null) ?? undefined,
    jwksUri: str(r.jwks_uri),
    organization: str(r.organization),
  };
}

/** The only SQL of the authorization server (tables from migrations/010_auth.sql). */
/**
 * How stale this process's copy of the revocation list may be, in ms. Revocations made by this
 * process apply at once; those made by another server process sharing the database, within this.
 */
export const REVOCATION_REFRESH_MS = 2000;

export class AuthStore {
  /** Revoked ids (token jti, grant id) still unexpired, as last read from auth_revoked. */
  private revoked?: { ids: Set<string>; loadedAt: number };
  private loadingRevoked?: Promise<Set<string>>;
  /** Ids this process revoked: consulted always, so a reload started earlier cannot hide them. */
  private readonly revokedHere = new Set<string>();

  constructor(private readonly db: Database) {}

  async getClient(clientId: string): Promise<AuthClient | undefined> {
    const { rows } = await this.db.query('SELECT * FROM auth_client WHERE client_id = $1', [clientId]);
    return rows[0] ? clientFrom(rows[0]) : undefined;
  }

  async listClients(): Promise<AuthClient[]> {
    const { rows } = await this.db.query('SELECT * FROM auth_client ORDER BY client_id');
    return rows.map(clientFrom);
  }

  /** Inserts a client; false when the client id is taken. */
  async addClient(c: AuthClient, db: Queryable = this.db): Promise<boolean> {
    const res = await db.query(
      `INSERT INTO auth_client (client_id, name, client_type, secret_hash, redirect_uris, scope, jwks, jwks_uri, organization)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (client_id) DO NOTHING RETURNING client_id`,
      [c.clientId, c.name, c.clientType, c.secretHash ?? null, JSON.stringify(c.redirectUris), c.scope, c.jwks ? JSON.stringify(c.jwks) : null, c.jwksUri ?? null, c.organization ?? null],
    );
    return res.rows.length === 1;
  }

  async deleteClient(clientId: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM auth_client WHERE client_id = $1 RETURNING client_id', [clientId]);
    return res.rows.length === 1;
  }

  async getUser(username: string): Promise<AuthUser | undefined> {
    const { rows } = await this.db.query('SELECT * FROM auth_user WHERE username = $1', [username]);
    const r = rows[0];
    return r ? { username: String(r.username), passwordHash: String(r.password_hash), fhirUser: str(r.fhir_user), organization: str(r.organization) } : undefined;
  }

  async addUser(u: AuthUser, db: Queryable = this.db): Promise<boolean> {
    const res = await db.query(
      `INSERT INTO auth_user (username, password_hash, fhir_user, organization) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING RETURNING username`,
      [u.username, u.passwordHash, u.fhirUser ?? null, u.organization ?? null],
    );
    return res.rows.length === 1;
  }

  async isEmpty(): Promise<boolean> {
    const { rows } = await this.db.query('SELECT NOT EXISTS (SELECT 1 FROM auth_client) AND NOT EXISTS (SELECT 1 FROM auth_user) AS empty');
    return rows[0].empty === true;
  }

  /** Runs `fn` with the demo-seed tables locked, only when both are empty (first start). */
  async seedIfEmpty(fn: (tx: Queryable) => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK + 1]);
      const { rows } = await tx.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM auth_client)::int + (SELECT count(*) FROM auth_user)::int AS n',
      );
      if (Number(rows[0].n) > 0) return false;
      await fn(tx);
      return true;
    });
  }

  async saveCode(codeHash: string, code: AuthCode, ttlSeconds: number): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_code (code_hash, grant_id, client_id, redirect_uri, scope, code_challenge, username, context, nonce, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10))`,
      [codeHash, code.grantId, code.clientId, code.redirectUri, code.scope, code.codeChallenge, code.username, JSON.stringify(code.context), code.nonce ?? null, ttlSeconds],
    );
  }

  /**
   * Marks a code used and returns it; `reused` when it had been redeemed before (the caller
   * then revokes what it granted, RFC 6749 §4.1.2), undefined when unknown or expired.
   */
  async redeemCode(codeHash: string): Promise<{ code: AuthCode; reused: boolean } | undefined> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'SELECT *, expires_at < now() AS expired FROM auth_code WHERE code_hash = $1 FOR UPDATE',
        [codeHash],
      );
      const r = rows[0];
      if (!r || r.expired === true) return undefined;
      const reused = r.used_at !== null && r.used_at !== undefined;
      if (!reused) await tx.query('UPDATE auth_code SET used_at = now() WHERE code_hash = $1', [codeHash]);
      return {
        reused,
        code: {
          grantId: String(r.grant_id),
          clientId: String(r.client_id),
          redirectUri: String(r.redirect_uri),
          scope: String(r.scope),
          codeChallenge: String(r.code_challenge),
          username: String(r.username),
          context: r.context as LaunchContext,
          nonce: str(r.nonce),
        },
      };
    });
  }

  async saveLaunch(launchId: string, context: LaunchContext, ttlSeconds: number): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_launch (launch_id, context, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))',
      [launchId, JSON.stringify(context), ttlSeconds],
    );
  }

  async getLaunch(launchId: string): Promise<LaunchContext | undefined> {
    const { rows } = await this.db.query('SELECT context FROM auth_launch WHERE launch_id = $1 AND expires_at > now()', [launchId]);
    return rows[0] ? (rows[0].context as LaunchContext) : undefined;
  }

  async saveRefreshToken(tokenHash: string, t: Omit<RefreshToken, 'expiresAt'>, ttlSeconds: number): Promise<void> {
    await this.db.query(
      `INSERT INTO auth_refresh_token (token_hash, grant_id, client_id, username, scope, context, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
      [tokenHash, t.grantId, t.clientId, t.username ?? null, t.scope, JSON.stringify(t.context), ttlSeconds],
    );
  }

  /**
   * Consumes a refresh token for rotation. `reused`: it was already used or revoked, which
   * the caller treats as theft (the family is revoked).
   */
  async useRefreshToken(tokenHash: string): Promise<{ token: RefreshToken; reused: boolean } | undefined> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'SELECT *, expires_at < now() AS expired FROM auth_refresh_token WHERE token_hash = $1 FOR UPDATE',
        [tokenHash],
      );
      const r = rows[0];
      if (!r || r.expired === true) return undefined;
      const reused = r.used_at != null || r.revoked_at != null;
      if (!reused) await tx.query('UPDATE auth_refresh_token SET used_at = now() WHERE token_hash = $1', [tokenHash]);
      return { reused, token: refreshFrom(r) };
    });
  }

  /** A live (unused, unrevoked, unexpired) refresh token, for introspection and revocation. */
  async findRefreshToken(tokenHash: string): Promise<RefreshToken | undefined> {
    const { rows } = await this.db.query(
      'SELECT * FROM auth_refresh_token WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()',
      [tokenHash],
    );
    return rows[0] ? refreshFrom(rows[0]) : undefined;
  }

  /**
   * Revokes a whole grant: its refresh tokens, and (through `auth_revoked`) the access tokens
   * issued under it, which carry the grant id as `gid`.
   */
  async revokeGrant(grantId: string, accessTokenLifetimeSeconds: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE auth_refresh_token SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL', [grantId]);
      await tx.query(
        `INSERT INTO auth_revoked (id, expires_at) VALUES ($1, now() + make_interval(secs => $2))
         ON CONFLICT (id) DO UPDATE SET expires_at = GREATEST(auth_revoked.expires_at, EXCLUDED.expires_at)`,
        [grantId, accessTokenLifetimeSeconds],
      );
    });
    this.revokedHere.add(grantId);
  }

  async revokeTokenId(jti: string, expiresAtEpochSeconds: number): Promise<void> {
    await this.db.query(
      'INSERT INTO auth_revoked (id, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (id) DO NOTHING',
      [jti, expiresAtEpochSeconds],
    );
    this.revokedHere.add(jti);
  }

  /**
   * True when any of the ids (an access token's jti and gid) has been revoked. Checked on every
   * request, so it reads the (small) list of unexpired revocations at most every
   * REVOCATION_REFRESH_MS instead of querying per request.
   */
  async anyRevoked(ids: string[]): Promise<boolean> {
    if (ids.some((id) => this.revokedHere.has(id))) return true;
    const revoked = await this.revokedIds();
    return ids.some((id) => revoked.has(id));
  }

  private async revokedIds(): Promise<Set<string>> {
    if (this.revoked && Date.now() - this.revoked.loadedAt < REVOCATION_REFRESH_MS) return this.revoked.ids;
    this.loadingRevoked ??= this.db
      .query<{ id: string }>('SELECT id FROM auth_revoked WHERE expires_at > now()')
      .then(({ rows }) => {
        const ids = new Set(rows.map((r) => r.id));
        this.revoked = { ids, loadedAt: Date.now() };
        return ids;
      })
      .finally(() => {
        this.loadingRevoked = undefined;
      });
    return this.loadingRevoked;
  }

  /** Records a client assertion's jti; false when it was seen before (a replay). */
  async recordJti(clientId: string, jti: string, expiresAtEpochSeconds: number): Promise<boolean> {
    await this.db.query('DELETE FROM auth_used_jti WHERE expires_at < now()');
    const res = await this.db.query(
      `INSERT INTO auth_used_jti (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti`,
      [clientId, jti, expiresAtEpochSeconds],
    );
    return res.rows.length === 1;
  }

  /**
   * The newest signing key, created by `generate` when there is none. Under an advisory lock,
   * so several nodes starting on one database end up sharing a single key.
   */
  async signingKey(generate: () => Promise<SigningKeyRow>): Promise<SigningKeyRow> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
      const { rows } = await tx.query('SELECT * FROM auth_signing_key ORDER BY created_at DESC, kid LIMIT 1');
      if (rows[0]) {
        const r = rows[0];
        return { kid: String(r.kid), alg: String(r.alg), privateJwk: r.private_jwk as Row, publicJwk: r.public_jwk as Row };
      }
      const key = await generate();
      await tx.query('INSERT INTO auth_signing_key (kid, alg, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)', [
        key.kid,
        key.alg,
        JSON.stringify(key.privateJwk),
        JSON.stringify(key.publicJwk),
      ]);
      return key;
    });
  }

  /** Every public signing key (the JWKS keeps retired keys so tokens they signed still verify). */
  async publicKeys(): Promise<Record<string, unknown>[]> {
    const { rows } = await this.db.query('SELECT public_jwk FROM auth_signing_key ORDER BY created_at DESC');
    return rows.map((r) => r.public_jwk as Row);
  }
}

function refreshFrom(r: Row): RefreshToken {
  return {
    grantId: String(r.grant_id),
    clientId: String(r.client_id),
    username: str(r.username),
    scope: String(r.scope),
    context: r.context as LaunchContext,
    expiresAt: String(r.expires_at),
  };
}
