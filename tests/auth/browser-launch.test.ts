import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { ADMIN_TOKEN, caredForByDemoClinician, DEMO_PASSWORD, organization, store } from './support.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * SMART App Launch 2.0 driven by a client nobody here wrote: the `fhirclient` browser bundle in
 * headless Chromium. The app (launch.html + index.html) is served from its own origin, as a real
 * SMART app is, so the token and FHIR calls also go through CORS.
 */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const fhirClientBundle = readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.min.js'), 'utf8');

/** launch.html: EHR launch (iss + launch in the URL) or standalone (?iss=... &standalone). */
const launchHtml = `<!doctype html><html><head><meta charset="utf-8"><script src="/fhir-client.js"></script></head><body>
<script>
const q = new URLSearchParams(location.search);
const standalone = q.has('standalone');
FHIR.oauth2.authorize({
  clientId: 'demo-app',
  redirectUri: 'index.html',
  scope: standalone ? 'launch/patient openid fhirUser patient/*.rs' : 'launch openid fhirUser patient/*.rs',
  ...(standalone ? { iss: q.get('iss') } : {}),
}).catch((e) => { document.body.textContent = 'authorize failed: ' + e.message; });
</script></body></html>`;

/** index.html: completes the code exchange, reads the patient in context and shows the result. */
const indexHtml = `<!doctype html><html><head><meta charset="utf-8"><script src="/fhir-client.js"></script></head><body>
<pre id="result">waiting</pre>
<script>
FHIR.oauth2.ready()
  .then(async (client) => {
    const patient = await client.patient.read();
    const t = client.state.tokenResponse;
    document.getElementById('result').textContent = JSON.stringify({
      patientId: patient.id,
      family: patient.name && patient.name[0].family,
      clientPatientId: client.getPatientId(),
      fhirUser: client.getFhirUser(),
      token: { patient: t.patient, encounter: t.encounter, scope: t.scope, need_patient_banner: t.need_patient_banner, token_type: t.token_type, expires_in: t.expires_in },
    });
  })
  .catch((e) => { document.getElementById('result').textContent = 'error: ' + e.message; });
</script></body></html>`;

function startAppOrigin(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const body = path === '/fhir-client.js' ? fhirClientBundle : path === '/launch.html' ? launchHtml : path === '/index.html' ? indexHtml : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

interface LaunchResult {
  patientId: string;
  family: string;
  clientPatientId: string;
  fhirUser: string;
  token: Record<string, unknown>;
}

function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      throw new Error(`${CHROMIUM} missing in CI: .ci/run installs it (apt-get install chromium)`);
    });
  } else describe.skip(`${name} (skipped: ${CHROMIUM} not found)`, body);
}

describeWithChromium('SMART launch with fhirclient in headless Chromium', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let appOrigin: { server: Server; origin: string };
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}/fhir`;
    ({ app, close } = await startTestApp({ authDisabled: false, seed: 'demo', adminToken: ADMIN_TOKEN, baseUrl }));
    await app.listen({ port, host: '127.0.0.1' });
    await store(
      app,
      { resourceType: 'Patient', id: 'pat-ehr', name: [{ family: 'Ehrlaunch', given: ['Eve'] }] },
      { resourceType: 'Patient', id: 'pat-picked', name: [{ family: 'Picked', given: ['Pia'] }] },
      { resourceType: 'Encounter', id: 'enc-ehr', status: 'in-progress', class: { code: 'AMB' }, subject: { reference: 'Patient/pat-ehr' } },
      organization('plan-kern', 'pay'),
      organization('ecm-provider-bakersfield', 'prov'),
      ...caredForByDemoClinician('pat-ehr', 'pat-picked'),
    );
    appOrigin = await startAppOrigin();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => appOrigin?.server.close(resolve));
    await close?.();
  });

  async function signIn(page: Page, username: string): Promise<void> {
    await page.waitForURL(/\/auth\/authorize\?/);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
  }

  async function resultOf(page: Page): Promise<LaunchResult> {
    await page.waitForURL(`${appOrigin.origin}/index.html**`);
    await page.waitForFunction(() => document.getElementById('result')?.textContent !== 'waiting');
    const text = (await page.textContent('#result')) ?? '';
    expect(text, text).not.toMatch(/^error/);
    return JSON.parse(text) as LaunchResult;
  }

  it('EHR launch: the EHR opens the app with iss + launch; the app gets the EHR patient and encounter', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/launch',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ patient: 'pat-ehr', encounter: 'enc-ehr', fhirUser: 'Practitioner/demo-practitioner-1', launch_url: `${appOrigin.origin}/launch.html` }),
    });
    expect(res.statusCode).toBe(201);
    const launchUrl = (JSON.parse(res.body) as { launch_url: string }).launch_url;
    expect(new URL(launchUrl).searchParams.get('iss')).toBe(baseUrl);

    const page = await browser.newPage();
    try {
      await page.goto(launchUrl);
      await signIn(page, 'demo-clinician');
      const result = await resultOf(page);
      expect(result.patientId).toBe('pat-ehr');
      expect(result.family).toBe('Ehrlaunch');
      expect(result.clientPatientId).toBe('pat-ehr');
      expect(result.token).toMatchObject({
        patient: 'pat-ehr',
        encounter: 'enc-ehr',
        token_type: 'Bearer',
        scope: 'launch openid fhirUser patient/*.rs',
        need_patient_banner: true,
      });
      expect(result.token.expires_in).toBeLessThanOrEqual(3600);
      expect(result.fhirUser).toBe('Practitioner/demo-practitioner-1');
    } finally {
      await page.close();
    }
  }, 20_000);

  it('standalone launch: the user signs in, picks a patient, and the app reads that patient', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${appOrigin.origin}/launch.html?standalone&iss=${encodeURIComponent(baseUrl)}`);
      await signIn(page, 'demo-clinician');
      await page.waitForSelector('text=Choose a patient');
      await page.check('input[name=patient][value=pat-picked]');
      await page.click('button[type=submit]');
      const result = await resultOf(page);
      expect(result.patientId).toBe('pat-picked');
      expect(result.family).toBe('Picked');
      expect(result.token).toMatchObject({ patient: 'pat-picked', scope: 'launch/patient openid fhirUser patient/*.rs', need_patient_banner: true, token_type: 'Bearer' });
      expect(result.token.encounter).toBeUndefined();
      expect(result.fhirUser).toBe('Practitioner/demo-practitioner-1');
    } finally {
      await page.close();
    }
  }, 20_000);
});
