import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.ts';
import { authorizeCode, caredForByDemoClinician, exchangeCode, fhirRequest, forgeToken, get, startAuthApp, store } from './support.ts';

let app: FastifyInstance;
let close: () => Promise<void>;

/** Signs a token with the server's own key (as if the server had issued it), to vary single claims. */
function forge(claims: Record<string, unknown>, opts: Parameters<typeof forgeToken>[2] = {}): Promise<string> {
  return forgeToken(app, claims, opts);
}

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(app, { resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Alpha' }] }, ...caredForByDemoClinician('pat-a'));
});
afterAll(() => close());

function expectUnauthorized(res: { status: number; headers: Record<string, unknown>; body: any }, diagnostics?: RegExp) { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(res.status).toBe(401);
  expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
  expect(res.body.resourceType).toBe('OperationOutcome');
  if (diagnostics) expect(res.body.issue[0].diagnostics).toMatch(diagnostics);
}

describe('bearer tokens on the FHIR API', () => {
  it('a forged-but-valid token is accepted (control for the attacks below)', async () => {
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({}))).status).toBe(200);
  });

  it('missing token → 401 with WWW-Authenticate: Bearer and an OperationOutcome', async () => {
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a'), /access token is required/);
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient'));
    expectUnauthorized(await fhirRequest(app, 'POST', '', undefined, { resourceType: 'Bundle', type: 'batch', entry: [] }));
    expectUnauthorized(await fhirRequest(app, 'GET', '/_history'));
    const basic = await app.inject({ method: 'GET', url: '/fhir/Patient/pat-a', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.statusCode).toBe(401);
  });

  it('expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({ iat: now - 7200, exp: now - 3600 })), /expired/);
  });

  it('alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: 'http://localhost:8080/fhir', aud: 'http://localhost:8080/fhir', sub: 'x', client_id: 'demo-app', scope: 'user/*.cruds', jti: randomUUID(), exp: now + 600 })).toString('base64url');
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', `${header}.${payload}.`));
  });

  it('wrong signature / key (same kid, another key; HS256 with the public key as secret)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({}, { key: privateKey })), /signature/);
    const publicJwk = await exportJWK(publicKey);
    const hs = await forge({}, { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(publicJwk)) as unknown as CryptoKey });
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', hs));
    const valid = await forge({});
    const [h, p, s] = valid.split('.');
    const tampered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'system/*.cruds' })).toString('base64url');
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', `${h}.${tampered}.${s}`));
  });

  it('wrong aud, wrong iss, wrong typ (an id_token is not an access token)', async () => {
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({ aud: 'http://other.example/fhir' })), /aud/);
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({ iss: 'http://evil.example' })), /iss/);
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({}, { typ: 'JWT' })));
    const t = await exchangeCode(app, await authorizeCode(app, { scope: 'openid fhirUser launch/patient patient/*.rs', pick: 'pat-a' }));
    expectUnauthorized(await fhirRequest(app, 'GET', '/Patient/pat-a', t.body.id_token));
  });

  it('read-only scope writing → 403 OperationOutcome; reading still works', async () => {
    const readOnly = await forge({ scope: 'user/*.rs' });
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', readOnly)).status).toBe(200);
    const create = await fhirRequest(app, 'POST', '/Patient', readOnly, { resourceType: 'Patient' });
    expect(create.status).toBe(403);
    expect(create.body.resourceType).toBe('OperationOutcome');
    expect(create.body.issue[0].code).toBe('forbidden');
    expect((await fhirRequest(app, 'PUT', '/Patient/pat-a', readOnly, { resourceType: 'Patient', id: 'pat-a' })).status).toBe(403);
    expect((await fhirRequest(app, 'DELETE', '/Patient/pat-a', readOnly)).status).toBe(403);
    // v1 read scope likewise
    expect((await fhirRequest(app, 'POST', '/Patient', await forge({ scope: 'user/*.read' }), { resourceType: 'Patient' })).status).toBe(403);
    // Nothing was written.
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', readOnly)).body.meta.versionId).toBe('1');
  });

  it('scopes per resource type, and batch entries are checked one by one', async () => {
    const taskOnly = await forge({ scope: 'user/Task.cruds' });
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', taskOnly)).status).toBe(403);
    expect((await fhirRequest(app, 'POST', '/Task', taskOnly, { resourceType: 'Task', status: 'requested', intent: 'order' })).status).toBe(201);
    const sneaky = await fhirRequest(app, 'POST', '', taskOnly, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Task', status: 'requested', intent: 'order' }, request: { method: 'POST', url: 'Task' } },
        { request: { method: 'DELETE', url: 'Patient/pat-a' } },
      ],
    });
    expect(sneaky.status).toBe(403);
    expect(sneaky.body.issue[0].diagnostics).toMatch(/delete Patient/);
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', await forge({}))).status).toBe(200);
    expect((await fhirRequest(app, 'GET', '/_history', taskOnly)).status).toBe(403);
  });

  it('metadata, discovery, health stay public; CORS preflight needs no token', async () => {
    const meta = await get(app, '/fhir/metadata');
    expect(meta.status).toBe(200);
    const security = meta.body.rest[0].security;
    const oauth = security.extension.find((e: { url: string }) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    expect(oauth.extension).toEqual(expect.arrayContaining([
      { url: 'authorize', valueUri: 'http://localhost:8080/auth/authorize' },
      { url: 'token', valueUri: 'http://localhost:8080/auth/token' },
    ]));
    expect(security.service[0].coding[0].code).toBe('SMART-on-FHIR');
    expect((await get(app, '/health')).status).toBe(200);
    expect((await get(app, '/fhir/.well-known/smart-configuration')).status).toBe(200);
    const preflight = await app.inject({ method: 'OPTIONS', url: '/fhir/Patient/pat-a', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });
});

describe('AUTH_DISABLED', () => {
  it('is off by default and refused in production', () => {
    expect(configFromEnv({}).authDisabled).toBe(false);
    expect(configFromEnv({ AUTH_DISABLED: 'true' }).authDisabled).toBe(true);
    expect(() => configFromEnv({ AUTH_DISABLED: 'true', NODE_ENV: 'production' })).toThrow(/refused/);
    expect(() => configFromEnv({ AUTH_DISABLED: 'yes' })).toThrow(/AUTH_DISABLED/);
    expect(configFromEnv({ ADMIN_TOKEN: 'abc' }).adminToken).toBe('abc');
  });
});
