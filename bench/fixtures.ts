import { randomUUID } from 'node:crypto';

/** Test data: plain, valid R4 resources of a realistic size (~0.5 kB Patient, ~0.4 kB Observation). */

const FAMILY = ['Garcia', 'Nguyen', 'Smith', 'Hernandez', 'Kim', 'Lopez', 'Johnson', 'Patel'];
const GIVEN = ['Maria', 'Jose', 'Linh', 'James', 'Ana', 'David', 'Soo-jin', 'Priya'];

export function patient(n: number, id?: string): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: `bench-${n}` }],
    active: true,
    name: [{ use: 'official', family: FAMILY[n % FAMILY.length], given: [GIVEN[n % GIVEN.length], `N${n}`] }],
    telecom: [{ system: 'phone', value: `555-${String(n % 10_000).padStart(4, '0')}`, use: 'home' }],
    gender: n % 2 === 0 ? 'female' : 'male',
    birthDate: `19${String(40 + (n % 60)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 10}`,
    address: [{ use: 'home', line: [`${n} Main St`], city: 'Sacramento', state: 'CA', postalCode: '95814' }],
  };
}

export function observation(n: number, subject: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: subject },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: { value: 60 + (n % 40), unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

/** A transaction of `patients` POSTed Patients (urn:uuid fullUrls), each with one Observation referencing it. */
export function transactionBundle(patients: number, offset = 0): Record<string, unknown> {
  const entry: unknown[] = [];
  const observations: unknown[] = [];
  for (let i = 0; i < patients; i++) {
    const fullUrl = `urn:uuid:${randomUUID()}`;
    entry.push({ fullUrl, resource: patient(offset + i), request: { method: 'POST', url: 'Patient' } });
    observations.push({ fullUrl: `urn:uuid:${randomUUID()}`, resource: observation(offset + i, fullUrl), request: { method: 'POST', url: 'Observation' } });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: [...entry, ...observations] };
}

/** Patients only (for the preload). */
export function patientBundle(count: number, offset = 0): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: count }, (_, i) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: patient(offset + i),
      request: { method: 'POST', url: 'Patient' },
    })),
  };
}
