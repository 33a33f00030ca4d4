import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/test-app.ts';

describe('graceful shutdown', () => {
  it('lets requests that already started finish before the database closes', { timeout: 60_000 }, async () => {
    const { app, close } = await startTestApp();
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 300 }, (_, i) => ({ resource: { resourceType: 'Patient', name: [{ family: `Drain${i}` }] }, request: { method: 'POST', url: 'Patient' } })),
    };
    const inFlight = Promise.all(
      [0, 1, 2].map(() => app.inject({ method: 'POST', url: '/fhir', headers: { 'content-type': 'application/fhir+json' }, payload: JSON.stringify(bundle) })),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await close(); // app.close(): must wait for the three bundles
    const responses = await inFlight;
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(responses.every((r) => JSON.parse(r.body).entry.length === 300)).toBe(true);
  });
});
