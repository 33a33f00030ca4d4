import { describe, expect, it } from 'vitest';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const { fhir, app } = useFhirServer();


describe('demo seed (seed/demo-bundle.json)', () => {
  it('loads into an empty database once: a plan, a provider, practitioners, members with coverage', async () => {
    const loaded = await loadDemoSeed(app().fhir);
    expect(loaded).toBeGreaterThan(0);
    expect((await fhir.get('/Organization/plan-kern')).status).toBe(200);
    expect((await fhir.get('/Patient/demo-member-1')).body.identifier[0].value).toBe('91000001A');
    expect((await fhir.get('/Coverage/demo-coverage-1')).body.payor[0].reference).toBe('Organization/plan-kern');
    const total = (await fhir.get('/_history')).body.total;
    expect(await loadDemoSeed(app().fhir)).toBe(0);
    expect((await fhir.get('/_history')).body.total).toBe(total);
  });
});
