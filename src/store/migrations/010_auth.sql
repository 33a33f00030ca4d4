-- SMART on FHIR authorization server state (issue 5). PostgreSQL 15 compatible.

-- Registered OAuth clients. client_type: public | confidential-symmetric | confidential-asymmetric.
CREATE TABLE IF NOT EXISTS auth_client (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  client_type text NOT NULL,
  -- scrypt hash of the secret (confidential-symmetric only)
  secret_hash text,
  redirect_uris jsonb NOT NULL DEFAULT '[]',
  -- the largest scope the client may be granted (space separated)
  scope text NOT NULL,
  -- private_key_jwt: a JWKS registered inline, or the URL it is fetched from
  jwks jsonb,
  jwks_uri text,
  organization text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- People who log in on the login page.
CREATE TABLE IF NOT EXISTS auth_user (
  username text PRIMARY KEY,
  -- scrypt$N$r$p$salt$hash (base64url)
  password_hash text NOT NULL,
  -- relative reference to the user's FHIR resource, e.g. Practitioner/123 or Patient/456
  fhir_user text,
  organization text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Authorization codes (stored hashed; single use; minutes of life).
CREATE TABLE IF NOT EXISTS auth_code (
  code_hash text PRIMARY KEY,
  grant_id text NOT NULL,
  client_id text NOT NULL,
  redirect_uri text NOT NULL,
  scope text NOT NULL,
  code_challenge text NOT NULL,
  username text NOT NULL,
  context jsonb NOT NULL DEFAULT '{}',
  nonce text,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- EHR launch contexts created by POST /auth/launch, bound to an authorization by the launch parameter.
CREATE TABLE IF NOT EXISTS auth_launch (
  launch_id text PRIMARY KEY,
  context jsonb NOT NULL,
  expires_at timestamptz NOT NULL
);

-- Refresh tokens (stored hashed). Each use rotates the token; a used token presented again
-- revokes its whole family (grant_id).
CREATE TABLE IF NOT EXISTS auth_refresh_token (
  token_hash text PRIMARY KEY,
  grant_id text NOT NULL,
  client_id text NOT NULL,
  username text,
  scope text NOT NULL,
  context jsonb NOT NULL DEFAULT '{}',
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS auth_refresh_token_grant ON auth_refresh_token (grant_id);

-- Revoked access token ids (jti) and grant ids (gid), kept until the tokens would have expired.
CREATE TABLE IF NOT EXISTS auth_revoked (
  id text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

-- Client assertion jti values already seen (replay protection), kept until the assertion expires.
CREATE TABLE IF NOT EXISTS auth_used_jti (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- The server's own signing keys, shared by every node on the database.
CREATE TABLE IF NOT EXISTS auth_signing_key (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
