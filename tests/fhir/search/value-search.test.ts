import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();
type Res = { status: number; body: { entry?: { resource?: { resourceType: string; id: string }; search?: { mode: string } }[]; link?: { relation: string; url: string }[] } };
const ids = (res: Res, mode = 'match') => {
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
  return (res.body.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource?.id).sort();
};

const patient = (id: string, family: string, given: string, birthDate: string, extra: object = {}) => ({
  resourceType: 'Patient', id, name: [{ family, given: [given] }], birthDate, ...extra,
});
const obs = (id: string, subject: string, value: object, effective: string) => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }], text: 'Body Weight' },
  subject: { reference: subject }, effectiveDateTime: effective, ...value,
});

beforeAll(async () => {
  for (const r of [
    patient('v-1', 'Smith', 'Ana', '1980-05-17', { identifier: [{ system: 'urn:cin', value: 'C1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }], address: [{ city: 'Bakersfield' }] }),
    patient('v-2', 'Smíthers', 'José', '1990', { identifier: [{ system: 'urn:cin', value: 'C2' }] }),
    patient('v-3', 'Jones', 'Smi', '2001-02-03'),
    obs('o-1', 'Patient/v-1', { valueQuantity: { value: 70.5, system: 'http://unitsofmeasure.org', code: 'kg', unit: 'kg' } }, '2026-05-01T10:00:00Z'),
    obs('o-2', 'Patient/v-2', { valueQuantity: { value: 100, system: 'http://unitsofmeasure.org', code: '[lb_av]', unit: 'lb' } }, '2026-06-15'),
    obs('o-3', 'Patient/v-3', {}, '2025-12-31T23:00:00-08:00'),
    { resourceType: 'Encounter', id: 'e-1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' }, subject: { reference: 'Patient/v-1' }, period: { start: '2026-05-01T08:00:00Z', end: '2026-05-03T12:00:00Z' } },
    { resourceType: 'Encounter', id: 'e-2', status: 'in-progress', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' }, subject: { reference: 'Patient/v-2' }, period: { start: '2026-06-01' } },
    { resourceType: 'RiskAssessment', id: 'ra-1', status: 'final', subject: { reference: 'Patient/v-1' }, prediction: [{ probabilityDecimal: 0.25 }] },
    { resourceType: 'ValueSet', id: 'vs-1', status: 'active', url: 'http://example.org/fhir/ValueSet/a/b' },
    { resourceType: 'Task', id: 't-1', status: 'requested', intent: 'order', for: { reference: 'Patient/v-1' }, owner: { reference: 'Organization/org-1' } },
    { resourceType: 'Task', id: 't-2', status: 'completed', intent: 'order', for: { reference: 'Patient/v-2' } },
    { resourceType: 'Organization', id: 'org-1', name: 'Kern Care' },
  ]) {
    const res = await fhir.put(`/${r.resourceType}/${r.id}`, r);
    expect(res.status, res.text).toBeLessThan(300);
  }
});

describe('string search (search.html#string)', () => {
  it('is a case- and accent-insensitive starts-with on every name part by default', async () => {
    expect(ids(await fhir.get('/Patient?name=smi'))).toEqual(['v-1', 'v-2', 'v-3']);
    expect(ids(await fhir.get('/Patient?family=SMITH'))).toEqual(['v-1', 'v-2']);
    expect(ids(await fhir.get('/Patient?given=jose'))).toEqual(['v-2']);
    expect(ids(await fhir.get('/Patient?address-city=bakers'))).toEqual(['v-1']);
  });
  it(':exact matches the whole text with case and accents; :contains matches anywhere', async () => {
    expect(ids(await fhir.get('/Patient?family:exact=Smith'))).toEqual(['v-1']);
    expect(ids(await fhir.get('/Patient?family:exact=smith'))).toEqual([]);
    expect(ids(await fhir.get('/Patient?family:contains=ithe'))).toEqual(['v-2']);
  });
  it('matches prefixes longer than the 100 characters the index holds exactly', async () => {
    const family = `${'Ab'.repeat(55)}Tail`; // 114 characters
    expect((await fhir.put('/Patient/v-long', patient('v-long', family, 'Long', '1970-01-01'))).status).toBe(201);
    const search = async (prefix: string) => ids(await fhir.get(`/Patient?family=${encodeURIComponent(prefix)}`));
    expect(await search(family.slice(0, 100))).toEqual(['v-long']);
    expect(await search(family.slice(0, 112))).toEqual(['v-long']);
    // the same first 100 characters, a different 101st: only the full comparison tells them apart
    expect(await search(`${family.slice(0, 100)}x`)).toEqual([]);
    expect(await search(`${family}x`)).toEqual([]);
    expect((await fhir.delete('/Patient/v-long')).status).toBe(200);
  });
  it('treats LIKE wildcards and SQL text as plain text', async () => {
    expect(ids(await fhir.get('/Patient?name=%25'))).toEqual([]);
    expect(ids(await fhir.get('/Patient?name=_mith'))).toEqual([]);
    expect(ids(await fhir.get(`/Patient?name=${encodeURIComponent("x' OR 1=1 --")}`))).toEqual([]);
  });
});

describe('date search (search.html#date)', () => {
  it('compares precision ranges with every prefix', async () => {
    expect(ids(await fhir.get('/Patient?birthdate=1980'))).toEqual(['v-1']);
    expect(ids(await fhir.get('/Patient?birthdate=1990-06-01'))).toEqual([]); // 1990 is not within one day
    expect(ids(await fhir.get('/Patient?birthdate=ge1990-01-01'))).toEqual(['v-2', 'v-3']);
    expect(ids(await fhir.get('/Patient?birthdate=lt1990'))).toEqual(['v-1']);
    expect(ids(await fhir.get('/Patient?birthdate=ne1980-05-17'))).toEqual(['v-2', 'v-3']);
    expect(ids(await fhir.get('/Patient?birthdate=sa1990'))).toEqual(['v-3']);
    expect(ids(await fhir.get('/Patient?birthdate=eb1990'))).toEqual(['v-1']);
  });
  it('matches a Timing by its events and its repeat bounds (ServiceRequest occurrenceTiming)', async () => {
    const sr = (id: string, occurrenceTiming: object) => ({ resourceType: 'ServiceRequest', id, status: 'active', intent: 'order', subject: { reference: 'Patient/v-1' }, occurrenceTiming });
    expect((await fhir.put('/ServiceRequest/tm-events', sr('tm-events', { event: ['2026-03-02', '2026-04-06'] }))).status).toBe(201);
    expect((await fhir.put('/ServiceRequest/tm-bounds', sr('tm-bounds', { repeat: { boundsPeriod: { start: '2026-06-01', end: '2026-06-30' }, frequency: 1, period: 1, periodUnit: 'wk' } }))).status).toBe(201);
    expect(ids(await fhir.get('/ServiceRequest?occurrence=2026-04-06&_id=tm-events,tm-bounds'))).toEqual(['tm-events']);
    expect(ids(await fhir.get('/ServiceRequest?occurrence=2026-05&_id=tm-events,tm-bounds'))).toEqual([]);
    // eq: the bounds (all of June) lie within the month searched, not within one of its days
    expect(ids(await fhir.get('/ServiceRequest?occurrence=2026-06&_id=tm-events,tm-bounds'))).toEqual(['tm-bounds']);
    expect(ids(await fhir.get('/ServiceRequest?occurrence=2026-06-15&_id=tm-events,tm-bounds'))).toEqual([]);
    expect(ids(await fhir.get('/ServiceRequest?occurrence=ge2026-04&_id=tm-events,tm-bounds'))).toEqual(['tm-bounds', 'tm-events']);
    for (const id of ['tm-events', 'tm-bounds']) expect((await fhir.delete(`/ServiceRequest/${id}`)).status).toBe(200);
  });
  it('handles periods (open ends) and time zones', async () => {
    expect(ids(await fhir.get('/Encounter?date=2026-05-02'))).toEqual([]); // the stay is longer than the day
    expect(ids(await fhir.get('/Encounter?date=ge2026-05-02&date=le2026-05-02'))).toEqual(['e-1']);
    expect(ids(await fhir.get('/Encounter?date=ge2027-01-01'))).toEqual(['e-2']); // still open
    expect(ids(await fhir.get('/Encounter?date=ge2026-04-01&class=EMER'))).toEqual(['e-1']);
    // 2025-12-31T23:00-08:00 is 2026-01-01 in UTC
    expect(ids(await fhir.get('/Observation?date=2026-01-01'))).toEqual(['o-3']);
    expect(ids(await fhir.get(`/Observation?date=${encodeURIComponent('2026-05-01T10:00:00+00:00')}`))).toEqual(['o-1']);
  });
  it('rejects bad dates and prefixes with 400', async () => {
    expect((await fhir.get('/Patient?birthdate=1980-13')).status).toBe(400);
    expect((await fhir.get('/Patient?birthdate=xx1980')).status).toBe(400);
  });
});

describe('number, quantity and uri search', () => {
  it('numbers use the precision of the value; prefixes compare', async () => {
    expect(ids(await fhir.get('/RiskAssessment?probability=0.25'))).toEqual(['ra-1']);
    expect(ids(await fhir.get('/RiskAssessment?probability=0.2'))).toEqual([]);
    expect(ids(await fhir.get('/RiskAssessment?probability=gt0.2'))).toEqual(['ra-1']);
    expect((await fhir.get('/RiskAssessment?probability=abc')).status).toBe(400);
  });
  it('quantities match number|system|code, a unit without system, and prefixes', async () => {
    expect(ids(await fhir.get('/Observation?value-quantity=70.5|http://unitsofmeasure.org|kg'))).toEqual(['o-1']);
    expect(ids(await fhir.get('/Observation?value-quantity=gt50||lb'))).toEqual(['o-2']);
    expect(ids(await fhir.get('/Observation?value-quantity=ge70'))).toEqual(['o-1', 'o-2']);
    expect(ids(await fhir.get('/Observation?value-quantity=ap100'))).toEqual(['o-2']);
  });
  it('uri matches exactly, :below and :above', async () => {
    expect(ids(await fhir.get('/ValueSet?url=http://example.org/fhir/ValueSet/a/b'))).toEqual(['vs-1']);
    expect(ids(await fhir.get('/ValueSet?url=http://example.org/fhir/ValueSet/a'))).toEqual([]);
    expect(ids(await fhir.get('/ValueSet?url:below=http://example.org/fhir'))).toEqual(['vs-1']);
    expect(ids(await fhir.get('/ValueSet?url:above=http://example.org/fhir/ValueSet/a/b/c'))).toEqual(['vs-1']);
  });
});

describe('modifiers', () => {
  it('token :not, :text, :of-type and :missing', async () => {
    expect(ids(await fhir.get('/Task?status:not=requested'))).toEqual(['t-2']);
    expect(ids(await fhir.get('/Observation?code:text=body'))).toEqual(['o-1', 'o-2', 'o-3']);
    expect(ids(await fhir.get('/Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|C1'))).toEqual(['v-1']);
    expect(ids(await fhir.get('/Task?owner:missing=true'))).toEqual(['t-2']);
    expect(ids(await fhir.get('/Task?owner:missing=false'))).toEqual(['t-1']);
    expect(ids(await fhir.get('/Observation?value-quantity:missing=true'))).toEqual(['o-3']);
  });
  it('an unknown modifier is 400 with handling=strict, a warning otherwise', async () => {
    const strict = await fhir.get('/Task?status:bogus=x', { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    const lenient = await fhir.get('/Task?status:bogus=x');
    expect(ids(lenient)).toEqual(['t-1', 't-2']);
  });
});

describe('chaining and _has (search.html#chaining, #has)', () => {
  it('chains through references, with and without a type, several levels deep', async () => {
    expect(ids(await fhir.get('/Task?patient.identifier=urn:cin|C2'))).toEqual(['t-2']);
    expect(ids(await fhir.get('/Observation?subject:Patient.name=jones'))).toEqual(['o-3']);
    expect(ids(await fhir.get('/Observation?subject:Patient.family=smi&subject:Patient.given=ana'))).toEqual(['o-1']);
    expect(ids(await fhir.get('/Observation?subject:Patient._has:Task:patient:owner.name=kern'))).toEqual(['o-1']);
  });
  it('_has finds resources referred to by matching ones, nested', async () => {
    expect(ids(await fhir.get('/Patient?_has:Task:patient:status=requested'))).toEqual(['v-1']);
    expect(ids(await fhir.get('/Patient?_has:Observation:subject:value-quantity=gt80'))).toEqual(['v-2']);
    expect(ids(await fhir.get('/Organization?_has:Task:owner:_has:AuditEvent:entity:outcome=0'))).toEqual([]);
    expect((await fhir.get('/Patient?_has:Task')).status).toBe(400);
  });
});

describe('_include and _revinclude (search.html#include)', () => {
  it('adds referenced and referring resources marked include', async () => {
    const inc = await fhir.get('/Task?_id=t-1&_include=Task:patient&_include=Task:owner');
    expect(ids(inc)).toEqual(['t-1']);
    expect(ids(inc, 'include')).toEqual(['org-1', 'v-1']);
    const rev = await fhir.get('/Patient?_id=v-1&_revinclude=Task:patient&_revinclude=Observation:subject');
    expect(ids(rev)).toEqual(['v-1']);
    expect(ids(rev, 'include')).toEqual(['o-1', 't-1']);
    const iterate = await fhir.get('/Observation?_id=o-1&_include=Observation:subject&_revinclude:iterate=Task:patient');
    expect(ids(iterate, 'include')).toEqual(['t-1', 'v-1']);
    const star = await fhir.get('/Task?_id=t-1&_include=*');
    expect(ids(star, 'include')).toEqual(['org-1', 'v-1']);
  });
});

describe('sorting, paging, compartments and system search', () => {
  it('sorts on any parameter, descending with -, and pages with keyset links that survive writes', async () => {
    const sorted = await fhir.get('/Patient?_sort=-birthdate&_count=2');
    expect(sorted.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['v-3', 'v-2']);
    const next = sorted.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    // a new first-sorting patient written between pages does not shift the next page
    await fhir.put('/Patient/v-0', patient('v-0', 'Young', 'Zed', '2020-01-01'));
    const page2 = await fhir.get(next.replace('http://localhost:8080/fhir', ''));
    expect(page2.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['v-1']);
    const previous = page2.body.link.find((l: { relation: string }) => l.relation === 'previous').url as string;
    const back = await fhir.get(previous.replace('http://localhost:8080/fhir', ''));
    expect(back.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['v-3', 'v-2']);
    expect((await fhir.get('/Patient?_cursor=garbage')).status).toBe(400);
    await fhir.delete('/Patient/v-0');
  });
  it('searches a patient compartment, one type or all', async () => {
    expect(ids(await fhir.get('/Patient/v-1/Task'))).toEqual(['t-1']);
    expect(ids(await fhir.get('/Patient/v-1/*'))).toEqual(['e-1', 'o-1', 'ra-1', 't-1']);
    expect(ids(await fhir.get('/Patient/v-1/Observation?date=2026-05'))).toEqual(['o-1']);
  });
  it('searches across types with _type', async () => {
    expect(ids(await fhir.get('/?_type=Task,Organization&_id=t-1,org-1,v-1'))).toEqual(['org-1', 't-1']);
    expect((await fhir.get('/?_type=Nope')).status).toBe(400);
  });
});

describe('$reindex', () => {
  it('rebuilds index rows from the stored resources (system and type level)', async () => {
    const typeLevel = await fhir.post('/Patient/$reindex', { resourceType: 'Parameters' });
    expect(typeLevel.status).toBe(200);
    expect(typeLevel.body.parameter[0]).toEqual({ name: 'count', valueInteger: 3 });
    expect(ids(await fhir.get('/Patient?name=smi'))).toEqual(['v-1', 'v-2', 'v-3']);
    const system = await fhir.post('/$reindex', { resourceType: 'Parameters' });
    expect(system.body.parameter[0].valueInteger).toBeGreaterThan(10);
    expect(ids(await fhir.get('/Task?patient.identifier=urn:cin|C2'))).toEqual(['t-2']);
    expect((await fhir.get('/$reindex')).status).toBe(405);
  });
});
