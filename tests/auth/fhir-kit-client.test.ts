import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { Client } from 'fhir-kit-client';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { organization, store } from './support.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * SMART Backend Services from Node with a FHIR client nobody here wrote (fhir-kit-client; no
 * maintained npm client does the backend-services token request itself): the client discovers
 * the token endpoint, the test signs the private_key_jwt assertion with the demo plan system's
 * key, and fhir-kit-client reads, searches and creates with the bearer token.
 */
const demoKey = JSON.parse(readFileSync(new URL('../../seed/auth/demo-backend-private-key.DEMO-ONLY.jwk.json', import.meta.url), 'utf8')) as JWK;

let app: FastifyInstance;
let close: () => Promise<void>;
let baseUrl: string;

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/fhir`;
  ({ app, close } = await startTestApp({ authDisabled: false, seed: 'demo', baseUrl }));
  await app.listen({ port, host: '127.0.0.1' });
  await store(app, { resourceType: 'Patient', id: 'fkc-1', name: [{ family: 'Kitreader' }] }, organization('plan-kern', 'pay'));
});
afterAll(() => close());

async function backendToken(tokenUrl: string, scope: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const key = await importJWK(demoKey, demoKey.alg ?? 'ES384');
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: demoKey.alg ?? 'ES384', kid: demoKey.kid, typ: 'JWT' })
    .setIssuer('demo-backend')
    .setSubject('demo-backend')
    .setAudience(tokenUrl)
    .setExpirationTime('4m')
    .sign(key);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('backend services with fhir-kit-client', () => {
  it('discovers the token endpoint, gets a system token, and reads, searches and creates with it', async () => {
    const client = new Client({ baseUrl });
    const { tokenUrl } = await client.smartAuthMetadata();
    expect(String(tokenUrl)).toBe(new URL('/auth/token', baseUrl).toString());
    const token = await backendToken(String(tokenUrl), 'system/Patient.cruds');
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.cruds' });
    expect(token.body.expires_in).toBeLessThanOrEqual(300);

    client.bearerToken = String(token.body.access_token);
    const read = (await client.read({ resourceType: 'Patient', id: 'fkc-1' })) as Patient;
    expect(read.name?.[0].family).toBe('Kitreader');

    const created = (await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Kitcreated' }] } })) as Patient;
    expect(created.id).toMatch(/.+/);

    const found = (await client.search({ resourceType: 'Patient', searchParams: { family: 'Kitcreated' } })) as unknown as Bundle;
    expect(found.type).toBe('searchset');
    expect(found.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
  });

  it('gets 401 without a token and 403 outside the granted scopes', async () => {
    const anonymous = new Client({ baseUrl });
    await expect(anonymous.read({ resourceType: 'Patient', id: 'fkc-1' })).rejects.toMatchObject({ response: { status: 401 } });

    const client = new Client({ baseUrl });
    const { tokenUrl } = await client.smartAuthMetadata();
    client.bearerToken = String((await backendToken(String(tokenUrl), 'system/Patient.rs')).body.access_token);
    await expect(client.create({ resourceType: 'Patient', body: { resourceType: 'Patient' } })).rejects.toMatchObject({ response: { status: 403 } });
    await expect(client.search({ resourceType: 'Observation', searchParams: {} })).rejects.toMatchObject({ response: { status: 403 } });
  });
});
