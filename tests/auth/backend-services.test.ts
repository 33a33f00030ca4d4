import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPost, fhirRequest, postForm, startAuthApp } from './support.ts';

const TOKEN_URL = 'http://localhost:8080/auth/token';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let app: FastifyInstance;
let close: () => Promise<void>;
const keys: Record<'RS384' | 'ES384', { privateKey: CryptoKey; kid: string }> = {} as never;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  for (const alg of ['RS384', 'ES384'] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `test-${alg}`;
    keys[alg] = { privateKey, kid };
    const reg = await adminPost(app, '/auth/admin/clients', {
      client_id: `backend-${alg}`,
      name: `Backend ${alg}`,
      type: 'confidential-asymmetric',
      scope: 'system/*.rs system/Task.cruds',
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg }] },
    });
    expect(reg.status).toBe(201);
  }
});
afterAll(() => close());

interface AssertionOptions {
  alg?: 'RS384' | 'ES384';
  clientId?: string;
  aud?: string;
  expIn?: number;
  jti?: string;
  kid?: string | null;
  key?: CryptoKey;
}

async function assertion(o: AssertionOptions = {}): Promise<string> {
  const alg = o.alg ?? 'ES384';
  const clientId = o.clientId ?? `backend-${alg}`;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: o.jti ?? randomUUID() })
    .setProtectedHeader({ alg, typ: 'JWT', ...(o.kid === null ? {} : { kid: o.kid ?? keys[alg].kid }) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(o.aud ?? TOKEN_URL)
    .setExpirationTime(now + (o.expIn ?? 240))
    .sign(o.key ?? keys[alg].privateKey);
}

const requestToken = (clientAssertion: string, scope = 'system/Patient.rs', extra: Record<string, string> = {}) =>
  postForm(app, '/auth/token', { grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion, ...extra });

describe('SMART Backend Services (client_credentials + private_key_jwt)', () => {
  it.each(['RS384', 'ES384'] as const)('issues a ≤ 300 s system token for an %s assertion', async (alg) => {
    const res = await requestToken(await assertion({ alg }), 'system/Patient.rs system/Task.cruds');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'system/Patient.rs system/Task.cruds' });
    expect(res.body.refresh_token).toBeUndefined();
    const claims = decodeJwt(res.body.access_token);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    const created = await fhirRequest(app, 'POST', '/Task', res.body.access_token, { resourceType: 'Task', status: 'requested', intent: 'order' });
    expect(created.status).toBe(201);
    expect((await fhirRequest(app, 'GET', '/Patient', res.body.access_token)).status).toBe(200);
    // system/Patient.rs does not allow writing patients.
    const denied = await fhirRequest(app, 'POST', '/Patient', res.body.access_token, { resourceType: 'Patient' });
    expect(denied.status).toBe(403);
    expect(denied.body.resourceType).toBe('OperationOutcome');
  });

  it('grants only registered system scopes', async () => {
    const res = await requestToken(await assertion(), 'system/Patient.cruds');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
    const partial = await requestToken(await assertion(), 'system/Patient.rs patient/*.rs');
    expect(partial.body.scope).toBe('system/Patient.rs');
  });

  it('works with the demo backend client and its DEMO ONLY key from seed/auth', async () => {
    const jwk = JSON.parse(readFileSync(new URL('../../seed/auth/demo-backend-private-key.DEMO-ONLY.jwk.json', import.meta.url), 'utf8')) as JWK;
    const key = (await importJWK(jwk, 'ES384')) as CryptoKey;
    const res = await requestToken(await assertion({ alg: 'ES384', clientId: 'demo-backend', kid: jwk.kid, key }), 'system/*.rs');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/*.rs');
  });

  describe('attacks on the assertion → 401 invalid_client', () => {
    it('replayed jti', async () => {
      const jti = randomUUID();
      expect((await requestToken(await assertion({ jti }))).status).toBe(200);
      const replay = await requestToken(await assertion({ jti }));
      expect(replay.status).toBe(401);
      expect(replay.body).toMatchObject({ error: 'invalid_client' });
      expect(replay.body.error_description).toMatch(/replay/);
    });

    it('exp more than five minutes ahead', async () => {
      const res = await requestToken(await assertion({ expIn: 600 }));
      expect(res.status).toBe(401);
      expect(res.body.error_description).toMatch(/five minutes/);
    });

    it('expired assertion', async () => {
      const res = await requestToken(await assertion({ expIn: -120 }));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('signed by a key the client did not register', async () => {
      const { privateKey } = await generateKeyPair('ES384');
      const res = await requestToken(await assertion({ key: privateKey }));
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('another client\'s key (RS384 client id, ES384 key)', async () => {
      const res = await requestToken(await assertion({ alg: 'ES384', clientId: 'backend-RS384' }));
      expect(res.status).toBe(401);
    });

    it('wrong audience', async () => {
      const res = await requestToken(await assertion({ aud: 'http://localhost:8080/fhir' }));
      expect(res.status).toBe(401);
      expect(res.body.error_description).toMatch(/aud/);
    });

    it('alg none and HS256', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: keys.ES384.kid })).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const body = Buffer.from(JSON.stringify({ iss: 'backend-ES384', sub: 'backend-ES384', aud: TOKEN_URL, exp: now + 60, jti: randomUUID() })).toString('base64url');
      expect((await requestToken(`${header}.${body}.`)).status).toBe(401);
      const hs = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: keys.ES384.kid })
        .setIssuer('backend-ES384').setSubject('backend-ES384').setAudience(TOKEN_URL).setExpirationTime(now + 60)
        .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'));
      expect((await requestToken(hs)).status).toBe(401);
    });

    it('missing kid', async () => {
      const res = await requestToken(await assertion({ kid: null }));
      expect(res.status).toBe(401);
      expect(res.body.error_description).toMatch(/kid/);
    });

    it('wrong client_assertion_type or garbage assertion', async () => {
      const wrongType = await postForm(app, '/auth/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: 'urn:other', client_assertion: await assertion() });
      expect(wrongType.status).toBe(401);
      expect(wrongType.body.error).toBe('invalid_client');
      expect((await requestToken('not-a-jwt')).status).toBe(401);
    });

    it('client_credentials without an assertion', async () => {
      const res = await postForm(app, '/auth/token', { grant_type: 'client_credentials', scope: 'system/*.rs', client_id: 'demo-confidential', client_secret: 'demo-secret-DEMO-ONLY' });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('unauthorized_client');
    });
  });

  it('registers clients only with the admin token and valid keys', async () => {
    const noToken = await app.inject({ method: 'POST', url: '/auth/admin/clients', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(noToken.statusCode).toBe(401);
    const privateJwk = JSON.parse(readFileSync(new URL('../../seed/auth/demo-backend-private-key.DEMO-ONLY.jwk.json', import.meta.url), 'utf8'));
    const withPrivate = await adminPost(app, '/auth/admin/clients', { type: 'confidential-asymmetric', scope: 'system/*.rs', jwks: { keys: [privateJwk] } });
    expect(withPrivate.status).toBe(400);
    const systemForPublic = await adminPost(app, '/auth/admin/clients', { type: 'public', scope: 'system/*.rs', redirect_uris: ['https://a.example/cb'] });
    expect(systemForPublic.status).toBe(400);
    const symmetric = await adminPost(app, '/auth/admin/clients', { client_id: 'new-app', type: 'confidential-symmetric', scope: 'user/*.rs', redirect_uris: ['https://a.example/cb'] });
    expect(symmetric.status).toBe(201);
    expect(typeof symmetric.body.client_secret).toBe('string');
    const list = await app.inject({ method: 'GET', url: '/auth/admin/clients', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    const clients = JSON.parse(list.body) as Record<string, unknown>[];
    expect(clients.map((c) => c.client_id)).toContain('new-app');
    expect(list.body).not.toContain('secret_hash');
    expect(list.body).not.toContain(symmetric.body.client_secret);
    expect((await adminPost(app, '/auth/admin/clients', { client_id: 'new-app', type: 'public', scope: 'user/*.rs', redirect_uris: ['https://a.example/cb'] })).status).toBe(400);
  });
});
