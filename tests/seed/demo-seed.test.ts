import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { startTestApp } from '../support/test-app.ts';

let server: Awaited<ReturnType<typeof startTestApp>>;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  server = await startTestApp();
  fhir = fhirClient(server.app);
});
afterAll(() => server.close());

describe('demo seed (seed/demo-bundle.json)', () => {
  it('loads into an empty database once: a plan, a provider, practitioners, members with coverage', async () => {
    const loaded = await loadDemoSeed(server.app.fhir);
    expect(loaded).toBeGreaterThan(0);
    expect((await fhir.get('/Organization/plan-kern')).status).toBe(200);
    expect((await fhir.get('/Patient/demo-member-1')).body.identifier[0].value).toBe('91000001A');
    expect((await fhir.get('/Coverage/demo-coverage-1')).body.payor[0].reference).toBe('Organization/plan-kern');
    const total = (await fhir.get('/_history')).body.total;
    expect(await loadDemoSeed(server.app.fhir)).toBe(0);
    expect((await fhir.get('/_history')).body.total).toBe(total);
  });
});
