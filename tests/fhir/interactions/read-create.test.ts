import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();


describe('create (http.html#create)', () => {
  it('assigns an id, version 1, and answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await fhir.post('/Patient', { resourceType: 'Patient', id: 'client-chosen', name: [{ family: 'Create' }] });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.id).not.toBe('client-chosen');
    expect(res.body.meta.versionId).toBe('1');
    expect(res.headers.location).toBe(`http://localhost:8080/fhir/Patient/${res.body.id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(String(res.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it('keeps client meta (profile, tag) but sets versionId and lastUpdated itself', async () => {
    const res = await fhir.post('/Patient', {
      resourceType: 'Patient',
      meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ system: 'urn:t', code: 'x' }] },
    });
    expect(res.body.meta.versionId).toBe('1');
    expect(res.body.meta.lastUpdated).not.toBe('2000-01-01T00:00:00Z');
    expect(res.body.meta.tag).toEqual([{ system: 'urn:t', code: 'x' }]);
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await fhir.post('/Patient', { resourceType: 'Patient' }, { prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toContain('/Patient/');
    const oo = await fhir.post('/Patient', { resourceType: 'Patient' }, { prefer: 'return=OperationOutcome' });
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
    expect(oo.body.issue[0].severity).toBe('information');
  });
});

describe('read and vread (http.html#read, #vread)', () => {
  it('returns exactly what create returned, with version headers', async () => {
    const created = await fhir.post('/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'weight' },
      valueQuantity: { value: 72.5, unit: 'kg' },
    });
    const read = await fhir.get(`/Observation/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.text).toBe(created.text);
    expect(read.headers.etag).toBe('W/"1"');
    expect(read.headers['last-modified']).toBe(created.headers['last-modified']);
  });

  it('reads older versions with vread and 404s an unknown version', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient', gender: 'female' });
    const id = created.body.id;
    await fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id, gender: 'male' });
    const v1 = await fhir.get(`/Patient/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.gender).toBe('female');
    expect(v1.headers.etag).toBe('W/"1"');
    const v2 = await fhir.get(`/Patient/${id}/_history/2`);
    expect(v2.body.gender).toBe('male');
    const v3 = await fhir.get(`/Patient/${id}/_history/3`);
    expect(v3.status).toBe(404);
    expect(v3.body.resourceType).toBe('OperationOutcome');
    expect((await fhir.get(`/Patient/${id}/_history/abc`)).status).toBe(400);
  });

  it('answers 404 with an OperationOutcome for a resource that never existed', async () => {
    const res = await fhir.get('/Patient/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('not-found');
  });

  it('answers 304 to If-None-Match with the current ETag and 200 to an old one (http.html#cread)', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient' });
    const id = created.body.id;
    const same = await fhir.get(`/Patient/${id}`, { 'if-none-match': 'W/"1"' });
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    await fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id, active: true });
    const changed = await fhir.get(`/Patient/${id}`, { 'if-none-match': 'W/"1"' });
    expect(changed.status).toBe(200);
    expect(changed.body.active).toBe(true);
  });

  it('answers 304 to If-Modified-Since at or after lastUpdated, 200 before it', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient' });
    const id = created.body.id;
    const later = new Date(Date.now() + 60_000).toUTCString();
    expect((await fhir.get(`/Patient/${id}`, { 'if-modified-since': later })).status).toBe(304);
    const earlier = new Date(Date.now() - 3_600_000).toUTCString();
    expect((await fhir.get(`/Patient/${id}`, { 'if-modified-since': earlier })).status).toBe(200);
  });

  it('supports HEAD on read', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient' });
    const res = await fhir.request('HEAD', `/Patient/${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
  });
});
