import type { Organization } from '@medplum/fhirtypes';

const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

/** Managed care plans (Coverage.payor, Task.requester). */
export const PLAN_IDS = ['plan-pop-central', 'plan-pop-valley', 'plan-pop-coast'] as const;

/** ECM provider organizations (Task.owner, Encounter.serviceProvider, Communication.sender). */
export const PROVIDER_IDS = [
  'provider-pop-1', 'provider-pop-2', 'provider-pop-3', 'provider-pop-4',
  'provider-pop-5', 'provider-pop-6', 'provider-pop-7', 'provider-pop-8',
] as const;

const PLAN_NAMES = ['Central Health Plan (synthetic)', 'Valley Health Alliance (synthetic)', 'Coast Community Plan (synthetic)'];
const CITIES = ['Bakersfield', 'Fresno', 'Los Angeles', 'Sacramento', 'Stockton', 'Visalia', 'Delano', 'Modesto'];

/** The plan and provider Organizations every generated member refers to (fixed, no randomness). */
export function populationOrganizations(): Organization[] {
  const plans = PLAN_IDS.map((id, i): Organization => ({
    resourceType: 'Organization',
    id,
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'pay', display: 'Payer' }] }],
    name: PLAN_NAMES[i],
    address: [{ city: CITIES[i], state: 'CA' }],
  }));
  const providers = PROVIDER_IDS.map((id, i): Organization => ({
    resourceType: 'Organization',
    id,
    active: true,
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] }],
    name: `ECM Provider ${i + 1} (synthetic)`,
    address: [{ city: CITIES[i % CITIES.length], state: 'CA' }],
  }));
  return [...plans, ...providers];
}
