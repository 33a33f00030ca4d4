import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, decodeJwt, jwtVerify, createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_REFRESH_MS } from '../../src/store/auth-store.ts';
import { adminPost, authorizeCode, caredForByDemoClinician, exchangeCode, fhirRequest, get, pkcePair, postForm, startAuthApp, store, hiddenRequest, DEMO_PASSWORD } from './support.ts';

let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  await store(
    app,
    { resourceType: 'Patient', id: 'pat-a', name: [{ family: 'Alpha', given: ['Ann'] }] },
    { resourceType: 'Patient', id: 'pat-b', name: [{ family: 'Beta', given: ['Bo'] }] },
    { resourceType: 'Patient', id: 'demo-member-1', name: [{ family: 'Member' }] },
    { resourceType: 'Patient', id: 'pat-elsewhere', name: [{ family: 'Elsewhere' }] },
    { resourceType: 'Encounter', id: 'enc-1', status: 'in-progress', class: { code: 'AMB' }, subject: { reference: 'Patient/pat-a' } },
    ...caredForByDemoClinician('pat-a', 'pat-b'),
  );
});
afterAll(() => close());

describe('authorization code + PKCE (standalone launch)', () => {
  it('logs in, picks a patient, and gets tokens with launch context and an id_token', async () => {
    const a = await authorizeCode(app, { scope: 'openid fhirUser launch/patient patient/*.rs offline_access', pick: 'pat-b', nonce: 'n-123' });
    expect(a.pickerPage).toContain('Alpha, Ann (pat-a)');
    expect(a.pickerPage).toContain('Beta, Bo (pat-b)');
    expect(a.returnedState).toBe(a.state);
    expect(a.location.origin + a.location.pathname).toBe('http://localhost:3000/index.html');

    const t = await exchangeCode(app, a);
    expect(t.status).toBe(200);
    expect(t.headers['cache-control']).toBe('no-store');
    expect(t.headers.pragma).toBe('no-cache');
    expect(t.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'openid fhirUser launch/patient patient/*.rs offline_access',
      patient: 'pat-b',
      fhirUser: 'Practitioner/demo-practitioner-1',
      need_patient_banner: true,
      smart_style_url: 'http://localhost:8080/auth/smart-style.json',
    });
    expect(typeof t.body.refresh_token).toBe('string');
    // The id_token verifies with the published JWKS; fhirUser is the user's resource URL.
    const jwks = (await get(app, '/.well-known/jwks.json')).body;
    const { payload } = await jwtVerify(t.body.id_token, createLocalJWKSet(jwks), { issuer: 'http://localhost:8080/fhir', audience: 'demo-app' });
    expect(payload.fhirUser).toBe('http://localhost:8080/fhir/Practitioner/demo-practitioner-1');
    expect(payload.nonce).toBe('n-123');
    expect(payload.sub).toBe('demo-clinician');
    // The access token opens the FHIR API.
    expect((await fhirRequest(app, 'GET', '/Patient/pat-b', t.body.access_token)).status).toBe(200);
    const claims = decodeJwt(t.body.access_token);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
  });

  it('a member signing in gets their own patient context without a picker', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs', username: 'demo-member' });
    expect(a.pickerPage).toBeUndefined();
    const t = await exchangeCode(app, a);
    expect(t.body.patient).toBe('demo-member-1');
    expect(t.body.refresh_token).toBeUndefined(); // no offline_access/online_access
    expect(t.body.id_token).toBeUndefined(); // no openid
  });

  it('a member never gets user/ scopes, even when the client may have them', async () => {
    const t = await exchangeCode(app, await authorizeCode(app, { scope: 'launch/patient patient/*.rs user/*.cruds', username: 'demo-member' }));
    expect(t.body.scope).toBe('launch/patient patient/*.rs');
    const denied = await authorizeCode(app, { scope: 'user/*.rs', username: 'demo-member' });
    expect(denied.code).toBe('');
    expect(denied.location.searchParams.get('error')).toBe('access_denied');
    expect(denied.returnedState).toBe(denied.state);
  });

  it('refuses a wrong password with the login page again', async () => {
    const { challenge } = pkcePair();
    const page = await get(app, `/auth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'demo-app', redirect_uri: 'http://localhost:3000/', scope: 'patient/*.rs', state: 's1', aud: 'http://localhost:8080/fhir', code_challenge: challenge, code_challenge_method: 'S256' })}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const res = await postForm(app, '/auth/login', { request: hiddenRequest(page.text), username: 'demo-clinician', password: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong user name or password');
    expect(res.headers.location).toBeUndefined();
  });

  it('accepts the authorize request as a form POST (authorize-post) and online_access refresh tokens', async () => {
    const { challenge } = pkcePair();
    const page = await postForm(app, '/auth/authorize', { response_type: 'code', client_id: 'demo-app', redirect_uri: 'http://localhost:3000/', scope: 'launch/patient patient/*.rs online_access', state: 's9', aud: 'http://localhost:8080/fhir', code_challenge: challenge, code_challenge_method: 'S256' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
    const t = await exchangeCode(app, await authorizeCode(app, { scope: 'launch/patient patient/*.rs online_access', username: 'demo-member' }));
    expect(typeof t.body.refresh_token).toBe('string');
  });

  it('refuses a forged or tampered sign-in request', async () => {
    const res = await postForm(app, '/auth/login', { request: 'eyJhbGciOiJub25lIn0.eyJjbGllbnRfaWQiOiJkZW1vLWFwcCJ9.', username: 'demo-clinician', password: DEMO_PASSWORD });
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });
});

describe('EHR launch', () => {
  it('binds the launch context created by POST /auth/launch', async () => {
    const launch = await adminPost(app, '/auth/launch', {
      patient: 'pat-a',
      encounter: 'enc-1',
      need_patient_banner: false,
      fhirContext: [{ reference: 'Encounter/enc-1' }],
      launch_url: 'http://localhost:3000/launch.html',
    });
    expect(launch.status).toBe(201);
    const launchUrl = new URL(launch.body.launch_url);
    expect(launchUrl.searchParams.get('iss')).toBe('http://localhost:8080/fhir');
    expect(launchUrl.searchParams.get('launch')).toBe(launch.body.launch);

    const a = await authorizeCode(app, { scope: 'launch openid fhirUser user/*.rs patient/*.rs', launch: launch.body.launch });
    expect(a.pickerPage).toBeUndefined();
    const t = await exchangeCode(app, a);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      patient: 'pat-a',
      encounter: 'enc-1',
      need_patient_banner: false,
      fhirContext: [{ reference: 'Encounter/enc-1' }],
      fhirUser: 'Practitioner/demo-practitioner-1',
    });
  });

  it('refuses unknown launch ids, fhirContext with absolute references, and missing patients', async () => {
    const { challenge } = pkcePair();
    const q = new URLSearchParams({ response_type: 'code', client_id: 'demo-app', redirect_uri: 'http://localhost:3000/', scope: 'launch user/*.rs', state: 's2', aud: 'http://localhost:8080/fhir', code_challenge: challenge, code_challenge_method: 'S256', launch: 'no-such-launch' });
    const res = await get(app, `/auth/authorize?${q}`);
    expect(res.status).toBe(302);
    const loc = new URL(String(res.headers.location));
    expect(loc.searchParams.get('error')).toBe('invalid_request');
    expect(loc.searchParams.get('state')).toBe('s2');

    const bad = await adminPost(app, '/auth/launch', { patient: 'pat-a', fhirContext: [{ reference: 'http://other.example/fhir/Encounter/1' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
    expect((await adminPost(app, '/auth/launch', { patient: 'nobody' })).status).toBe(400);
    const noAdmin = await app.inject({ method: 'POST', url: '/auth/launch', headers: { 'content-type': 'application/json' }, payload: '{"patient":"pat-a"}' });
    expect(noAdmin.statusCode).toBe(401);
  });
});

describe('authorize request checks', () => {
  const base = () => {
    const { challenge } = pkcePair();
    return { response_type: 'code', client_id: 'demo-app', redirect_uri: 'http://localhost:3000/', scope: 'patient/*.rs', state: 'st', aud: 'http://localhost:8080/fhir', code_challenge: challenge, code_challenge_method: 'S256' };
  };

  it('never redirects to an unregistered redirect_uri (400 page instead)', async () => {
    const res = await get(app, `/auth/authorize?${new URLSearchParams({ ...base(), redirect_uri: 'http://evil.example/cb' })}`);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('redirect_uri');
    expect((await get(app, `/auth/authorize?${new URLSearchParams({ ...base(), client_id: 'nobody' })}`)).status).toBe(400);
  });

  it.each([
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['no PKCE', { code_challenge: '', code_challenge_method: '' }, 'invalid_request'],
    ['wrong aud', { aud: 'http://other.example/fhir' }, 'invalid_request'],
    ['no state', { state: '' }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ['scope the client may not have', { scope: 'system/*.cruds' }, 'invalid_scope'],
  ])('redirects back with an error for %s', async (_name, change, error) => {
    const res = await get(app, `/auth/authorize?${new URLSearchParams({ ...base(), ...change })}`);
    expect(res.status).toBe(302);
    const loc = new URL(String(res.headers.location));
    expect(loc.origin).toBe('http://localhost:3000');
    expect(loc.searchParams.get('error')).toBe(error);
    expect(loc.searchParams.get('code')).toBeNull();
  });
});

describe('token endpoint attacks on the code', () => {
  it('PKCE verifier mismatch → invalid_grant', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'pat-a' });
    const t = await exchangeCode(app, { ...a, verifier: pkcePair().verifier });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
    expect(t.body.error_description).toMatch(/PKCE/);
  });

  it('redirect_uri mismatch → invalid_grant', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'pat-a' });
    const t = await exchangeCode(app, { ...a, redirectUri: 'http://localhost:3000/' });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
  });

  it('a code works once; reusing it revokes the tokens of the first use', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs offline_access', pick: 'pat-a' });
    const first = await exchangeCode(app, a);
    expect(first.status).toBe(200);
    const second = await exchangeCode(app, a);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', first.body.access_token)).status).toBe(401);
    const refreshed = await postForm(app, '/auth/token', { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: 'demo-app' });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('a code issued to one client cannot be redeemed by another', async () => {
    const a = await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'pat-a' });
    const t = await postForm(app, '/auth/token', { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: 'demo-confidential', client_secret: 'demo-secret-DEMO-ONLY' });
    expect(t.status).toBe(400);
    expect(t.body.error).toBe('invalid_grant');
  });

  it('confidential clients authenticate with HTTP Basic; a wrong secret is 401 invalid_client', async () => {
    const a = await authorizeCode(app, { clientId: 'demo-confidential', redirectUri: 'http://localhost:4000/callback', scope: 'launch/patient patient/*.rs', pick: 'pat-a' });
    const params = { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri };
    const wrong = await postForm(app, '/auth/token', params, { authorization: `Basic ${Buffer.from('demo-confidential:nope').toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    const ok = await postForm(app, '/auth/token', params, { authorization: `Basic ${Buffer.from('demo-confidential:demo-secret-DEMO-ONLY').toString('base64')}` });
    expect(ok.status).toBe(200);
    expect(ok.body.patient).toBe('pat-a');
    // Confidential clients may not skip authentication by sending only client_id.
    const publicStyle = await postForm(app, '/auth/token', { ...params, client_id: 'demo-confidential' });
    expect(publicStyle.status).toBe(401);
  });

  it('unknown grant types and missing parameters are OAuth errors', async () => {
    const r1 = await postForm(app, '/auth/token', { grant_type: 'password', client_id: 'demo-app' });
    expect(r1.status).toBe(400);
    expect(r1.body.error).toBe('unsupported_grant_type');
    const r2 = await postForm(app, '/auth/token', { client_id: 'demo-app' });
    expect(r2.body.error).toBe('invalid_request');
    const r3 = await app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":"authorization_code"}' });
    expect(r3.statusCode).toBe(400);
    expect(JSON.parse(r3.body).error).toBe('invalid_request');
  });
});

describe('refresh tokens, revocation and introspection', () => {
  async function tokens(scope = 'launch/patient patient/*.rs offline_access') {
    return (await exchangeCode(app, await authorizeCode(app, { scope, pick: 'pat-a' }))).body;
  }
  const refresh = (token: string, extra: Record<string, string> = {}) =>
    postForm(app, '/auth/token', { grant_type: 'refresh_token', refresh_token: token, client_id: 'demo-app', ...extra });

  it('rotates refresh tokens; reuse of an old one revokes the whole family', async () => {
    const t0 = await tokens();
    const r1 = await refresh(t0.refresh_token);
    expect(r1.status).toBe(200);
    expect(r1.headers['cache-control']).toBe('no-store');
    expect(r1.body.refresh_token).not.toBe(t0.refresh_token);
    expect(r1.body.patient).toBe('pat-a');
    // The old token again: theft assumed, family revoked.
    const reuse = await refresh(t0.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(r1.body.refresh_token)).body.error).toBe('invalid_grant');
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', r1.body.access_token)).status).toBe(401);
  });

  it('refresh may narrow the scope, never widen it', async () => {
    const t0 = await tokens();
    const wider = await refresh(t0.refresh_token, { scope: 'patient/*.cruds' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    const t1 = await tokens();
    const narrower = await refresh(t1.refresh_token, { scope: 'patient/Patient.r' });
    expect(narrower.status).toBe(200);
    expect(narrower.body.scope).toBe('patient/Patient.r');
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', narrower.body.access_token)).status).toBe(200);
    expect((await fhirRequest(app, 'GET', '/Observation', narrower.body.access_token)).status).toBe(403);
    // The rotated refresh token still carries the original grant.
    const again = await refresh(narrower.body.refresh_token);
    expect(again.body.scope).toBe('launch/patient patient/*.rs offline_access');
  });

  it('revokes access tokens and refresh tokens (RFC 7009)', async () => {
    const t = await tokens();
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', t.access_token)).status).toBe(200);
    const r = await postForm(app, '/auth/revoke', { token: t.access_token, client_id: 'demo-app' });
    expect(r.status).toBe(200);
    const after = await fhirRequest(app, 'GET', '/Patient/pat-a', t.access_token);
    expect(after.status).toBe(401);
    expect(after.body.resourceType).toBe('OperationOutcome');
    expect(after.body.issue[0].diagnostics).toMatch(/revoked/);

    const t2 = await tokens();
    expect((await postForm(app, '/auth/revoke', { token: t2.refresh_token, client_id: 'demo-app', token_type_hint: 'refresh_token' })).status).toBe(200);
    expect((await refresh(t2.refresh_token)).body.error).toBe('invalid_grant');
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', t2.access_token)).status).toBe(401);
    // Unknown tokens: 200 as well; another client's token: refused.
    expect((await postForm(app, '/auth/revoke', { token: 'nonsense', client_id: 'demo-app' })).status).toBe(200);
    const t3 = await tokens();
    const other = await postForm(app, '/auth/revoke', { token: t3.access_token, client_id: 'demo-confidential', client_secret: 'demo-secret-DEMO-ONLY' });
    expect(other.status).toBe(400);
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', t3.access_token)).status).toBe(200);
  });

  it('the patient picker offers and accepts only patients the user may see (organization tenancy)', async () => {
    await expect(authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'pat-elsewhere' })).rejects.toThrow(/answered 400/);
    const ok = await exchangeCode(app, await authorizeCode(app, { scope: 'launch/patient patient/*.rs', pick: 'pat-b' }));
    expect(ok.body.patient).toBe('pat-b');
  });

  it('honours a revocation written by another server process within REVOCATION_REFRESH_MS', async () => {
    const t = await tokens();
    expect((await fhirRequest(app, 'GET', '/Patient/pat-a', t.access_token)).status).toBe(200); // verified and cached
    const { jti, exp } = decodeJwt(t.access_token) as { jti: string; exp: number };
    await app.database.query('INSERT INTO auth_revoked (id, expires_at) VALUES ($1, to_timestamp($2))', [jti, exp]);
    await new Promise((resolve) => setTimeout(resolve, REVOCATION_REFRESH_MS + 100));
    const after = await fhirRequest(app, 'GET', '/Patient/pat-a', t.access_token);
    expect(after.status).toBe(401);
    expect(after.body.issue[0].diagnostics).toMatch(/revoked/);
  });

  it('introspects tokens (RFC 7662) for authorized callers only', async () => {
    const t = await tokens('launch/patient openid fhirUser patient/*.rs offline_access');
    const asResourceServer = { authorization: `Bearer ${t.access_token}` };
    const active = await postForm(app, '/auth/introspect', { token: t.access_token }, asResourceServer);
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      active: true,
      scope: 'launch/patient openid fhirUser patient/*.rs offline_access',
      client_id: 'demo-app',
      sub: 'demo-clinician',
      patient: 'pat-a',
      fhirUser: 'Practitioner/demo-practitioner-1',
    });
    expect(active.body.exp).toBeGreaterThan(Date.now() / 1000);
    const basic = { authorization: `Basic ${Buffer.from('demo-confidential:demo-secret-DEMO-ONLY').toString('base64')}` };
    const refreshInfo = await postForm(app, '/auth/introspect', { token: t.refresh_token, token_type_hint: 'refresh_token' }, basic);
    expect(refreshInfo.body).toMatchObject({ active: true, client_id: 'demo-app', patient: 'pat-a' });
    expect((await postForm(app, '/auth/introspect', { token: 'garbage' }, basic)).body).toEqual({ active: false });
    // A public client cannot introspect; nor can an anonymous caller.
    expect((await postForm(app, '/auth/introspect', { token: t.access_token, client_id: 'demo-app' })).status).toBe(401);
    expect((await postForm(app, '/auth/introspect', { token: t.access_token })).status).toBe(401);
    await postForm(app, '/auth/revoke', { token: t.access_token, client_id: 'demo-app' });
    expect((await postForm(app, '/auth/introspect', { token: t.access_token }, basic)).body).toEqual({ active: false });
  });
});
