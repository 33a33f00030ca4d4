import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.ts';
import { get, startAuthApp } from './support.ts';

let app: FastifyInstance;
let close: () => Promise<void>;
beforeAll(async () => ({ app, close } = await startAuthApp()));
afterAll(() => close());

describe('/.well-known/smart-configuration', () => {
  it.each(['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration'])('%s has every field, as application/json whatever the Accept', async (path) => {
    for (const accept of ['application/fhir+json', 'text/html', '*/*']) {
      const res = await get(app, path, { accept });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    const c = (await get(app, path)).body;
    expect(c).toMatchObject({
      issuer: 'http://localhost:8080/fhir',
      jwks_uri: 'http://localhost:8080/.well-known/jwks.json',
      authorization_endpoint: 'http://localhost:8080/auth/authorize',
      token_endpoint: 'http://localhost:8080/auth/token',
      introspection_endpoint: 'http://localhost:8080/auth/introspect',
      revocation_endpoint: 'http://localhost:8080/auth/revoke',
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']),
      token_endpoint_auth_methods_supported: expect.arrayContaining(['private_key_jwt', 'client_secret_basic']),
      token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['RS384', 'ES384']),
    });
    expect(c.capabilities).toEqual(
      expect.arrayContaining([
        'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
        'sso-openid-connect', 'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient', 'context-banner',
        'permission-patient', 'permission-user', 'permission-offline', 'permission-v1', 'permission-v2',
      ]),
    );
    expect(c.scopes_supported).toEqual(expect.arrayContaining(['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access', 'patient/*.rs', 'system/*.rs']));
    expect(JSON.stringify(c)).not.toContain('plain');
  });

  it('answers CORS preflights on discovery and token endpoints', async () => {
    for (const [url, method] of [['/fhir/.well-known/smart-configuration', 'GET'], ['/auth/token', 'POST'], ['/auth/introspect', 'POST'], ['/auth/revoke', 'POST']]) {
      const res = await app.inject({ method: 'OPTIONS', url, headers: { origin: 'http://localhost:3000', 'access-control-request-method': method, 'access-control-request-headers': 'content-type' } });
      expect(res.statusCode, url).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect(String(res.headers['access-control-allow-methods'])).toContain(method);
    }
    const token = await app.inject({ method: 'POST', url: '/auth/token', headers: { origin: 'http://localhost:3000', 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=nope' });
    expect(token.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  it('publishes the signing key as a JWKS without private parts', async () => {
    const jwks = (await get(app, '/.well-known/jwks.json')).body;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    expect(jwks.keys[0].p).toBeUndefined();
  });
});

describe('signing key', () => {
  it('is generated once and kept in the database across restarts', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ecm-auth-key-'));
    try {
      const onDisk = { authDisabled: false, dataDir, databaseUrl: undefined, schema: undefined, pgliteTemplate: undefined };
      const first = await startTestApp(onDisk);
      const kid1 = (await get(first.app, '/.well-known/jwks.json')).body.keys[0].kid;
      await first.close();
      const second = await startTestApp(onDisk);
      const keys = (await get(second.app, '/.well-known/jwks.json')).body.keys;
      await second.close();
      expect(keys.map((k: { kid: string }) => k.kid)).toEqual([kid1]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
