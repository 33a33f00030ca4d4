import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithFixtures } from '../../support/fixtures.ts';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();


const typeTotal = async (type: string) => (await fhir.get(`/${type}/_history`)).body.total as number;
const tx = (entry: object[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });

describe('transaction (http.html#transaction)', () => {
  it('resolves urn:uuid fullUrls to the ids it assigns and answers a transaction-response in entry order', async () => {
    const res = await fhir.post('', tx([
      {
        fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
        resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:88f151c0-a954-468a-88ba-2f4f2a3b7b15' } },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        fullUrl: 'urn:uuid:88f151c0-a954-468a-88ba-2f4f2a3b7b15',
        resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] },
        request: { method: 'POST', url: 'Patient' },
      },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    const [obs, pat] = res.body.entry;
    expect(obs.response.status).toBe('201 Created');
    expect(obs.response.location).toMatch(/^Observation\/[0-9a-f-]{36}\/_history\/1$/);
    expect(obs.response.etag).toBe('W/"1"');
    expect(pat.response.location).toMatch(/^Patient\//);
    const patientId = pat.response.location.split('/')[1];
    const storedObs = await fhir.get(`/${obs.response.location.split('/_history')[0]}`);
    expect(storedObs.body.subject.reference).toBe(`Patient/${patientId}`);
  });

  it('is all-or-nothing: one invalid entry writes nothing, and the error names the entry', async () => {
    const before = await typeTotal('Patient');
    const res = await fhir.post('', tx([
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient', id: 'tx-bad', gender: 'robot' }, request: { method: 'PUT', url: 'Patient/tx-bad' } },
    ]));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toContain('Bundle.entry[1]');
    expect(res.body.issue[0].expression).toContain('Bundle.entry[1]');
    expect(await typeTotal('Patient')).toBe(before);
  });

  it('rolls back writes already made when a later step fails (stale ifMatch → 412)', async () => {
    await fhir.put('/Patient/tx-v', { resourceType: 'Patient', id: 'tx-v' });
    await fhir.put('/Patient/tx-v', { resourceType: 'Patient', id: 'tx-v', active: true });
    const before = await typeTotal('Patient');
    const res = await fhir.post('', tx([
      { resource: { resourceType: 'Patient', name: [{ family: 'Rolled back' }] }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient', id: 'tx-v', active: false }, request: { method: 'PUT', url: 'Patient/tx-v', ifMatch: 'W/"1"' } },
    ]));
    expect(res.status).toBe(412);
    expect(await typeTotal('Patient')).toBe(before);
    expect((await fhir.get('/Patient/tx-v')).body.active).toBe(true);
  });

  it('processes DELETE, POST, PUT, then GET, so a GET sees the transaction\'s own writes', async () => {
    await fhir.put('/Patient/tx-del', { resourceType: 'Patient', id: 'tx-del' });
    const res = await fhir.post('', tx([
      { request: { method: 'GET', url: 'Patient/tx-put' } },
      { resource: { resourceType: 'Patient', id: 'tx-put', active: true }, request: { method: 'PUT', url: 'Patient/tx-put' } },
      { request: { method: 'DELETE', url: 'Patient/tx-del' } },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toBe('200 OK');
    expect(res.body.entry[0].resource.active).toBe(true);
    expect(res.body.entry[1].response.status).toBe('201 Created');
    expect(res.body.entry[2].response.status).toBe('204 No Content');
    expect((await fhir.get('/Patient/tx-del')).status).toBe(410);
  });

  it('resolves conditional references and conditional creates inside the bundle', async () => {
    await fhir.put('/Practitioner/tx-npi', { resourceType: 'Practitioner', id: 'tx-npi', identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }] });
    const res = await fhir.post('', tx([
      {
        fullUrl: 'urn:uuid:3f1c5e2a-0000-4000-8000-000000000001',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:cin', value: 'TX-CC' }], generalPractitioner: [{ reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1234567893' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:cin|TX-CC' },
      },
    ]));
    expect(res.status).toBe(200);
    const id = res.body.entry[0].response.location.split('/')[1];
    expect((await fhir.get(`/Patient/${id}`)).body.generalPractitioner[0].reference).toBe('Practitioner/tx-npi');
    // the same bundle again: ifNoneExist finds the patient, nothing new is created
    const again = await fhir.post('', tx([
      {
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:cin', value: 'TX-CC' }] },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:cin|TX-CC' },
      },
    ]));
    expect(again.body.entry[0].response.status).toBe('200 OK');
    expect(again.body.entry[0].response.location).toContain(`Patient/${id}/`);
    // a conditional reference that matches nothing fails the whole transaction
    const none = await fhir.post('', tx([
      { resource: { resourceType: 'Patient', generalPractitioner: [{ reference: 'Practitioner?identifier=urn:x|none' }] }, request: { method: 'POST', url: 'Patient' } },
    ]));
    expect(none.status).toBe(412);
    expect(none.body.issue[0].diagnostics).toContain('Bundle.entry[0]');
  });

  it('refuses a reference to a urn:uuid no entry declares, and two entries on one resource', async () => {
    const dangling = await fhir.post('', tx([
      { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:00000000-0000-4000-8000-00000000dead' } }, request: { method: 'POST', url: 'Observation' } },
    ]));
    expect(dangling.status).toBe(400);
    const twice = await fhir.post('', tx([
      { resource: { resourceType: 'Patient', id: 'tx-twice' }, request: { method: 'PUT', url: 'Patient/tx-twice' } },
      { request: { method: 'DELETE', url: 'Patient/tx-twice' } },
    ]));
    expect(twice.status).toBe(400);
    expect((await fhir.get('/Patient/tx-twice')).status).toBe(404);
  });

  it('applies PATCH entries (Binary JSON Patch) and conditional PUT/DELETE entries', async () => {
    await fhir.put('/Patient/tx-patch', { resourceType: 'Patient', id: 'tx-patch', active: false });
    await fhir.post('/Patient', { resourceType: 'Patient', identifier: [{ system: 'urn:cin', value: 'TX-CDEL' }] });
    const patchData = Buffer.from(JSON.stringify([{ op: 'replace', path: '/active', value: true }])).toString('base64');
    const res = await fhir.post('', tx([
      { resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patchData }, request: { method: 'PATCH', url: 'Patient/tx-patch' } },
      { resource: { resourceType: 'Patient', identifier: [{ system: 'urn:cin', value: 'TX-CPUT' }] }, request: { method: 'PUT', url: 'Patient?identifier=urn:cin|TX-CPUT' } },
      { request: { method: 'DELETE', url: 'Patient?identifier=urn:cin|TX-CDEL' } },
    ]));
    expect(res.status).toBe(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['200 OK', '201 Created', '204 No Content']);
    expect((await fhir.get('/Patient/tx-patch')).body.active).toBe(true);
    expect((await fhir.get('/Patient?identifier=urn:cin|TX-CDEL')).body.total).toBe(0);
    expect((await fhir.get('/Patient?identifier=urn:cin|TX-CPUT')).body.total).toBe(1);
  });

  it('honours Prefer: return=minimal (no resources in the response)', async () => {
    const res = await fhir.post('', tx([{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }]), { prefer: 'return=minimal' });
    expect(res.body.entry[0].resource).toBeUndefined();
    expect(res.body.entry[0].response.status).toBe('201 Created');
  });

  it('refuses a Bundle that is neither batch nor transaction, and a non-Bundle at the base', async () => {
    expect((await fhir.post('', { resourceType: 'Bundle', type: 'collection' })).status).toBe(400);
    expect((await fhir.post('', { resourceType: 'Patient' })).status).toBe(400);
    expect((await fhir.post('', tx([{ request: { method: 'POST', url: 'Patient' } }]))).status).toBe(400);
    expect((await fhir.post('', tx([{ resource: { resourceType: 'Patient' } }]))).status).toBe(400);
  });
});

describeWithFixtures('transaction: third-party Synthea data (fixtures/synthea)', 'synthea', (dir) => {
  it('loads each Synthea transaction bundle completely', async () => {
    const bundlesDir = join(dir, 'bundles-r4');
    for (const file of readdirSync(bundlesDir).filter((f) => f.endsWith('.json'))) {
      const bundle = JSON.parse(readFileSync(join(bundlesDir, file), 'utf8'));
      const res = await fhir.post('', bundle, { prefer: 'return=minimal' });
      expect(res.status, `${file}: ${res.text.slice(0, 300)}`).toBe(200);
      expect(res.body.entry).toHaveLength(bundle.entry.length);
      const patientEntry = res.body.entry[bundle.entry.findIndex((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Patient')];
      const patientRef = patientEntry.response.location.split('/_history')[0];
      const encounterIndex = bundle.entry.findIndex((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Encounter');
      const encounter = await fhir.get(`/${res.body.entry[encounterIndex].response.location.split('/_history')[0]}`);
      expect(encounter.body.subject.reference).toBe(patientRef);
    }
  });

  it('resolves the bulk data\'s conditional references (Practitioner?identifier=...) against loaded resources', async () => {
    const ndjson = (type: string) => readFileSync(join(dir, 'bulk-10-patients', `${type}.000.ndjson`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const put = (resources: { resourceType: string; id: string }[]) =>
      tx(resources.map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } })));
    for (const type of ['Organization', 'Location', 'Practitioner', 'Patient']) {
      const res = await fhir.post('', put(ndjson(type)), { prefer: 'return=minimal' });
      expect(res.status, `${type}: ${res.text.slice(0, 300)}`).toBe(200);
    }
    const encounters = ndjson('Encounter').slice(0, 100);
    const res = await fhir.post('', put(encounters), { prefer: 'return=minimal' });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const stored = await fhir.get(`/Encounter/${encounters[0].id}`);
    const refs = (stored.body.participant ?? []).map((p: { individual: { reference: string } }) => p.individual.reference);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^Practitioner\/[^?]+$/);
    expect(stored.body.serviceProvider.reference).toMatch(/^Organization\/[^?]+$/);
  });
});
