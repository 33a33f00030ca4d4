import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();
const ids = (res: { body: { entry?: { resource?: { id: string }; search?: { mode: string } }[] } }) =>
  (res.body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id).sort();
const task = (id: string, patient: string, extra: object = {}) => ({
  resourceType: 'Task',
  id,
  status: 'requested',
  intent: 'order',
  for: { reference: patient },
  ...extra,
});

beforeAll(async () => {
  await fhir.put('/Task/r-1', task('r-1', 'Patient/m-1', { owner: { reference: 'Organization/prov-1' } }));
  await fhir.put('/Task/r-2', task('r-2', 'http://localhost:8080/fhir/Patient/m-2'));
  await fhir.put('/Task/r-3', task('r-3', 'Group/m-1'));
  await fhir.put('/Task/r-4', task('r-4', 'https://other.example.org/fhir/Patient/m-1'));
  await fhir.put('/Observation/r-obs', {
    resourceType: 'Observation',
    id: 'r-obs',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/m-1' },
  });
});

describe('reference search (search.html#reference)', () => {
  it('matches Type/id, a bare id (any type), the :Type modifier, and absolute URLs under this base', async () => {
    expect(ids(await fhir.get('/Task?subject=Patient/m-1'))).toEqual(['r-1']);
    expect(ids(await fhir.get('/Task?subject=m-1'))).toEqual(['r-1', 'r-3']);
    expect(ids(await fhir.get('/Task?subject:Patient=m-1'))).toEqual(['r-1']);
    expect(ids(await fhir.get('/Task?subject=Patient/m-2'))).toEqual(['r-2']);
    expect(ids(await fhir.get('/Task?subject=http://localhost:8080/fhir/Patient/m-1'))).toEqual(['r-1']);
    expect(ids(await fhir.get('/Task?subject=https://other.example.org/fhir/Patient/m-1'))).toEqual(['r-4']);
    expect(ids(await fhir.get('/Task?owner=Organization/prov-1&subject=Patient/m-1'))).toEqual(['r-1']);
    expect(ids(await fhir.get('/Task?subject=Patient/m-1,Patient/m-2'))).toEqual(['r-1', 'r-2']);
  });

  it('restricts `patient` parameters to Patient targets (where(resolve() is Patient))', async () => {
    expect(ids(await fhir.get('/Task?patient=m-1'))).toEqual(['r-1']);
    expect(ids(await fhir.get('/Observation?patient=Patient/m-1'))).toEqual(['r-obs']);
  });

  it('follows updates: the index holds the current version only', async () => {
    await fhir.put('/Task/r-5', task('r-5', 'Patient/before'));
    await fhir.put('/Task/r-5', task('r-5', 'Patient/after'));
    expect(ids(await fhir.get('/Task?subject=Patient/before'))).toEqual([]);
    expect(ids(await fhir.get('/Task?subject=Patient/after'))).toEqual(['r-5']);
  });

  it('works as conditional criteria; :identifier matches Reference.identifier; unknown modifiers are unsupported', async () => {
    const res = await fhir.post('/Task', task('ignored', 'Patient/m-2'), { 'if-none-exist': 'subject=Patient/m-2' });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('r-2');
    await fhir.put('/Task/r-5', task('r-5', 'Patient/m-9', { for: { identifier: { system: 'urn:x', value: '1' } } }));
    expect((await fhir.get('/Task?subject:identifier=urn:x|1')).body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['r-5']);
    const strict = await fhir.get('/Task?subject:below=urn:x|1', { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    await fhir.delete('/Task/r-5');
  });
});
