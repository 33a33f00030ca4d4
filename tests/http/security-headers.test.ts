import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config.ts';
import { demoAuthAllowed, seedDemoAuth } from '../../src/auth/demo-auth-seed.ts';
import { TokenBuckets } from '../../src/http/rate-limit.ts';
import { AuthStore } from '../../src/store/auth-store.ts';
import { startTestApp } from '../support/test-app.ts';
import { authorizeCode, exchangeCode } from '../auth/support.ts';

describe('security headers', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, close } = await startTestApp({ authDisabled: false, seed: 'demo' }));
  });
  afterAll(() => close());

  it.each([
    ['FHIR metadata', '/fhir/metadata', 200],
    ['refused FHIR read', '/fhir/Patient/x', 401],
    ['discovery', '/.well-known/smart-configuration', 200],
    ['login page', '/auth/authorize?client_id=nobody', 400],
    ['implementation guide', '/ig', 200],
    ['unknown route', '/nowhere', 404],
  ])('%s carries nosniff, no-referrer and DENY framing', async (_name, url, status) => {
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toBeUndefined(); // http base URL
  });

  it('sends Strict-Transport-Security when BASE_URL is https', async () => {
    const https = await startTestApp({ baseUrl: 'https://fhir.example.org/fhir' });
    try {
      const res = await https.app.inject({ method: 'GET', url: '/fhir/metadata' });
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    } finally {
      await https.close();
    }
  });
});

describe('rate limiting per client', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ app, close } = await startTestApp({ authDisabled: false, seed: 'demo', rateLimitPerMinute: 4 }));
  });
  afterAll(() => close());

  it('answers 429 with an OperationOutcome and Retry-After once a client IP has used its budget; other IPs are unaffected', async () => {
    const from = (ip: string) => app.inject({ method: 'GET', url: '/fhir/metadata', remoteAddress: ip });
    for (let i = 0; i < 4; i++) expect((await from('10.0.0.1')).statusCode).toBe(200);
    const limited = await from('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(limited.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] });
    expect((await from('10.0.0.2')).statusCode).toBe(200);
  });

  it('keys a request with a valid token by its client id, not its IP', async () => {
    // Getting the token costs requests from 127.0.0.1 (authorize, login, token): that budget is separate.
    const token = (await exchangeCode(app, await authorizeCode(app, { scope: 'user/*.rs' }))).body.access_token as string;
    const asClient = (ip: string) => app.inject({ method: 'GET', url: '/fhir/Patient', remoteAddress: ip, headers: { authorization: `Bearer ${token}` } });
    const statuses = [];
    for (const ip of ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5']) statuses.push((await asClient(ip)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('is configured by RATE_LIMIT_PER_MINUTE (default 6000), like AUDIT (default on)', () => {
    expect(configFromEnv({})).toMatchObject({ rateLimitPerMinute: 6000, audit: true });
    expect(configFromEnv({ RATE_LIMIT_PER_MINUTE: '120', AUDIT: 'off' })).toMatchObject({ rateLimitPerMinute: 120, audit: false });
    expect(() => configFromEnv({ RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => configFromEnv({ AUDIT: 'no' })).toThrow(/AUDIT/);
  });

  it('refills the bucket over time', () => {
    let now = 0;
    const buckets = new TokenBuckets(60, () => now); // one a second
    for (let i = 0; i < 60; i++) expect(buckets.take('k')).toBe(0);
    expect(buckets.take('k')).toBe(1);
    now += 1000;
    expect(buckets.take('k')).toBe(0);
    expect(buckets.take('k')).toBeGreaterThan(0);
    expect(buckets.take('other')).toBe(0);
  });
});

describe('demo SMART credentials in production', () => {
  it('are refused with NODE_ENV=production unless ALLOW_DEMO_AUTH=true, with a warning', async () => {
    expect(demoAuthAllowed({ NODE_ENV: 'development' })).toBe(true);
    expect(demoAuthAllowed({ NODE_ENV: 'production' })).toBe(false);
    expect(demoAuthAllowed({ NODE_ENV: 'production', ALLOW_DEMO_AUTH: 'true' })).toBe(true);
    const { app, close } = await startTestApp({ seed: 'none' });
    try {
      const authStore = new AuthStore(app.database);
      const warnings: string[] = [];
      expect(await seedDemoAuth(authStore, { env: { NODE_ENV: 'production' }, warn: (m) => warnings.push(m) })).toBe(false);
      expect(warnings.join()).toMatch(/NOT stored/);
      expect(await authStore.isEmpty()).toBe(true);
      expect(await seedDemoAuth(authStore, { env: { NODE_ENV: 'production', ALLOW_DEMO_AUTH: 'true' } })).toBe(true);
      expect((await authStore.listClients()).map((c) => c.clientId)).toContain('demo-app');
    } finally {
      await close();
    }
  });
});
