import type { ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { TestMember } from '../eligibility-fixtures.ts';

/**
 * A referral triggers $ecm-eligibility for its member (CLR-ANY-SOURCE, REF-SCREEN-ASSIGN): the
 * result is attached to the referral (supportingInfo) with the POF Conditions it wrote.
 */
const { fhir } = useFhirServer();
const B = 'https://ecm-fhir.example.org/fhir';

function referral(member: string) {
  return {
    resourceType: 'ServiceRequest', status: 'active', intent: 'order',
    category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm-referral' }] }],
    code: { coding: [{ system: `${B}/CodeSystem/ecm-referral-type`, code: 'ecm' }] },
    subject: { reference: `Patient/${member}` }, authoredOn: '2026-11-20T09:00:00-08:00', requester: { reference: 'Organization/clinic' },
  };
}

describe('a new ECM referral runs $ecm-eligibility for its member', () => {
  it('an eligible member: the POF Conditions are written and the result is attached to the referral', async () => {
    const m = new TestMember('re-1', '1980-01-01');
    // within the trailing 6 months of any date in late 2026 (DATE-UNITS): 5 ED visits
    ['2026-07-01', '2026-07-15', '2026-08-01', '2026-08-15', '2026-09-01'].forEach((d) => m.ed(d));
    expect((await fhir.post('', m.bundle())).status).toBe(200);
    const res = await fhir.post('/ServiceRequest', referral('re-1'));
    expect(res.status, res.text).toBe(201);
    const attached: string[] = res.body.supportingInfo.map((s: { reference: string }) => s.reference);
    const doc = attached.find((r) => r.startsWith('DocumentReference/'));
    const conditions = attached.filter((r) => r.startsWith('Condition/'));
    expect(conditions).toHaveLength(1);
    const condition = (await fhir.get(`/${conditions[0]}`)).body;
    expect(condition.code.coding[0].code).toBe('avoidable-utilization');
    const document = (await fhir.get(`/${doc}`)).body;
    expect(document.context.related[0].reference).toBe(`ServiceRequest/${res.body.id}`);
    const result = JSON.parse(Buffer.from(document.content[0].attachment.data, 'base64').toString('utf8'));
    expect(result.resourceType).toBe('Parameters');
    expect(result.parameter.find((p: { name: string }) => p.name === 'eligible').valueBoolean).toBe(true);
  });

  it('a member with no data: not eligible, the determination is still attached and no POF Condition is written', async () => {
    expect((await fhir.put('/Patient/re-2', { resourceType: 'Patient', id: 're-2' })).status).toBe(201);
    const res = await fhir.post('/ServiceRequest', referral('re-2'));
    expect(res.status).toBe(201);
    const attached: string[] = res.body.supportingInfo.map((s: { reference: string }) => s.reference);
    expect(attached).toHaveLength(1);
    const document = (await fhir.get(`/${attached[0]}`)).body;
    expect(document.description).toContain('not eligible');
    expect((await fhir.get('/Condition?subject=Patient/re-2')).body.entry ?? []).toEqual([]);
  });

  it('ELIG-NOT-MET-OFFER: under Partnership (notMetOffer) a member meeting no POF gets an offer Task for plan staff; Kern does not; an eligible member does not', async () => {
    const offers = async (member: string) => ((await fhir.get(`/Task?patient=Patient/${member}`)).body.entry ?? [])
      .map((e: { resource: { reasonCode?: { coding?: { code: string }[] } } }) => e.resource)
      .filter((t: { reasonCode?: { coding?: { code: string }[] } }) => t.reasonCode?.coding?.[0]?.code === 'ELIG-NOT-MET-OFFER');
    const partnership = new TestMember('re-p', '1980-01-01', { payor: 'Organization/plan-partnership' });
    expect((await fhir.post('', partnership.bundle())).status).toBe(200);
    const res = await fhir.post('/ServiceRequest', referral('re-p'));
    expect(res.status, res.text).toBe(201);
    const [offer] = await offers('re-p');
    expect(offer).toMatchObject({
      status: 'requested', intent: 'order', focus: { reference: `ServiceRequest/${res.body.id}` },
      requester: { reference: 'Organization/plan-partnership' }, owner: { reference: 'Organization/plan-partnership' },
      input: [{ valueReference: { reference: res.body.supportingInfo[0].reference } }],
    });
    expect(offer.description).toMatch(/meets no Population of Focus.*settings profile partnership/);
    expect(await offers('re-p')).toHaveLength(1);

    const kern = new TestMember('re-k', '1980-01-01', { payor: 'Organization/plan-kern' });
    expect((await fhir.post('', kern.bundle())).status).toBe(200);
    expect((await fhir.post('/ServiceRequest', referral('re-k'))).status).toBe(201);
    expect(await offers('re-k')).toEqual([]);

    const eligible = new TestMember('re-pe', '1980-01-01', { payor: 'Organization/plan-partnership' });
    ['2026-07-01', '2026-07-15', '2026-08-01', '2026-08-15', '2026-09-01'].forEach((d) => eligible.ed(d));
    expect((await fhir.post('', eligible.bundle())).status).toBe(200);
    expect((await fhir.post('/ServiceRequest', referral('re-pe'))).status).toBe(201);
    expect(await offers('re-pe')).toEqual([]);
  });

  it('a member created in the same transaction Bundle as the referral is evaluated once the entries are written', async () => {
    const m = new TestMember('re-tx', '1980-01-01');
    ['2026-07-01', '2026-07-15', '2026-08-01', '2026-08-15', '2026-09-01'].forEach((d) => m.ed(d));
    const bundle = m.bundle();
    bundle.entry!.push({ fullUrl: 'urn:uuid:6b1f0c1e-3c55-4b8e-9d3a-2f6a5e0b7c11', resource: referral('re-tx') as ServiceRequest, request: { method: 'POST', url: 'ServiceRequest' } });
    const res = await fhir.post('', bundle);
    expect(res.status, res.text).toBe(200);
    const location: string = res.body.entry.at(-1).response.location;
    const id = location.split('/')[1];
    const stored = (await fhir.get(`/ServiceRequest/${id}`)).body;
    expect(stored.meta.versionId).toBe('2'); // the determination is attached as a second version in the same transaction
    const attached: string[] = stored.supportingInfo.map((x: { reference: string }) => x.reference);
    expect(attached.filter((r) => r.startsWith('DocumentReference/'))).toHaveLength(1);
    const [condition] = attached.filter((r) => r.startsWith('Condition/'));
    expect((await fhir.get(`/${condition}`)).body.code.coding[0].code).toBe('avoidable-utilization');
  });

  it('an update of the referral does not run it again; a referral to an unknown patient is stored without one', async () => {
    const created = await fhir.post('/ServiceRequest', referral('re-2'));
    const again = await fhir.put(`/ServiceRequest/${created.body.id}`, { ...created.body, note: [{ text: 'called back' }] });
    expect(again.body.supportingInfo).toEqual(created.body.supportingInfo);
    const docs = (await fhir.get('/DocumentReference?subject=Patient/re-2')).body.entry ?? [];
    expect(docs).toHaveLength(2);
    const orphan = await fhir.post('/ServiceRequest', referral('re-none'));
    expect(orphan.status).toBe(201);
    expect(orphan.body.supportingInfo).toBeUndefined();
  });
});
