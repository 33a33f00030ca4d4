import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

const { fhir } = useFhirServer();
const CIN = 'https://ecm-fhir.example.org/sid/medi-cal-cin';


const member = (cin: string, extra: object = {}) => ({ resourceType: 'Patient', identifier: [{ system: CIN, value: cin }], ...extra });
const count = async (query: string) => (await fhir.get(`/Patient?${query}`)).body.total as number;

describe('conditional create: If-None-Exist (http.html#ccreate)', () => {
  it('creates when nothing matches, returns the match (200) when one does, 412 when several do', async () => {
    const first = await fhir.post('/Patient', member('C-1'), { 'if-none-exist': `identifier=${CIN}|C-1` });
    expect(first.status).toBe(201);
    const second = await fhir.post('/Patient', member('C-1', { active: true }), { 'if-none-exist': `identifier=${CIN}|C-1` });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.active).toBeUndefined();
    expect(await count(`identifier=${encodeURIComponent(`${CIN}|C-1`)}`)).toBe(1);

    await fhir.post('/Patient', member('C-dup'));
    await fhir.post('/Patient', member('C-dup'));
    const many = await fhir.post('/Patient', member('C-dup'), { 'if-none-exist': 'identifier=C-dup' });
    expect(many.status).toBe(412);
    expect(await count('identifier=C-dup')).toBe(2);
  });

  it('matches by _id too, and refuses criteria it cannot evaluate (400) rather than ignore them', async () => {
    await fhir.put('/Patient/cc-id', { resourceType: 'Patient', id: 'cc-id' });
    const byId = await fhir.post('/Patient', { resourceType: 'Patient' }, { 'if-none-exist': '_id=cc-id' });
    expect(byId.status).toBe(200);
    expect(byId.body.id).toBe('cc-id');
    const unknown = await fhir.post('/Patient', { resourceType: 'Patient' }, { 'if-none-exist': 'nonsense=1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].diagnostics).toContain('nonsense');
  });
});

describe('conditional update: PUT [type]?criteria (http.html#cond-update)', () => {
  it('creates on no match, updates the one match, 412 on several', async () => {
    const created = await fhir.put(`/Patient?identifier=${CIN}|U-1`, member('U-1'));
    expect(created.status).toBe(201);
    const updated = await fhir.put(`/Patient?identifier=${CIN}|U-1`, member('U-1', { active: true }));
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');

    await fhir.post('/Patient', member('U-dup'));
    await fhir.post('/Patient', member('U-dup'));
    const many = await fhir.put('/Patient?identifier=U-dup', member('U-dup', { active: true }));
    expect(many.status).toBe(412);
  });

  it('refuses a body id that differs from the match (400)', async () => {
    const created = await fhir.put(`/Patient?identifier=U-2`, member('U-2'));
    const res = await fhir.put('/Patient?identifier=U-2', { ...member('U-2'), id: 'someone-else' });
    expect(res.status).toBe(400);
    expect((await fhir.get(`/Patient/${created.body.id}`)).body.meta.versionId).toBe('1');
  });
});

describe('conditional delete: DELETE [type]?criteria (http.html#cdelete)', () => {
  it('deletes the one match, does nothing on no match, 412 on several', async () => {
    const created = await fhir.post('/Patient', member('D-1'));
    const del = await fhir.delete('/Patient?identifier=D-1');
    expect(del.status).toBe(200);
    expect((await fhir.get(`/Patient/${created.body.id}`)).status).toBe(410);
    const none = await fhir.delete('/Patient?identifier=D-none');
    expect(none.status).toBe(200);
    expect(none.body.issue[0].diagnostics).toContain('nothing was deleted');
    await fhir.post('/Patient', member('D-dup'));
    await fhir.post('/Patient', member('D-dup'));
    expect((await fhir.delete('/Patient?identifier=D-dup')).status).toBe(412);
    expect(await count('identifier=D-dup')).toBe(2);
  });

  it('never deletes on criteria it does not understand', async () => {
    await fhir.post('/Patient', member('D-keep'));
    const res = await fhir.delete('/Patient?not-a-param=x');
    expect(res.status).toBe(400);
    expect(await count('identifier=D-keep')).toBe(1);
  });
});
