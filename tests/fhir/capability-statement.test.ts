import { describe, expect, it } from 'vitest';
import { R4_RESOURCE_TYPES } from '../../src/fhir/resource-types.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const { fhir } = useFhirServer();


describe('GET /metadata (http.html#capabilities)', () => {
  it('lists exactly the 146 R4 resource types, none of Medplum\'s own', async () => {
    const res = await fhir.get('/metadata');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('CapabilityStatement');
    expect(res.body.fhirVersion).toBe('4.0.1');
    expect(res.body.kind).toBe('instance');
    const types = res.body.rest[0].resource.map((r: { type: string }) => r.type);
    expect(types).toHaveLength(146);
    expect(new Set(types)).toEqual(new Set(R4_RESOURCE_TYPES));
    for (const medplumOnly of ['Project', 'Bot', 'ClientApplication', 'SubscriptionStatus', 'AccessPolicy']) expect(types).not.toContain(medplumOnly);
  });

  it('states the interactions and the search parameters the server really handles', async () => {
    const res = await fhir.get('/metadata');
    const patient = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.interaction.map((i: { code: string }) => i.code).sort()).toEqual(
      ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread'].sort(),
    );
    expect(patient.versioning).toBe('versioned-update');
    expect(patient.conditionalDelete).toBe('single');
    const params = patient.searchParam.map((p: { name: string }) => p.name);
    expect(params).toContain('_id');
    expect(params).toContain('identifier');
    expect(params).toEqual(expect.arrayContaining(['_lastUpdated', '_tag', '_security']));
    // every advertised parameter is accepted in strict mode
    for (const p of patient.searchParam) {
      const value = p.type === 'date' ? 'ge2020-01-01' : 'x';
      const r = await fhir.get(`/Patient?${p.name}=${value}`, { prefer: 'handling=strict' });
      expect(r.status, p.name).toBe(200);
    }
    expect(res.body.rest[0].interaction.map((i: { code: string }) => i.code)).toEqual(['transaction', 'batch', 'history-system']);
    expect(res.body.format).toContain('application/fhir+json');
  });

  it('lists our profiles as supportedProfile of their types (profiles/)', async () => {
    const res = await fhir.get('/metadata');
    const of = (type: string) => res.body.rest[0].resource.find((r: { type: string }) => r.type === type).supportedProfile;
    const B = 'https://ecm-fhir.example.org/fhir/StructureDefinition';
    expect(of('Patient')).toEqual([`${B}/ecm-member`]);
    expect(of('Task')).toEqual([`${B}/ecm-referral-task`]);
    expect([...of('ServiceRequest')].sort()).toEqual([`${B}/ecm-authorization`, `${B}/ecm-referral`]);
    expect(of('Observation')).toBeUndefined();
  });

  it('announces the subscription topics on Subscription, as the R4 Subscriptions Backport IG asks', async () => {
    const res = await fhir.get('/metadata');
    const subscription = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'Subscription');
    const BP = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
    expect(subscription.extension).toEqual([{ url: `${BP}/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: 'https://ecm-fhir.example.org/fhir/SubscriptionTopic/referral-task-status' }]);
    expect(subscription.supportedProfile).toEqual([`${BP}/backport-subscription`]);
    expect(subscription.interaction.map((i: { code: string }) => i.code)).toContain('create');
  });

  it('is refused in XML (406)', async () => {
    expect((await fhir.get('/metadata?_format=xml')).status).toBe(406);
  });
});
