import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();


describe('update (http.html#update)', () => {
  it('creates with a client id (201), then updates (200) with a new version', async () => {
    const created = await fhir.put('/Patient/upd-1', { resourceType: 'Patient', id: 'upd-1', gender: 'female' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('http://localhost:8080/fhir/Patient/upd-1/_history/1');
    const updated = await fhir.put('/Patient/upd-1', { resourceType: 'Patient', id: 'upd-1', gender: 'male' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.headers.etag).toBe('W/"2"');
    expect(updated.headers.location).toBe('http://localhost:8080/fhir/Patient/upd-1/_history/2');
    expect((await fhir.get('/Patient/upd-1')).body.gender).toBe('male');
  });

  it('applies If-Match: the current version wins, a stale one is 412 and writes nothing', async () => {
    await fhir.put('/Patient/upd-2', { resourceType: 'Patient', id: 'upd-2' });
    const ok = await fhir.put('/Patient/upd-2', { resourceType: 'Patient', id: 'upd-2', active: true }, { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    const stale = await fhir.put('/Patient/upd-2', { resourceType: 'Patient', id: 'upd-2', active: false }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const current = await fhir.get('/Patient/upd-2');
    expect(current.body.meta.versionId).toBe('2');
    expect(current.body.active).toBe(true);
  });

  it('lets exactly one of two concurrent updates with the same If-Match win', async () => {
    await fhir.put('/Patient/upd-race', { resourceType: 'Patient', id: 'upd-race' });
    const attempts = await Promise.all(
      ['male', 'female', 'other', 'unknown'].map((gender) =>
        fhir.put('/Patient/upd-race', { resourceType: 'Patient', id: 'upd-race', gender }, { 'if-match': 'W/"1"' }),
      ),
    );
    const statuses = attempts.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412]);
    const history = await fhir.get('/Patient/upd-race/_history');
    expect(history.body.total).toBe(2);
  });

  it('serialises concurrent updates without If-Match: every one lands as its own version', async () => {
    await fhir.put('/Patient/upd-many', { resourceType: 'Patient', id: 'upd-many' });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => fhir.put('/Patient/upd-many', { resourceType: 'Patient', id: 'upd-many', name: [{ text: `n${i}` }] })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const versions = results.map((r) => Number(r.body.meta.versionId)).sort((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('delete (http.html#delete)', () => {
  it('deletes, then read is 410 Gone, vread of the deleted version is 410, older versions stay readable', async () => {
    await fhir.put('/Patient/del-1', { resourceType: 'Patient', id: 'del-1', gender: 'female' });
    const del = await fhir.delete('/Patient/del-1');
    expect(del.status).toBe(200);
    expect(del.body.resourceType).toBe('OperationOutcome');
    expect(del.headers.etag).toBe('W/"2"');
    const read = await fhir.get('/Patient/del-1');
    expect(read.status).toBe(410);
    expect(read.body.issue[0].code).toBe('deleted');
    expect((await fhir.get('/Patient/del-1/_history/2')).status).toBe(410);
    expect((await fhir.get('/Patient/del-1/_history/1')).body.gender).toBe('female');
  });

  it('is idempotent on a deleted resource and 404 on one that never existed', async () => {
    await fhir.put('/Patient/del-2', { resourceType: 'Patient', id: 'del-2' });
    await fhir.delete('/Patient/del-2');
    const again = await fhir.delete('/Patient/del-2');
    expect(again.status).toBe(200);
    expect((await fhir.get('/Patient/del-2/_history')).body.total).toBe(2);
    const missing = await fhir.delete('/Patient/never-was');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
  });

  it('answers 204 with Prefer: return=minimal', async () => {
    await fhir.put('/Patient/del-3', { resourceType: 'Patient', id: 'del-3' });
    const res = await fhir.delete('/Patient/del-3', { prefer: 'return=minimal' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
  });

  it('brings a deleted resource back with update (201, next version)', async () => {
    await fhir.put('/Patient/del-4', { resourceType: 'Patient', id: 'del-4' });
    await fhir.delete('/Patient/del-4');
    const back = await fhir.put('/Patient/del-4', { resourceType: 'Patient', id: 'del-4', active: true });
    expect(back.status).toBe(201);
    expect(back.body.meta.versionId).toBe('3');
    expect((await fhir.get('/Patient/del-4')).status).toBe(200);
  });
});

describe('patch (http.html#patch, JSON Patch)', () => {
  it('applies a JSON Patch and creates a new version', async () => {
    await fhir.put('/Patient/pat-1', { resourceType: 'Patient', id: 'pat-1', active: false, name: [{ family: 'Old' }] });
    const res = await fhir.patch('/Patient/pat-1', [
      { op: 'replace', path: '/active', value: true },
      { op: 'add', path: '/name/0/given', value: ['New'] },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.active).toBe(true);
    expect(res.body.name[0].given).toEqual(['New']);
    expect(res.headers.etag).toBe('W/"2"');
  });

  it('refuses a failing test op (422), an invalid result (422), a change of id (400), stale If-Match (412)', async () => {
    await fhir.put('/Patient/pat-2', { resourceType: 'Patient', id: 'pat-2', active: false });
    const failedTest = await fhir.patch('/Patient/pat-2', [{ op: 'test', path: '/active', value: true }]);
    expect(failedTest.status).toBe(422);
    const invalid = await fhir.patch('/Patient/pat-2', [{ op: 'add', path: '/gender', value: 'robot' }]);
    expect(invalid.status).toBe(422);
    expect(invalid.body.issue[0].expression).toEqual(['Patient.gender']);
    const idChange = await fhir.patch('/Patient/pat-2', [{ op: 'replace', path: '/id', value: 'other' }]);
    expect(idChange.status).toBe(400);
    const stale = await fhir.patch('/Patient/pat-2', [{ op: 'replace', path: '/active', value: true }], { 'if-match': 'W/"7"' });
    expect(stale.status).toBe(412);
    const notAPatch = await fhir.patch('/Patient/pat-2', { op: 'replace' });
    expect(notAPatch.status).toBe(422);
    expect((await fhir.get('/Patient/pat-2')).body.meta.versionId).toBe('1');
  });

  it('needs Content-Type application/json-patch+json (415) and an existing resource (404)', async () => {
    await fhir.put('/Patient/pat-3', { resourceType: 'Patient', id: 'pat-3' });
    const wrongType = await fhir.request('PATCH', '/Patient/pat-3', [{ op: 'remove', path: '/id' }], { 'content-type': 'application/fhir+json' });
    expect(wrongType.status).toBe(415);
    const missing = await fhir.patch('/Patient/nobody', [{ op: 'replace', path: '/active', value: true }]);
    expect(missing.status).toBe(404);
  });
});
