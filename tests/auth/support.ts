import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { FastifyInstance } from 'fastify';
import type { Resource } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import { startTestApp } from '../support/test-app.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const DEMO_PASSWORD = 'demo-password';

/** A server with authorization ON, the demo clients and users (seed/auth), and an admin token. */
export async function startAuthApp() {
  const started = await startTestApp({ authDisabled: false, seed: 'demo', adminToken: ADMIN_TOKEN });
  // The organizations the demo users and clients act for (seed/auth/demo-auth.json): the plan
  // (a payer: its staff see everything) and an ECM provider (sees only its members' data).
  await store(started.app, organization('plan-kern', 'pay'), organization('ecm-provider-bakersfield', 'prov'));
  return started;
}

/**
 * EpisodeOfCare resources making the demo clinician's organization (ecm-provider-bakersfield)
 * care for these patients, so that user may pick them on a standalone launch and see their data.
 */
export function caredForByDemoClinician(...patientIds: string[]): (Resource & { id: string })[] {
  return patientIds.map((id) => ({
    resourceType: 'EpisodeOfCare',
    id: `care-${id}`,
    status: 'active',
    patient: { reference: `Patient/${id}` },
    managingOrganization: { reference: 'Organization/ecm-provider-bakersfield' },
  }));
}

export function organization(id: string, type: 'pay' | 'prov'): Resource & { id: string } {
  return {
    resourceType: 'Organization',
    id,
    name: id,
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: type }] }],
  };
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON of any shape, asserted by tests
}

function wrap(res: { statusCode: number; headers: Res['headers']; body: string }): Res {
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text: res.body, body };
}

export async function postForm(app: FastifyInstance, url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> {
  return wrap(
    await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(params).toString(),
    }),
  );
}

export async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<Res> {
  return wrap(await app.inject({ method: 'GET', url, headers }));
}

export async function fhirRequest(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token?: string, body?: unknown): Promise<Res> {
  return wrap(
    await app.inject({
      method,
      url: `/fhir${path}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
}

export async function adminPost(app: FastifyInstance, url: string, body: unknown): Promise<Res> {
  return wrap(
    await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
  );
}

/** Stores resources directly (test setup, bypassing authorization). */
export async function store(app: FastifyInstance, ...resources: (Resource & { id: string })[]): Promise<void> {
  await app.fhir.repo.write(systemAccess, resources.map((resource) => ({ kind: 'create' as const, resource })));
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function hiddenRequest(html: string): string {
  const m = /name="request" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no request field in page: ${html.slice(0, 300)}`);
  return m[1];
}

export interface AuthorizeOptions {
  clientId?: string;
  redirectUri?: string;
  scope: string;
  launch?: string;
  username?: string;
  password?: string;
  /** Patient chosen on the picker (standalone launch by staff). */
  pick?: string;
  nonce?: string;
}

/** Drives /auth/authorize → login form → (patient picker) → redirect with code, as a browser would. */
export async function authorizeCode(app: FastifyInstance, o: AuthorizeOptions) {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(8).toString('hex');
  const redirectUri = o.redirectUri ?? 'http://localhost:3000/index.html';
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: o.clientId ?? 'demo-app',
    redirect_uri: redirectUri,
    scope: o.scope,
    state,
    aud: 'http://localhost:8080/fhir',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(o.launch ? { launch: o.launch } : {}),
    ...(o.nonce ? { nonce: o.nonce } : {}),
  });
  const page = await get(app, `/auth/authorize?${query}`);
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}: ${page.text.slice(0, 300)} ${String(page.headers.location)}`);
  let res = await postForm(app, '/auth/login', { request: hiddenRequest(page.text), username: o.username ?? 'demo-clinician', password: o.password ?? DEMO_PASSWORD });
  let pickerPage: string | undefined;
  if (res.status === 200 && res.text.includes('Choose a patient')) {
    pickerPage = res.text;
    res = await postForm(app, '/auth/pick-patient', { request: hiddenRequest(res.text), patient: o.pick ?? '' });
  }
  if (res.status !== 302) throw new Error(`login answered ${res.status}: ${res.text.slice(0, 300)}`);
  const location = new URL(String(res.headers.location));
  return { code: location.searchParams.get('code') ?? '', returnedState: location.searchParams.get('state'), state, verifier, redirectUri, location, pickerPage };
}

export async function exchangeCode(app: FastifyInstance, a: { code: string; verifier: string; redirectUri: string }, clientId = 'demo-app'): Promise<Res> {
  return postForm(app, '/auth/token', { grant_type: 'authorization_code', code: a.code, code_verifier: a.verifier, redirect_uri: a.redirectUri, client_id: clientId });
}

const serverKeys = new WeakMap<FastifyInstance, { key: CryptoKey; kid: string }>();

/** The server's own signing key, read from its database (tests forge tokens claim by claim with it). */
export async function serverSigningKey(app: FastifyInstance): Promise<{ key: CryptoKey; kid: string }> {
  let found = serverKeys.get(app);
  if (!found) {
    const row = (await app.database.query<{ kid: string; private_jwk: JWK }>('SELECT kid, private_jwk FROM auth_signing_key')).rows[0];
    found = { key: (await importJWK(row.private_jwk, 'RS256')) as CryptoKey, kid: row.kid };
    serverKeys.set(app, found);
  }
  return found;
}

/**
 * An access token as the server would issue it (user/*.cruds for demo-clinician by default),
 * with any claim replaced; `opts` changes the signature (another key, alg, typ, kid) for attacks.
 */
export async function forgeToken(
  app: FastifyInstance,
  claims: Record<string, unknown>,
  opts: { key?: CryptoKey; alg?: string; typ?: string; kid?: string } = {},
): Promise<string> {
  const server = await serverSigningKey(app);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: 'http://localhost:8080/fhir',
    aud: 'http://localhost:8080/fhir',
    sub: 'demo-clinician',
    client_id: 'demo-app',
    scope: 'user/*.cruds',
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    ...claims,
  })
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? server.kid, typ: opts.typ ?? 'at+jwt' })
    .sign(opts.key ?? server.key);
}
