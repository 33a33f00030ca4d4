import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { referral } from '../authorization/authorization-support.ts';

/**
 * Referral intake coding: the source type (REF-SOURCE-CODES), intake channel (REF-CHANNELS) and
 * referral type (REF-TYPE) are stored on the referral and searchable, and any plan's referral form
 * is kept as a DocumentReference in its supportingInfo (REF-ANY-FORM).
 */
const { fhir } = useFhirServer();
const B = 'https://ecm-fhir.example.org/fhir';

const coded = (system: string, code: string) => ({ coding: [{ system: `${B}/CodeSystem/${system}`, code }] });

function codedReferral(id: string, patient: string, source: string, channel: string, type: string, form?: string) {
  return {
    ...referral(id, patient),
    code: coded('ecm-referral-type', type),
    extension: [
      { url: `${B}/StructureDefinition/ext-referral-source-type`, valueCodeableConcept: coded('ecm-referral-source-type', source) },
      { url: `${B}/StructureDefinition/ext-referral-channel`, valueCodeableConcept: coded('ecm-referral-channel', channel) },
    ],
    ...(form ? { supportingInfo: [{ reference: form }] } : {}),
  };
}

const ids = async (query: string) => ((await fhir.get(query)).body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id).sort();

describe('referral intake coding (REF-SOURCE-CODES, REF-CHANNELS, REF-TYPE, REF-ANY-FORM)', () => {
  it('stores source type, channel and type on the referral, searchable by each, and keeps the attached form', async () => {
    expect((await fhir.put('/Patient/intake-1', { resourceType: 'Patient', id: 'intake-1' })).status).toBe(201);
    const form = {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: 'Patient/intake-1' },
      description: 'Another Medi-Cal plan’s ECM referral form, faxed',
      content: [{ attachment: { contentType: 'application/pdf', title: 'referral-form.pdf', data: Buffer.from('%PDF-1.4 form').toString('base64') } }],
    };
    const tx = await fhir.post('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:7d0f0c1e-0000-4000-8000-000000000001', resource: form, request: { method: 'POST', url: 'DocumentReference' } },
        { resource: codedReferral('intake-cbo-fax', 'intake-1', 'cbo', 'fax', 'chw', 'urn:uuid:7d0f0c1e-0000-4000-8000-000000000001'), request: { method: 'PUT', url: 'ServiceRequest/intake-cbo-fax' } },
        { resource: codedReferral('intake-self-phone', 'intake-1', 'self', 'phone', 'ecm'), request: { method: 'PUT', url: 'ServiceRequest/intake-self-phone' } },
      ],
    });
    expect(tx.status).toBe(200);

    expect(await ids(`/ServiceRequest?referral-source-type=${B}/CodeSystem/ecm-referral-source-type|cbo`)).toEqual(['intake-cbo-fax']);
    expect(await ids(`/ServiceRequest?referral-source-type=self`)).toEqual(['intake-self-phone']);
    expect(await ids(`/ServiceRequest?referral-channel=${B}/CodeSystem/ecm-referral-channel|fax`)).toEqual(['intake-cbo-fax']);
    expect(await ids(`/ServiceRequest?referral-channel=phone&subject=Patient/intake-1`)).toEqual(['intake-self-phone']);
    expect(await ids(`/ServiceRequest?code=${B}/CodeSystem/ecm-referral-type|chw`)).toEqual(['intake-cbo-fax']);

    const stored = (await fhir.get('/ServiceRequest/intake-cbo-fax')).body;
    // the form sent with the referral stays first (an eligibility determination, when one is made, is added after it)
    const formRef = (stored.supportingInfo as { reference: string }[])[0].reference;
    expect(formRef).toMatch(/^DocumentReference\//);
    const doc = (await fhir.get(`/${formRef}`)).body;
    expect(doc.content[0].attachment).toMatchObject({ contentType: 'application/pdf', title: 'referral-form.pdf' });
    expect(Buffer.from(doc.content[0].attachment.data, 'base64').toString()).toBe('%PDF-1.4 form');
  });
});
