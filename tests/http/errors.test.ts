import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, type TestResponse } from '../support/fhir-client.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * Every error path of the FHIR REST API (http.html, "Handling errors"): the right status, an
 * OperationOutcome body with an error issue that names the problem, content-type
 * application/fhir+json, and no write for any rejected request.
 */

let server: Awaited<ReturnType<typeof startTestApp>>;
let fhir: ReturnType<typeof fhirClient>;
/** A second server with a 10 kB body limit (413). */
let small: Awaited<ReturnType<typeof startTestApp>>;
let smallFhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  server = await startTestApp();
  fhir = fhirClient(server.app);
  small = await startTestApp({ bodyLimit: 10_000 });
  smallFhir = fhirClient(small.app);
});
afterAll(async () => {
  await server?.close();
  await small?.close();
});

type Client = ReturnType<typeof fhirClient>;

/** Versions written so far (system history total); `_count=1` keeps the page small. */
async function versionCount(client: Client = fhir): Promise<number> {
  const res = await client.get('/_history?_count=1');
  expect(res.status).toBe(200);
  return res.body.total as number;
}

/** The response is an error OperationOutcome with `status`, whose diagnostics match `diagnostics`. */
function expectOutcome(res: TestResponse, status: number | number[], diagnostics?: RegExp): void {
  const statuses = Array.isArray(status) ? status : [status];
  expect(statuses, `status ${res.status}, body ${res.text.slice(0, 500)}`).toContain(res.status);
  expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
  expect(res.body?.resourceType, res.text.slice(0, 500)).toBe('OperationOutcome');
  expect(Array.isArray(res.body.issue) && res.body.issue.length > 0).toBe(true);
  expect(res.body.issue[0].severity).toBe('error');
  expect(typeof res.body.issue[0].code).toBe('string');
  const text = res.body.issue[0].diagnostics ?? res.body.issue[0].details?.text;
  expect(typeof text).toBe('string');
  expect(text.length).toBeGreaterThan(0);
  if (diagnostics) expect(text).toMatch(diagnostics);
}

/** Every `issue.expression` of an OperationOutcome, flattened. */
function expressions(res: TestResponse): string[] {
  return (res.body?.issue ?? []).flatMap((i: { expression?: string[] }) => i.expression ?? []);
}

/** Sends a request that must be rejected: checks the OperationOutcome and that nothing was written. */
async function rejected(
  send: () => Promise<TestResponse>,
  status: number | number[],
  diagnostics?: RegExp,
  client: Client = fhir,
): Promise<TestResponse> {
  const before = await versionCount(client);
  const res = await send();
  expectOutcome(res, status, diagnostics);
  expect(await versionCount(client), 'a rejected request must not write').toBe(before);
  return res;
}

describe('request bodies', () => {
  it('answers 400 to malformed JSON', async () => {
    await rejected(() => fhir.post('/Patient', '{"resourceType": "Patient", "active": tru'), 400, /JSON/);
    await rejected(() => fhir.post('/Patient', '{"resourceType":'), 400, /JSON/);
    await rejected(() => fhir.put('/Patient/p1', "{'resourceType': 'Patient'}"), 400, /JSON/);
    await rejected(() => fhir.post('', '{"resourceType":"Bundle",'), 400, /JSON/);
  });

  it('answers 400 to an empty body on POST and PUT', async () => {
    await rejected(() => fhir.post('/Patient', ''), 400, /body/i);
    await rejected(() => fhir.post('/Patient', '   \n'), 400, /body/i);
    await rejected(() => fhir.put('/Patient/p1', ''), 400, /body/i);
    await rejected(
      () =>
        server.app
          .inject({ method: 'POST', url: '/fhir/Patient' })
          .then((r) => ({ status: r.statusCode, headers: r.headers, text: r.body, body: JSON.parse(r.body) })),
      400,
      /body/i,
    );
    await rejected(() => fhir.post('', ''), 400);
  });

  it('answers 400 to JSON that is not an object', async () => {
    for (const body of ['null', '[]', '[{"resourceType":"Patient"}]', '"Patient"', '42', 'true']) {
      await rejected(() => fhir.post('/Patient', body), 400, /JSON object|resource/i);
    }
  });

  it('answers 400 when the body resourceType is not the URL type, or missing', async () => {
    const res = await rejected(() => fhir.post('/Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } }), 400, /Observation.*Patient/);
    expect(expressions(res)).toContain('resourceType');
    await rejected(() => fhir.put('/Patient/p1', { resourceType: 'Practitioner', id: 'p1' }), 400, /Practitioner.*Patient/);
    await rejected(() => fhir.post('/Patient', { name: [{ family: 'NoType' }] }), 400, /resourceType/);
    await rejected(() => fhir.post('/Patient', { resourceType: 'patient' }), 400, /patient/);
  });

  it('answers 400 to PUT when the body id differs from the URL id', async () => {
    const res = await rejected(() => fhir.put('/Patient/url-id', { resourceType: 'Patient', id: 'body-id' }), 400, /body-id.*url-id/);
    expect(expressions(res)).toContain('Patient.id');
  });

  it('answers 400 to PUT without an id in the body', async () => {
    const res = await rejected(() => fhir.put('/Patient/url-id', { resourceType: 'Patient', active: true }), 400, /no id/);
    expect(expressions(res)).toContain('Patient.id');
  });
});

describe('unknown resource types', () => {
  it.each(['Foo', 'Project', 'SubscriptionStatus', 'Bot', 'patient'])('answers 404 for /%s (not an R4 resource type)', async (type) => {
    const diag = new RegExp(`Unknown resource type "${type}"`);
    await rejected(() => fhir.get(`/${type}`), 404, diag);
    await rejected(() => fhir.get(`/${type}/abc`), 404, diag);
    await rejected(() => fhir.post(`/${type}`, { resourceType: type }), 404, diag);
    await rejected(() => fhir.put(`/${type}/abc`, { resourceType: type, id: 'abc' }), 404, diag);
    await rejected(() => fhir.delete(`/${type}/abc`), 404, diag);
    await rejected(() => fhir.get(`/${type}/_history`), 404, diag);
  });
});

describe('structurally invalid resources (400 with issue.expression)', () => {
  const cases: { name: string; type: string; body: Record<string, unknown>; expression: string; diagnostics?: RegExp }[] = [
    { name: 'unknown element Patient.foo', type: 'Patient', body: { resourceType: 'Patient', foo: 'bar' }, expression: 'Patient.foo', diagnostics: /foo/ },
    { name: 'wrong type "active": "yes"', type: 'Patient', body: { resourceType: 'Patient', active: 'yes' }, expression: 'Patient.active', diagnostics: /boolean/ },
    { name: 'bad date 1990-13-45', type: 'Patient', body: { resourceType: 'Patient', birthDate: '1990-13-45' }, expression: 'Patient.birthDate', diagnostics: /date/i },
    { name: 'required binding gender "robot"', type: 'Patient', body: { resourceType: 'Patient', gender: 'robot' }, expression: 'Patient.gender', diagnostics: /robot/ },
    {
      name: 'missing required Observation.status',
      type: 'Observation',
      body: { resourceType: 'Observation', code: { text: 'weight' } },
      expression: 'Observation.status',
      diagnostics: /required/i,
    },
    {
      name: 'wrong type in a nested element',
      type: 'Patient',
      body: { resourceType: 'Patient', name: [{ family: 42 }] },
      expression: 'Patient.name[0].family',
      diagnostics: /string/,
    },
    { name: 'null value', type: 'Patient', body: { resourceType: 'Patient', active: null }, expression: 'Patient.active', diagnostics: /null/ },
  ];

  it.each(cases)('POST: $name', async ({ type, body, expression, diagnostics }) => {
    const res = await rejected(() => fhir.post(`/${type}`, body), 400, diagnostics);
    expect(expressions(res)).toContain(expression);
  });

  it.each(cases)('PUT: $name', async ({ type, body, expression, diagnostics }) => {
    const res = await rejected(() => fhir.put(`/${type}/invalid-put`, { ...body, id: 'invalid-put' }), 400, diagnostics);
    expect(expressions(res)).toContain(expression);
  });

  it('reports every problem of a resource, not only the first', async () => {
    const res = await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', foo: 1, active: 'yes', gender: 'robot' }), 400);
    expect(expressions(res)).toEqual(expect.arrayContaining(['Patient.foo', 'Patient.active', 'Patient.gender']));
  });

  it('rejects an invalid entry resource in a transaction, naming the entry, and writes nothing', async () => {
    const res = await rejected(
      () =>
        fhir.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', name: [{ family: 'Valid' }] } },
            { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient', foo: 1 } },
          ],
        }),
      400,
      /Bundle\.entry\[1\]/,
    );
    expect(expressions(res)).toContain('Bundle.entry[1]');
  });
});

/**
 * Found by tests/http/fuzz.test.ts: the structural validation (src/fhir/validation/
 * validate-resource.ts over @medplum/core) let these invalid resources through and stored them,
 * or crashed on them with a 500. Each must be a 400 like any other structural error.
 */
describe('structural validation gaps (found by tests/http/fuzz.test.ts)', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'rejects an element named "%s" (an Object.prototype member, not a FHIR element)',
    async (key) => {
      const body = `{"resourceType":"Patient","${key}":{"active":true}}`;
      const res = await rejected(() => fhir.post('/Patient', body), 400);
      expect(expressions(res)).toContain(`Patient.${key}`);
      const nested = `{"resourceType":"Patient","name":[{"family":"X","${key}":"y"}]}`;
      await rejected(() => fhir.post('/Patient', nested), 400);
    },
  );

  it('rejects a complex element given as a number (meta: 5, meta: [])', async () => {
    const res = await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', meta: 5 }), 400);
    expect(expressions(res)).toContain('Patient.meta');
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', meta: [] }), 400);
  });

  it('rejects an empty array (json.html: arrays are never empty)', async () => {
    const res = await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', name: [] }), 400);
    expect(expressions(res).some((e) => e.startsWith('Patient.name'))).toBe(true);
  });

  it('rejects an empty primitive extension object (_gender: {})', async () => {
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', _gender: {} }), 400);
  });

  it.each([
    { path: 'Task.priority', body: { resourceType: 'Task', status: 'requested', intent: 'order', priority: 'whenever' } },
    { path: 'ServiceRequest.status', body: { resourceType: 'ServiceRequest', status: 'bogus', intent: 'order', subject: { reference: 'Patient/p1' } } },
    { path: 'ServiceRequest.intent', body: { resourceType: 'ServiceRequest', status: 'active', intent: 'bogus', subject: { reference: 'Patient/p1' } } },
    { path: 'CarePlan.status', body: { resourceType: 'CarePlan', status: 'bogus', intent: 'plan', subject: { reference: 'Patient/p1' } } },
  ])('rejects a code outside a required binding the JSON schema has no enum for: $path', async ({ path, body }) => {
    const res = await rejected(() => fhir.post(`/${body.resourceType}`, body), 400, /bogus|whenever/);
    expect(expressions(res)).toContain(path);
  });

  it('rejects a primitive extension that is not an object (_birthDate: "x") with a 400, not a 5xx', async () => {
    const res = await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', birthDate: '1990-01-01', _birthDate: 'x' }), 400);
    expect(expressions(res).some((e) => e.startsWith('Patient._birthDate') || e.startsWith('Patient.birthDate'))).toBe(true);
    await rejected(
      () => fhir.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order', input: [{ type: { text: 'a' }, _valueInteger: 2 }] }),
      400,
    );
  });

  it('answers a string where an object is expected with a bounded OperationOutcome (not one issue per character)', async () => {
    const body = JSON.stringify({ resourceType: 'Task', status: 'requested', intent: 'order', restriction: 'x'.repeat(100_000) });
    const res = await rejected(() => fhir.post('/Task', body), 400);
    expect(expressions(res).some((e) => e.startsWith('Task.restriction'))).toBe(true);
    expect(res.body.issue.length, `${res.body.issue.length} issues`).toBeLessThan(100);
    expect(res.text.length, `${res.text.length} bytes of OperationOutcome for a ${body.length}-byte request`).toBeLessThan(body.length * 2);
  });

  it('rejects control characters in code and uri values (datatypes.html#string), with a 400, not a 5xx', async () => {
    // Indexed (Observation.code is a token search parameter): PostgreSQL refuses the NUL -> 500 today.
    const indexed = await rejected(
      () => fhir.post('/Observation', { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:x', code: 'a\u0000b' }] } }),
      400,
    );
    expect(expressions(indexed)).toContain('Observation.code.coding[0].code');
    await rejected(() => fhir.post('/Observation', { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:x\u0000', code: 'a' }] } }), 400);
    // Not indexed: stored as is today.
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', maritalStatus: { coding: [{ code: 'a\u0000b' }] } }), 400);
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', maritalStatus: { coding: [{ code: 'a\u001fb' }] } }), 400);
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient', extension: [{ url: 'urn:x\u0000', valueString: 'a' }] }), 400);
  });

  it('rejects an integer outside the 32-bit range of FHIR integer', async () => {
    const res = await rejected(() => fhir.post('/Patient', '{"resourceType":"Patient","multipleBirthInteger":100000000000000000000}'), 400);
    expect(expressions(res).some((e) => e.startsWith('Patient.multipleBirth'))).toBe(true);
  });
});

describe('long token values', () => {
  /** `length` characters that do not compress (PostgreSQL compresses long index entries). */
  const incompressible = (length: number) => {
    let x = 12345;
    let text = '';
    for (let i = 0; i < length; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      text += 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36];
    }
    return text;
  };

  it.each([
    ['Patient.identifier.value', 'Patient', (v: string) => ({ resourceType: 'Patient', identifier: [{ system: 'urn:x', value: v }] })],
    ['Patient.identifier.system', 'Patient', (v: string) => ({ resourceType: 'Patient', identifier: [{ system: `urn:${v}`, value: '1' }] })],
    ['Observation.code.coding.code', 'Observation', (v: string) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:x', code: v }] } })],
  ] as const)('stores (or refuses with a 4xx) a 5000-character %s, never a 5xx', async (_name, type, make) => {
    const res = await fhir.post(`/${type}`, make(incompressible(5_000)));
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    if (res.status >= 400) expectOutcome(res, res.status);
  });
});

describe('ids', () => {
  it('answers 400 to an invalid id in the URL', async () => {
    const long = 'a'.repeat(65);
    await rejected(() => fhir.get('/Patient/bad$id'), 400, /Invalid id "bad\$id"/);
    await rejected(() => fhir.get(`/Patient/${long}`), 400, /Invalid id/);
    await rejected(() => fhir.put('/Patient/bad$id', { resourceType: 'Patient', id: 'bad$id' }), 400, /Invalid id/);
    await rejected(() => fhir.put(`/Patient/${long}`, { resourceType: 'Patient', id: long }), 400, /Invalid id/);
    await rejected(() => fhir.delete(`/Patient/${long}`), 400, /Invalid id/);
    await rejected(() => fhir.get('/Patient/bad$id/_history/1'), 400, /Invalid id/);
    await rejected(() => fhir.get('/Patient/a_b'), 400, /Invalid id/);
  });

  it('answers 400 to an invalid id in the body of a PUT', async () => {
    const res = await rejected(() => fhir.put('/Patient/abc', { resourceType: 'Patient', id: 'bad$id' }), 400, /bad\$id/);
    expect(expressions(res)).toContain('Patient.id');
    await rejected(() => fhir.put('/Patient/abc', { resourceType: 'Patient', id: 42 }), 400);
    await rejected(() => fhir.put('/Patient/abc', { resourceType: 'Patient', id: '' }), 400);
  });

  it('accepts a 64-character id (the limit) — control', async () => {
    const id = 'A-z.0'.repeat(12) + 'abcd';
    expect(id).toHaveLength(64);
    const res = await fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id });
    expect(res.status).toBe(201);
  });
});

describe('body size limit', () => {
  it('answers 413 to a body over the limit and writes nothing', async () => {
    const big = { resourceType: 'Patient', name: [{ family: 'x'.repeat(20_000) }] };
    await rejected(() => smallFhir.post('/Patient', big), 413, /larger/, smallFhir);
    await rejected(() => smallFhir.put('/Patient/big', { ...big, id: 'big' }), 413, /larger/, smallFhir);
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient' }, resource: big }] };
    await rejected(() => smallFhir.post('', bundle), 413, /larger/, smallFhir);
  });

  it('accepts a body just under the limit — control', async () => {
    const body = JSON.stringify({ resourceType: 'Patient', name: [{ family: 'x'.repeat(9_000) }] });
    expect(body.length).toBeLessThan(10_000);
    expect((await smallFhir.post('/Patient', body)).status).toBe(201);
  });
});

describe('media types', () => {
  it('answers 415 to a non-JSON Content-Type on POST and PUT', async () => {
    const xml = '<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>';
    await rejected(() => fhir.post('/Patient', xml, { 'content-type': 'application/fhir+xml' }), 415, /Content-Type/);
    await rejected(() => fhir.post('/Patient', 'hello', { 'content-type': 'text/plain' }), 415, /Content-Type/);
    await rejected(() => fhir.put('/Patient/p1', xml, { 'content-type': 'application/xml' }), 415, /Content-Type/);
    await rejected(() => fhir.post('', xml, { 'content-type': 'application/fhir+xml' }), 415, /Content-Type/);
  });

  it('answers 406 when only XML is acceptable (_format or Accept)', async () => {
    await rejected(() => fhir.get('/Patient?_format=xml'), 406, /xml/i);
    await rejected(() => fhir.get('/Patient?_format=application/fhir%2Bxml'), 406, /xml/i);
    await rejected(() => fhir.get('/Patient', { accept: 'application/fhir+xml' }), 406, /xml/);
    await rejected(() => fhir.get('/metadata?_format=xml'), 406, /xml/i);
    await rejected(() => fhir.get('/Patient?_format=text/turtle'), 406, /turtle/);
  });

  it('does not write when the response format is unacceptable', async () => {
    await rejected(() => fhir.post('/Patient', { resourceType: 'Patient' }, { accept: 'application/fhir+xml' }), 406);
    await rejected(() => fhir.put('/Patient/xml-only', { resourceType: 'Patient', id: 'xml-only' }, { accept: 'application/fhir+xml' }), 406);
    await rejected(() => fhir.post('/Patient?_format=xml', { resourceType: 'Patient' }), 406);
  });

  it('answers JSON to _format=json and Accept: application/json', async () => {
    const json = await fhir.get('/Patient?_format=json');
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(json.body.resourceType).toBe('Bundle');
    const fhirJson = await fhir.get('/Patient?_format=application/fhir%2Bjson');
    expect(fhirJson.status).toBe(200);
    expect(fhirJson.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const accept = await fhir.get('/Patient', { accept: 'application/json' });
    expect(accept.status).toBe(200);
    expect(accept.headers['content-type']).toMatch(/^application\/(fhir\+)?json/);
    expect(accept.body.resourceType).toBe('Bundle');
  });

  it('indents the JSON for _pretty=true', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient', name: [{ family: 'Pretty' }] });
    const plain = await fhir.get(`/Patient/${created.body.id}`);
    expect(plain.text).not.toContain('\n');
    const pretty = await fhir.get(`/Patient/${created.body.id}?_pretty=true`);
    expect(pretty.status).toBe(200);
    expect(pretty.text).toBe(JSON.stringify(JSON.parse(plain.text), null, 2));
    expect(pretty.text).toContain('\n  "resourceType": "Patient"');
  });
});

describe('versioning', () => {
  it('answers 412 to PUT with a stale If-Match and keeps the current version', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient', gender: 'female' });
    const id = created.body.id;
    expect((await fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id, gender: 'male' }, { 'if-match': 'W/"1"' })).status).toBe(200);
    await rejected(() => fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id, gender: 'other' }, { 'if-match': 'W/"1"' }), 412, /W\/"1".*W\/"2"/);
    const current = await fhir.get(`/Patient/${id}`);
    expect(current.body.gender).toBe('male');
    expect(current.headers.etag).toBe('W/"2"');
  });

  it('answers 400 to a malformed If-Match', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient' });
    const id = created.body.id;
    for (const tag of ['garbage', 'W/"abc"', 'W/', 'W/"-1"', '1.5']) {
      await rejected(() => fhir.put(`/Patient/${id}`, { resourceType: 'Patient', id, active: true }, { 'if-match': tag }), 400, /If-Match/);
    }
  });
});

describe('delete', () => {
  it('answers 404 to DELETE of a resource that never existed', async () => {
    await rejected(() => fhir.delete('/Patient/never-existed'), 404, /never-existed/);
  });

  it('answers 410 Gone to a read after delete', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient' });
    const id = created.body.id;
    expect((await fhir.delete(`/Patient/${id}`)).status).toBeLessThan(300);
    const res = await rejected(() => fhir.get(`/Patient/${id}`), 410, /deleted/);
    expect(res.body.issue[0].code).toBe('deleted');
    await rejected(() => fhir.get(`/Patient/${id}/_history/2`), 410, /deleted/);
  });
});

describe('methods and routes', () => {
  it('refuses PATCH on the type without criteria and POST to an instance', async () => {
    await rejected(() => fhir.patch('/Patient', [{ op: 'replace', path: '/active', value: true }]), [400, 405]);
    await rejected(() => fhir.post('/Patient/123', { resourceType: 'Patient', id: '123' }), [400, 405]);
    await rejected(() => fhir.put('/Patient', { resourceType: 'Patient' }), [400, 405]);
    await rejected(() => fhir.delete('/Patient'), [400, 405]);
    await rejected(() => fhir.post('/_history', { resourceType: 'Patient' }), [400, 405]);
    await rejected(() => fhir.put('/Patient/_history', { resourceType: 'Patient' }), [400, 405]);
  });

  it('answers 404 to unknown paths and operations under /fhir', async () => {
    await rejected(() => fhir.get('/Patient/123/foo'), 404);
    await rejected(() => fhir.get('/Patient/123/_history/1/extra'), 404);
    await rejected(() => fhir.get('/Patient/$everything'), 404);
  });

  it('answers 404 with an OperationOutcome outside /fhir', async () => {
    const root = fhirClient(server.app, '');
    await rejected(() => root.get('/nope'), 404, /nope/);
    await rejected(() => root.post('/Patient', { resourceType: 'Patient' }), 404);
    await rejected(() => root.get('/fhirx/Patient'), 404);
  });

  it('answers 400 with an OperationOutcome to a URL with broken percent-encoding', async () => {
    await rejected(() => fhir.get('/Patient/%E0%A4%A'), 400);
    await rejected(() => fhir.get('/%'), 400);
  });
});

describe('history paging', () => {
  it('answers _count=0 with the total and no entries', async () => {
    await fhir.post('/Patient', { resourceType: 'Patient' });
    const system = await fhir.get('/_history?_count=0');
    expect(system.status, system.text).toBe(200);
    expect(system.body.total).toBeGreaterThan(0);
    expect(system.body.entry).toBeUndefined();
    const type = await fhir.get('/Patient/_history?_count=0');
    expect(type.status, type.text).toBe(200);
  });

  it('answers 400 to an invalid _count', async () => {
    await rejected(() => fhir.get('/_history?_count=abc'), 400, /_count/);
    await rejected(() => fhir.get('/_history?_bogus=1'), 400, /_bogus/);
  });
});

describe('bundle error paths', () => {
  const bundle = (type: string, entry: unknown) => ({ resourceType: 'Bundle', type, entry });

  it('answers 400 to a POST to the base that is not a batch or transaction Bundle', async () => {
    await rejected(() => fhir.post('', { resourceType: 'Patient' }), 400, /Bundle/);
    await rejected(() => fhir.post('', { resourceType: 'Bundle', type: 'collection' }), 400, /collection/);
    await rejected(() => fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: {} }), 400, /entry/);
  });

  it('answers 400 to a transaction with a null entry', async () => {
    await rejected(() => fhir.post('', bundle('transaction', [null])), 400, /entry/);
  });

  it('answers 400 to a transaction whose request.url has broken percent-encoding', async () => {
    await rejected(() => fhir.post('', bundle('transaction', [{ request: { method: 'GET', url: 'Patient/%E0%A4%A' } }])), 400);
  });

  it('answers a batch entry with broken percent-encoding with a 400 entry, not a 5xx', async () => {
    const res = await fhir.post('', bundle('batch', [{ request: { method: 'GET', url: 'Patient/%E0%A4%A' } }]));
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^400/);
    expect(res.body.entry[0].response.outcome.resourceType).toBe('OperationOutcome');
  });

  it('answers a batch null entry with a 400 entry OperationOutcome', async () => {
    const res = await fhir.post('', bundle('batch', [null]));
    expect(res.status).toBe(200);
    expect(res.body.entry[0].response.status).toMatch(/^400/);
    expect(res.body.entry[0].response.outcome.resourceType).toBe('OperationOutcome');
  });
});

describe('deeply nested bodies', () => {
  const nestedExtension = (depth: number) => {
    let ext = '{"url":"urn:x","valueString":"leaf"}';
    for (let i = 0; i < depth; i++) ext = `{"url":"urn:x","extension":[${ext}]}`;
    return ext;
  };

  it('answers 4xx (not 5xx) to deeply nested arrays and objects', async () => {
    const depth = 100_000;
    const arrays = `{"resourceType":"Patient","name":${'['.repeat(depth)}null${']'.repeat(depth)}}`;
    await rejected(() => fhir.post('/Patient', arrays), [400, 413]);
    const objects = `{"resourceType":"Patient","name":[${'{"a":'.repeat(50_000)}{}${'}'.repeat(50_000)}]}`;
    await rejected(() => fhir.post('/Patient', objects), [400, 413]);
  });

  it('does not answer 5xx to a deeply nested (valid) extension', async () => {
    const res = await fhir.post('/Patient', `{"resourceType":"Patient","extension":[${nestedExtension(5_000)}]}`);
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    if (res.status >= 400) expectOutcome(res, res.status);
  });

  it('does not answer 5xx to a transaction with a deeply nested extension', async () => {
    const res = await fhir.post(
      '',
      `{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","extension":[${nestedExtension(2_000)}]}}]}`,
    );
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    if (res.status >= 400) expectOutcome(res, res.status);
  });
});
