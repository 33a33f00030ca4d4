import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();


describe('batch (http.html#transaction)', () => {
  it('processes each entry on its own: failures get their OperationOutcome, the rest succeed', async () => {
    await fhir.put('/Patient/b-1', { resourceType: 'Patient', id: 'b-1' });
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Batch' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', gender: 'robot' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/b-1' } },
        { request: { method: 'GET', url: 'Patient/b-missing' } },
        { resource: { resourceType: 'Patient', id: 'b-1', active: true }, request: { method: 'PUT', url: 'Patient/b-1', ifMatch: 'W/"9"' } },
        { request: { method: 'DELETE', url: 'Patient/b-1' } },
        { request: { method: 'GET', url: 'Nope/1' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    const statuses = res.body.entry.map((e: { response: { status: string } }) => e.response.status);
    expect(statuses).toEqual(['201 Created', '400', '200 OK', '404', '412', '200 OK', '404']);
    expect(res.body.entry[0].response.location).toMatch(/^Patient\/[0-9a-f-]{36}\/_history\/1$/);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(res.body.entry[1].response.outcome.issue[0].expression).toEqual(['Patient.gender']);
    expect(res.body.entry[2].resource.id).toBe('b-1');
    expect(res.body.entry[3].response.outcome.issue[0].code).toBe('not-found');
    // the first entry really was written, the deleted one really is gone
    const created = res.body.entry[0].response.location.split('/_history')[0];
    expect((await fhir.get(`/${created}`)).status).toBe(200);
    expect((await fhir.get('/Patient/b-1')).status).toBe(410);
  });

  it('runs searches and history as entries', async () => {
    await fhir.put('/Organization/b-org', { resourceType: 'Organization', id: 'b-org', identifier: [{ system: 'urn:org', value: 'B' }] });
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Organization?identifier=urn:org|B' } },
        { request: { method: 'GET', url: 'Organization/b-org/_history' } },
      ],
    });
    expect(res.body.entry[0].resource.type).toBe('searchset');
    expect(res.body.entry[0].resource.total).toBe(1);
    expect(res.body.entry[1].resource.type).toBe('history');
  });
});
