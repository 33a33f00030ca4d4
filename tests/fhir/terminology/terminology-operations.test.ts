import { describe, expect, it, vi } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { withTestProfiles } from '../validation/mock-conformance.ts';
import { CS_URL, VS_URL } from '../validation/test-profiles.ts';

vi.mock('../../../src/conformance/conformance.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/conformance/conformance.ts')>();
  return { ...actual, loadConformance: () => withTestProfiles(actual.loadConformance()) };
});

const { fhir } = useFhirServer();
const q = encodeURIComponent;
const codes = (body: { expansion: { contains?: { code: string }[] } }) => (body.expansion.contains ?? []).map((c) => c.code);
const param = (body: { parameter: { name: string; [k: string]: unknown }[] }, name: string) => body.parameter.filter((p) => p.name === name);

describe('ValueSet/$expand', () => {
  it('expands our value set (a whole code system, nested concepts included) by url', async () => {
    const res = await fhir.get(`/ValueSet/$expand?url=${q(VS_URL)}`);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('ValueSet');
    expect(res.body.url).toBe(VS_URL);
    expect(res.body.expansion.total).toBe(4);
    expect(res.body.expansion.contains).toEqual([
      { system: CS_URL, code: 'closed', display: 'Closed' },
      { system: CS_URL, code: 'services-received', display: 'Services Received' },
      { system: CS_URL, code: 'declined', display: 'Declined' },
      { system: CS_URL, code: 'open', display: 'Open' },
    ]);
  });

  it('applies is-a filters and excludes; expands by id at instance level', async () => {
    const res = await fhir.get('/ValueSet/test-closed/$expand');
    expect(res.status).toBe(200);
    expect(codes(res.body)).toEqual(['closed', 'services-received']);
  });

  it('expands a ValueSet stored on the server, by id', async () => {
    const created = await fhir.post('/ValueSet', {
      resourceType: 'ValueSet',
      url: 'http://example.org/fhir/ValueSet/stored',
      status: 'draft',
      compose: { include: [{ system: CS_URL, concept: [{ code: 'open' }] }, { valueSet: ['http://hl7.org/fhir/ValueSet/administrative-gender'] }] },
    });
    expect(created.status).toBe(201);
    const res = await fhir.get(`/ValueSet/${created.body.id}/$expand`);
    expect(res.status).toBe(200);
    expect(res.body.expansion.contains).toEqual([
      { system: CS_URL, code: 'open', display: 'Open' },
      { system: 'http://hl7.org/fhir/administrative-gender', code: 'male', display: 'Male' },
      { system: 'http://hl7.org/fhir/administrative-gender', code: 'female', display: 'Female' },
      { system: 'http://hl7.org/fhir/administrative-gender', code: 'other', display: 'Other' },
      { system: 'http://hl7.org/fhir/administrative-gender', code: 'unknown', display: 'Unknown' },
    ]);
  });

  it('filter (case-insensitive, code or display), count and offset', async () => {
    const filtered = await fhir.get(`/ValueSet/$expand?url=${q(VS_URL)}&filter=CLOSED`);
    expect(codes(filtered.body)).toEqual(['closed']);
    expect(filtered.body.expansion.parameter).toContainEqual({ name: 'filter', valueString: 'CLOSED' });
    const byDisplay = await fhir.get(`/ValueSet/$expand?url=${q(VS_URL)}&filter=recei`);
    expect(codes(byDisplay.body)).toEqual(['services-received']);
    const page = await fhir.get(`/ValueSet/$expand?url=${q(VS_URL)}&count=2&offset=1`);
    expect(page.body.expansion).toMatchObject({ total: 4, offset: 1 });
    expect(codes(page.body)).toEqual(['services-received', 'declined']);
  });

  it('expands core R4 value sets (POST with Parameters works too)', async () => {
    const res = await fhir.post('/ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/administrative-gender' }] });
    expect(res.status).toBe(200);
    expect(codes(res.body)).toEqual(['male', 'female', 'other', 'unknown']);
  });

  it('errors: no url, unknown value set, not expandable, bad count', async () => {
    const none = await fhir.get('/ValueSet/$expand');
    expect(none.status).toBe(400);
    const unknown = await fhir.get(`/ValueSet/$expand?url=${q('http://example.org/vs')}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.issue[0].diagnostics).toBe('The value set http://example.org/vs is not known to this server');
    const external = await fhir.get('/ValueSet/test-external/$expand');
    expect(external.status).toBe(422);
    expect(external.body.issue[0].code).toBe('not-supported');
    const count = await fhir.get(`/ValueSet/$expand?url=${q(VS_URL)}&count=-1`);
    expect(count.status).toBe(400);
    expect(count.body.issue[0].diagnostics).toBe('"count" must be a non-negative integer, got "-1"');
    const missing = await fhir.get('/ValueSet/nope/$expand');
    expect(missing.status).toBe(404);
  });
});

describe('ValueSet/$validate-code', () => {
  it('code + system in the value set: result true with the display', async () => {
    const res = await fhir.get(`/ValueSet/$validate-code?url=${q(VS_URL)}&system=${q(CS_URL)}&code=declined`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }, { name: 'display', valueString: 'Declined' }] });
  });

  it('a code not in the value set: result false with a message', async () => {
    const res = await fhir.get(`/ValueSet/test-closed/$validate-code?system=${q(CS_URL)}&code=declined`);
    expect(param(res.body, 'result')).toEqual([{ name: 'result', valueBoolean: false }]);
    expect(param(res.body, 'message')[0].valueString).toBe(`The code ${CS_URL}#declined is not in the value set https://ecm-fhir.example.org/fhir/ValueSet/test-closed`);
  });

  it('a wrong display: result false, naming the right one', async () => {
    const res = await fhir.get(`/ValueSet/$validate-code?url=${q(VS_URL)}&system=${q(CS_URL)}&code=open&display=Opened`);
    expect(param(res.body, 'result')[0].valueBoolean).toBe(false);
    expect(param(res.body, 'message')[0].valueString).toBe(`The display "Opened" is not the display of ${CS_URL}#open: "Open"`);
  });

  it('coding and codeableConcept parameters (any coding may match)', async () => {
    const coding = await fhir.post('/ValueSet/$validate-code', {
      resourceType: 'Parameters',
      parameter: [{ name: 'url', valueUri: 'http://hl7.org/fhir/ValueSet/administrative-gender' }, { name: 'coding', valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' } }],
    });
    expect(param(coding.body, 'result')[0].valueBoolean).toBe(true);
    const concept = await fhir.post('/ValueSet/$validate-code', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'url', valueUri: VS_URL },
        { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: 'http://example.org', code: 'x' }, { system: CS_URL, code: 'open' }] } },
      ],
    });
    expect(param(concept.body, 'result')[0].valueBoolean).toBe(true);
  });

  it('errors: no code, unknown value set, not expandable', async () => {
    expect((await fhir.get(`/ValueSet/$validate-code?url=${q(VS_URL)}`)).status).toBe(400);
    expect((await fhir.get(`/ValueSet/$validate-code?url=${q('http://example.org/vs')}&code=a`)).status).toBe(404);
    expect((await fhir.get('/ValueSet/test-external/$validate-code?code=a')).status).toBe(422);
  });
});

describe('CodeSystem/$lookup', () => {
  it('returns name, version, display, definition, designation and parent/child properties', async () => {
    const res = await fhir.get(`/CodeSystem/$lookup?system=${q(CS_URL)}&code=closed`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'name', valueString: 'TestStatus' },
        { name: 'version', valueString: '0.1.0' },
        { name: 'display', valueString: 'Closed' },
        { name: 'definition', valueString: 'The loop is closed' },
        { name: 'designation', part: [{ name: 'language', valueCode: 'es' }, { name: 'value', valueString: 'Cerrado' }] },
        { name: 'property', part: [{ name: 'code', valueCode: 'child' }, { name: 'value', valueCode: 'services-received' }] },
        { name: 'property', part: [{ name: 'code', valueCode: 'child' }, { name: 'value', valueCode: 'declined' }] },
      ],
    });
    const child = await fhir.get(`/CodeSystem/test-status/$lookup?code=declined`);
    expect(param(child.body, 'property')).toEqual([{ name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: 'closed' }] }]);
  });

  it('looks up core code systems (coding parameter)', async () => {
    const res = await fhir.post('/CodeSystem/$lookup', { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } }] });
    expect(res.status).toBe(200);
    expect(param(res.body, 'display')).toEqual([{ name: 'display', valueString: 'ambulatory' }]);
  });

  it('errors: no code, unknown system, unknown code', async () => {
    expect((await fhir.get(`/CodeSystem/$lookup?system=${q(CS_URL)}`)).status).toBe(400);
    const system = await fhir.get(`/CodeSystem/$lookup?system=${q('http://example.org/cs')}&code=a`);
    expect(system.status).toBe(404);
    expect(system.body.issue[0].diagnostics).toBe('The code system http://example.org/cs is not known to this server');
    const code = await fhir.get(`/CodeSystem/$lookup?system=${q(CS_URL)}&code=zzz`);
    expect(code.status).toBe(404);
    expect(code.body.issue[0].diagnostics).toBe(`The code "zzz" is not in the code system ${CS_URL}`);
  });
});
