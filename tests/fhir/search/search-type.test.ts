import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir, app } = useFhirServer();
const CIN = 'urn:cin';
const ids = (res: { body: { entry?: { resource?: { id: string }; search?: { mode: string } }[] } }) =>
  (res.body.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let between = '';

beforeAll(async () => {
  await fhir.put('/Patient/s-1', { resourceType: 'Patient', id: 's-1', identifier: [{ system: CIN, value: 'A1' }], gender: 'female', meta: { tag: [{ system: 'urn:program', code: 'ecm' }] } });
  await fhir.put('/Patient/s-2', { resourceType: 'Patient', id: 's-2', identifier: [{ system: CIN, value: 'A2' }, { value: 'LOCAL-9' }], gender: 'male' });
  await sleep(20);
  between = new Date().toISOString();
  await sleep(20);
  await fhir.put('/Patient/s-3', { resourceType: 'Patient', id: 's-3', identifier: [{ system: 'urn:other', value: 'A1' }], gender: 'female', meta: { security: [{ system: 'urn:sec', code: 'R' }] } });
});

describe('token search (search.html#token)', () => {
  it('matches code, system|code, |code and system|, OR on commas and AND on repeats', async () => {
    expect(ids(await fhir.get('/Patient?identifier=A1')).sort()).toEqual(['s-1', 's-3']);
    expect(ids(await fhir.get(`/Patient?identifier=${CIN}|A1`))).toEqual(['s-1']);
    expect(ids(await fhir.get('/Patient?identifier=|LOCAL-9'))).toEqual(['s-2']);
    expect(ids(await fhir.get(`/Patient?identifier=${CIN}|`)).sort()).toEqual(['s-1', 's-2']);
    expect(ids(await fhir.get(`/Patient?identifier=${CIN}|A1,${CIN}|A2`)).sort()).toEqual(['s-1', 's-2']);
    expect(ids(await fhir.get(`/Patient?identifier=${CIN}|&gender=female`))).toEqual(['s-1']);
    expect(ids(await fhir.get('/Patient?gender=female&gender=male'))).toEqual([]);
  });

  it('finds by _tag, _security and _id', async () => {
    expect(ids(await fhir.get('/Patient?_tag=urn:program|ecm'))).toEqual(['s-1']);
    expect(ids(await fhir.get('/Patient?_security=R'))).toEqual(['s-3']);
    expect(ids(await fhir.get('/Patient?_id=s-2,s-3')).sort()).toEqual(['s-2', 's-3']);
  });

  it('finds by _profile and _source (meta.profile, meta.source)', async () => {
    const profile = 'http://hl7.org/fhir/StructureDefinition/Patient';
    const put = await fhir.put('/Patient/s-meta', { resourceType: 'Patient', id: 's-meta', meta: { profile: [profile], source: 'http://ehr.example.org/fhir#import-7' } });
    expect(put.status, put.text).toBe(201);
    expect(ids(await fhir.get(`/Patient?_profile=${encodeURIComponent(profile)}`))).toEqual(['s-meta']);
    expect(ids(await fhir.get(`/Patient?_source=${encodeURIComponent('http://ehr.example.org/fhir#import-7')}`))).toEqual(['s-meta']);
    expect(ids(await fhir.get(`/Patient?_source=${encodeURIComponent('http://ehr.example.org/fhir#other')}`))).toEqual([]);
    expect((await fhir.delete('/Patient/s-meta')).status).toBe(200);
  });

  it('drops deleted resources from results', async () => {
    await fhir.put('/Patient/s-del', { resourceType: 'Patient', id: 's-del', identifier: [{ system: CIN, value: 'DEL' }] });
    await fhir.delete('/Patient/s-del');
    expect((await fhir.get(`/Patient?identifier=${CIN}|DEL`)).body.total).toBe(0);
  });

  it('replaces the index rows of every kind on update, delete and re-create', async () => {
    const version = (value: string, family: string, birthDate: string) => ({
      resourceType: 'Patient', id: 's-idx', identifier: [{ system: CIN, value }], name: [{ family }], birthDate,
    });
    const found = async () => ids(await fhir.get(`/Patient?_id=s-idx&identifier=${CIN}|OLD&name=oldname&birthdate=1950`));
    const foundNew = async () => ids(await fhir.get(`/Patient?_id=s-idx&identifier=${CIN}|NEW&name=newname&birthdate=1990`));
    await fhir.put('/Patient/s-idx', version('OLD', 'Oldname', '1950-01-01'));
    expect(await found()).toEqual(['s-idx']);
    // In a transaction beside a create: one write statement replaces one resource's rows and adds the other's.
    const tx = await fhir.post('/', {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: version('NEW', 'Newname', '1990-01-01'), request: { method: 'PUT', url: 'Patient/s-idx' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Oldname' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(tx.status).toBe(200);
    expect(await found()).toEqual([]);
    expect(ids(await fhir.get('/Patient?identifier=OLD'))).not.toContain('s-idx');
    expect(ids(await fhir.get('/Patient?birthdate=1950-01-01'))).not.toContain('s-idx');
    expect(await foundNew()).toEqual(['s-idx']);
    await fhir.delete('/Patient/s-idx');
    expect(await foundNew()).toEqual([]);
    await fhir.put('/Patient/s-idx', version('OLD', 'Oldname', '1950-01-01'));
    expect(await found()).toEqual(['s-idx']);
    expect(await foundNew()).toEqual([]);
  });
});

describe('_lastUpdated (search.html#date, #prefix)', () => {
  it('compares with prefixes and refuses invalid dates and prefixes', async () => {
    expect(ids(await fhir.get(`/Patient?_id=s-1,s-2,s-3&_lastUpdated=gt${between}`))).toEqual(['s-3']);
    expect(ids(await fhir.get(`/Patient?_id=s-1,s-2,s-3&_lastUpdated=lt${between}`)).sort()).toEqual(['s-1', 's-2']);
    const year = between.slice(0, 4);
    expect(ids(await fhir.get(`/Patient?_id=s-1,s-2,s-3&_lastUpdated=${year}`))).toHaveLength(3);
    expect(ids(await fhir.get(`/Patient?_id=s-1,s-2,s-3&_lastUpdated=ne${year}`))).toHaveLength(0);
    expect(ids(await fhir.get(`/Patient?_id=s-1,s-2,s-3&_lastUpdated=sa${Number(year) - 1}`))).toHaveLength(3);
    expect((await fhir.get('/Patient?_lastUpdated=yesterday')).status).toBe(400);
    expect((await fhir.get('/Patient?_lastUpdated=xx2026-01-01')).status).toBe(400);
  });
});

describe('result parameters (search.html#count, #sort, #total, #summary)', () => {
  it('pages with _count and next/previous links, sorted by _sort', async () => {
    const page1 = await fhir.get('/Patient?_id=s-1,s-2,s-3&_count=2&_sort=-_id&_total=accurate');
    expect(ids(page1)).toEqual(['s-3', 's-2']);
    expect(page1.body.total).toBe(3);
    const next = page1.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    const page2 = await fhir.get(next.replace('http://localhost:8080/fhir', ''));
    expect(ids(page2)).toEqual(['s-1']);
    expect(page2.body.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();
    expect(page2.body.link.find((l: { relation: string }) => l.relation === 'previous')).toBeDefined();
    expect(ids(await fhir.get('/Patient?_id=s-1,s-2,s-3&_sort=_lastUpdated'))[2]).toBe('s-3');
  });

  it('_summary=count returns only the total; _total=none leaves it out', async () => {
    const count = await fhir.get('/Patient?gender=female&_summary=count');
    expect(count.body.total).toBe(2);
    expect(count.body.entry).toBeUndefined();
    const none = await fhir.get('/Patient?gender=female&_total=none');
    expect(none.body.total).toBeUndefined();
    expect(ids(none)).toHaveLength(2);
    expect((await fhir.get('/Patient?_total=sometimes')).status).toBe(400);
  });

  it('gives Bundle.total when the page holds every match, and counts beyond that only when asked', async () => {
    const tx = await fhir.post('/', {
      resourceType: 'Bundle', type: 'transaction',
      entry: Array.from({ length: 8 }, () => ({ resource: { resourceType: 'Basic', code: { text: 'x' }, meta: { tag: [{ system: 'urn:t', code: 'many' }] } }, request: { method: 'POST', url: 'Basic' } })),
    });
    expect(tx.status).toBe(200);
    const page = await fhir.get('/Basic?_tag=urn:t|many&_count=5');
    expect(page.body.total).toBeUndefined();
    expect(page.body.entry).toHaveLength(5);
    expect(page.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(true);
    expect((await fhir.get('/Basic?_tag=urn:t|many&_count=10')).body.total).toBe(8);
    expect((await fhir.get('/Basic?_tag=urn:t|many&_count=5&_total=estimate')).body.total).toBeUndefined();
    expect((await fhir.get('/Basic?_tag=urn:t|many&_count=5&_total=accurate')).body.total).toBe(8);
    expect((await fhir.get('/Basic?_tag=urn:t|many&_summary=count')).body.total).toBe(8);
    expect((await fhir.get('/Basic?_tag=urn:t|many&_count=0')).body.total).toBe(8);
    expect((await fhir.get('/Basic?_tag=urn:t|many&_count=10&_total=none')).body.total).toBeUndefined();
  });

  it('finds sparse matches beyond the ordered walk and pages broad ones exactly (2,100 rows of one type)', { timeout: 120_000 }, async () => {
    const bulk = Array.from({ length: 2100 }, (_, i) => ({
      resource: { resourceType: 'Substance', code: { text: 'b' }, meta: { tag: [{ system: 'urn:t', code: i % 3 === 0 ? 'third' : 'bulk' }] } },
      request: { method: 'POST', url: 'Substance' },
    }));
    // Three rare ones whose ids sort after every generated UUID: the walk over the first rows never meets them.
    const rare = ['zz-1', 'zz-2', 'zz-3'].map((id) => ({
      resource: { resourceType: 'Substance', id, code: { text: 'r' }, meta: { tag: [{ system: 'urn:t', code: 'rare' }] } },
      request: { method: 'PUT', url: `Substance/${id}` },
    }));
    expect((await fhir.post('/', { resourceType: 'Bundle', type: 'transaction', entry: [...bulk, ...rare] })).status).toBe(200);
    expect(ids(await fhir.get('/Substance?_tag=urn:t|rare'))).toEqual(['zz-1', 'zz-2', 'zz-3']);
    const seen: (string | undefined)[] = [];
    let next: string | undefined = '/Substance?_tag=urn:t|third&_count=200';
    while (next !== undefined) {
      const url: string = next;
      const res = await fhir.get(url);
      seen.push(...ids(res));
      next = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url.replace('http://localhost:8080/fhir', '');
    }
    expect(seen).toHaveLength(700);
    expect(new Set(seen).size).toBe(700);
    expect([...seen].sort()).toEqual(seen); // id order, nothing skipped or repeated
  });

  it('ignores unknown parameters with a warning and leaves them out of self, or 400 when strict', async () => {
    const res = await fhir.get('/Patient?gender=male&foo=bar');
    expect(ids(res)).toEqual(['s-2']);
    const outcome = res.body.entry.find((e: { search: { mode: string } }) => e.search.mode === 'outcome');
    expect(outcome.resource.issue[0].severity).toBe('warning');
    expect(outcome.resource.issue[0].diagnostics).toContain('foo');
    const self = res.body.link.find((l: { relation: string }) => l.relation === 'self').url as string;
    expect(self).toContain('gender=male');
    expect(self).not.toContain('foo');
    const strict = await fhir.get('/Patient?gender=male&foo=bar', { prefer: 'handling=strict' });
    expect(strict.status).toBe(400);
    expect(strict.body.issue[0].diagnostics).toContain('foo');
    expect((await fhir.get('/Patient?_count=abc')).status).toBe(400);
  });

  it('accepts POST [type]/_search with form parameters', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/fhir/Patient/_search',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `identifier=${encodeURIComponent(`${CIN}|A2`)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['s-2']);
  });
});

describe('_summary and _elements (search.html#summary, #elements)', () => {
  it('_elements keeps the listed elements, id and meta, and tags the result SUBSETTED', async () => {
    const res = await fhir.get('/Patient?_id=s-1&_elements=gender');
    const patient = res.body.entry[0].resource;
    expect(Object.keys(patient).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect(patient.meta.tag).toContainEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' });
    const read = await fhir.get('/Patient/s-1?_elements=identifier');
    expect(read.body.identifier).toBeDefined();
    expect(read.body.gender).toBeUndefined();
  });

  it('_summary=true keeps summary elements, _summary=data drops the narrative, bad values are 400', async () => {
    await fhir.put('/Patient/s-sum', {
      resourceType: 'Patient',
      id: 's-sum',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
      gender: 'other',
      maritalStatus: { text: 'single' },
      deceasedBoolean: false,
    });
    const summary = (await fhir.get('/Patient/s-sum?_summary=true')).body;
    expect(summary.gender).toBe('other');
    expect(summary.deceasedBoolean).toBe(false);
    expect(summary.maritalStatus).toBeUndefined();
    const data = (await fhir.get('/Patient?_id=s-sum&_summary=data')).body.entry[0].resource;
    expect(data.text).toBeUndefined();
    expect(data.maritalStatus).toEqual({ text: 'single' });
    // text: the narrative, id, meta and the mandatory elements only
    const text = (await fhir.get('/Patient?_id=s-sum&_summary=text')).body.entry[0].resource;
    expect(text.text.div).toContain('x</div>');
    expect(text.gender).toBeUndefined();
    expect(text.maritalStatus).toBeUndefined();
    expect((await fhir.get('/Patient?_summary=maybe')).status).toBe(400);
  });
});
