import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();
const CSV = 'rank,member_id\r\n1,Patient/a\r\n';

describe('Binary content in its own type (binary.html#rest)', () => {
  it('answers a read or vread with Accept: text/csv with the CSV itself, and FHIR JSON otherwise', async () => {
    const created = await fhir.post('/Binary', { resourceType: 'Binary', contentType: 'text/csv', data: Buffer.from(CSV).toString('base64') });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const native = await fhir.get(`/Binary/${id}`, { accept: 'text/csv' });
    expect(native.status).toBe(200);
    expect(native.headers['content-type']).toMatch(/^text\/csv/);
    expect(native.text).toBe(CSV);
    expect(native.headers.etag).toBe('W/"1"');

    const vread = await fhir.get(`/Binary/${id}/_history/1`, { accept: 'text/csv' });
    expect(vread.text).toBe(CSV);

    for (const accept of ['application/fhir+json', '*/*']) {
      const json = await fhir.get(`/Binary/${id}`, { accept });
      expect(json.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(json.body.resourceType).toBe('Binary');
    }
    expect((await fhir.get(`/Binary/${id}?_format=json`, { accept: 'text/csv' })).body.resourceType).toBe('Binary');
  });

  it('keeps 406 for a non-FHIR Accept on anything else, and a 404 stays an OperationOutcome', async () => {
    await fhir.put('/Patient/bn-1', { resourceType: 'Patient', id: 'bn-1' });
    const patient = await fhir.get('/Patient/bn-1', { accept: 'text/csv' });
    expect(patient.status).toBe(406);
    expect(patient.body.resourceType).toBe('OperationOutcome');
    const missing = await fhir.get('/Binary/no-such-binary', { accept: 'text/csv' });
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });
});
