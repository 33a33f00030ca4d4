import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';

/**
 * The versions of one write go to PostgreSQL as one text, separated by a control character JSON
 * text never holds raw (src/store/write-sql.ts joinContents): what comes back is exactly what was
 * written, whatever the strings hold, and each version of a mixed write keeps its own content.
 */
const { fhir } = useFhirServer();

const tricky = [
  'quotes " and \\ backslashes \\" and a \\\\ pair',
  'whitespace \t \n \r kept',
  'unicode: é ü ß 中文 עברית and astral 😀 𝄞',
  '{"looks":["like","json"]}',
  '',
];

describe('version contents written as one text', () => {
  it('every character of every string reads back as written, in the current version and in its history', async () => {
    const patient = { resourceType: 'Patient', id: 'contents-1', name: tricky.filter((t) => t !== '').map((text) => ({ text })) };
    expect((await fhir.put('/Patient/contents-1', patient)).status).toBe(201);
    const read = await fhir.get('/Patient/contents-1');
    expect(read.body.name.map((n: { text: string }) => n.text)).toEqual(tricky.filter((t) => t !== ''));
    const history = await fhir.get('/Patient/contents-1/_history/1');
    expect(history.body.name).toEqual(read.body.name);
  });

  it('a transaction of creates, updates and deletes stores each version with its own content', async () => {
    for (const id of ['mix-a', 'mix-b']) expect((await fhir.put(`/Organization/${id}`, { resourceType: 'Organization', id, name: `first ${id}` })).status).toBe(201);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: 'Organization/mix-a' } },
        { resource: { resourceType: 'Organization', id: 'mix-b', name: 'second "b" \\ b' }, request: { method: 'PUT', url: 'Organization/mix-b' } },
        { resource: { resourceType: 'Organization', name: 'created c 😀' }, request: { method: 'POST', url: 'Organization' } },
      ],
    };
    const res = await fhir.post('/', bundle);
    expect(res.status).toBe(200);
    expect((await fhir.get('/Organization/mix-a')).status).toBe(410);
    expect((await fhir.get('/Organization/mix-b')).body.name).toBe('second "b" \\ b');
    const created = res.body.entry[2].response.location.split('/_history')[0];
    expect((await fhir.get(`/${created}`)).body.name).toBe('created c 😀');
    expect((await fhir.get('/Organization/mix-a/_history/1')).body.name).toBe('first mix-a');
  });

  it('a string holding the separator (a control character) is refused before it reaches the store', async () => {
    const res = await fhir.put('/Organization/ctl', { resourceType: 'Organization', id: 'ctl', name: 'a \u0001 b' });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('a lone delete is written (its version has no content)', async () => {
    expect((await fhir.put('/Organization/lone', { resourceType: 'Organization', id: 'lone', name: 'lone' })).status).toBe(201);
    expect((await fhir.delete('/Organization/lone')).status).toBeLessThan(300);
    expect((await fhir.get('/Organization/lone')).status).toBe(410);
    const history = await fhir.get('/Organization/lone/_history');
    expect(history.body.entry).toHaveLength(2);
  });
});
