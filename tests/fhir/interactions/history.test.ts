import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('history (http.html#history)', () => {
  it('instance history lists every version newest first, with request and response per entry', async () => {
    await fhir.put('/Patient/h-1', { resourceType: 'Patient', id: 'h-1', gender: 'female' });
    await fhir.put('/Patient/h-1', { resourceType: 'Patient', id: 'h-1', gender: 'male' });
    await fhir.delete('/Patient/h-1');
    const res = await fhir.get('/Patient/h-1/_history');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('history');
    expect(res.body.total).toBe(3);
    const [deleted, v2, v1] = res.body.entry;
    expect(deleted.request).toEqual({ method: 'DELETE', url: 'Patient/h-1' });
    expect(deleted.resource).toBeUndefined();
    expect(deleted.response.etag).toBe('W/"3"');
    expect(v2.resource.gender).toBe('male');
    expect(v2.request.method).toBe('PUT');
    expect(v1.resource.meta.versionId).toBe('1');
    expect(v1.fullUrl).toBe('http://localhost:8080/fhir/Patient/h-1');
  });

  it('type history holds only that type; system history holds all types', async () => {
    await fhir.put('/Organization/h-org', { resourceType: 'Organization', id: 'h-org', name: 'Plan' });
    const type = await fhir.get('/Organization/_history');
    expect(type.body.entry.every((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Organization')).toBe(true);
    expect(type.body.total).toBe(1);
    const system = await fhir.get('/_history?_count=100');
    const types = new Set(system.body.entry.map((e: { fullUrl: string }) => e.fullUrl.split('/').at(-2)));
    expect(types.has('Organization')).toBe(true);
    expect(types.has('Patient')).toBe(true);
  });

  it('_since keeps versions at or after an instant; a malformed _since is 400', async () => {
    await fhir.put('/Patient/h-since', { resourceType: 'Patient', id: 'h-since' });
    await sleep(20);
    const cut = new Date().toISOString();
    await sleep(20);
    await fhir.put('/Patient/h-since', { resourceType: 'Patient', id: 'h-since', active: true });
    const res = await fhir.get(`/Patient/h-since/_history?_since=${cut}`);
    expect(res.body.total).toBe(1);
    expect(res.body.entry[0].resource.meta.versionId).toBe('2');
    expect((await fhir.get('/Patient/_history?_since=yesterday')).status).toBe(400);
    expect((await fhir.get('/Patient/_history?_since=2026-01-01')).status).toBe(400);
  });

  it('_at keeps the versions current at that time', async () => {
    await fhir.put('/Patient/h-at', { resourceType: 'Patient', id: 'h-at' });
    await sleep(20);
    const between = new Date().toISOString();
    await sleep(20);
    await fhir.put('/Patient/h-at', { resourceType: 'Patient', id: 'h-at', active: true });
    const res = await fhir.get(`/Patient/h-at/_history?_at=${between}`);
    expect(res.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['1']);
    const now = await fhir.get(`/Patient/h-at/_history?_at=${new Date(Date.now() + 1000).toISOString()}`);
    expect(now.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['2']);
    expect((await fhir.get('/Patient/h-at/_history?_at=notadate')).status).toBe(400);
  });

  it('pages with _count and next links that stay correct while new versions are written', async () => {
    for (let i = 0; i < 5; i++) await fhir.put('/Patient/h-page', { resourceType: 'Patient', id: 'h-page', name: [{ text: `v${i + 1}` }] });
    const page1 = await fhir.get('/Patient/h-page/_history?_count=2');
    expect(page1.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['5', '4']);
    const next = page1.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next).toContain('_count=2');
    // a new version arrives between pages: later pages must not repeat or skip anything
    await fhir.put('/Patient/h-page', { resourceType: 'Patient', id: 'h-page', name: [{ text: 'v6' }] });
    const page2 = await fhir.get(next.replace('http://localhost:8080/fhir', ''));
    expect(page2.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['3', '2']);
    const next2 = page2.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    const page3 = await fhir.get(next2.replace('http://localhost:8080/fhir', ''));
    expect(page3.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId)).toEqual(['1']);
    expect(page3.body.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();
    expect((await fhir.get('/Patient/h-page/_history?_count=x')).status).toBe(400);
  });

  it('refuses unknown history parameters (400)', async () => {
    const res = await fhir.get('/Patient/_history?foo=bar');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toContain('foo');
  });
});
