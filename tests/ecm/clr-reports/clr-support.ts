import type { Organization, Patient, Resource, Task } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { systemAccess } from '../../../src/auth/access-context.ts';

export const B = 'https://ecm-fhir.example.org/fhir';
export const CIN = 'https://ecm-fhir.example.org/sid/medi-cal-cin';
export const NPI = 'http://hl7.org/fhir/sid/us-npi';
export const TIN = 'urn:oid:2.16.840.1.113883.4.4';
export const STATUS = `${B}/CodeSystem/ecm-referral-status`;
export const REASON = `${B}/CodeSystem/ecm-loop-closure-reason`;
export const RESPONSE_DATE = `${B}/StructureDefinition/ext-response-date`;

/** Stores resources as they are (test data in any state, bypassing the write rules). */
export async function store(app: FastifyInstance, ...resources: (Resource & { id: string })[]): Promise<void> {
  await app.fhir.repo.write(systemAccess, resources.map((resource) => ({ kind: 'create' as const, resource })));
}

export function organization(id: string, type: 'pay' | 'prov', npi?: string, tin?: string): Organization & { id: string } {
  const identifier = [...(npi ? [{ system: NPI, value: npi }] : []), ...(tin ? [{ system: TIN, value: tin }] : [])];
  return {
    resourceType: 'Organization',
    id,
    name: `Org ${id}`,
    ...(identifier.length ? { identifier } : {}),
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: type }] }],
  };
}

export function member(id: string, cin: string): Patient & { id: string } {
  return { resourceType: 'Patient', id, identifier: [{ system: CIN, value: cin }], name: [{ family: 'Test', given: [id] }] };
}

export interface TaskSpec {
  id: string;
  owner: string;
  requester?: string;
  patient?: string;
  status: Task['status'];
  authoredOn: string;
  response?: string;
  lastModified?: string;
  due?: string;
  reason?: string;
  reasonText?: string;
  business?: string;
  partOf?: string;
  code?: string;
}

/** A referral Task (code task-code#fulfill) in any state. */
export function referralTask(s: TaskSpec): Task & { id: string } {
  return {
    resourceType: 'Task',
    id: s.id,
    status: s.status,
    intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: s.code ?? 'fulfill' }] },
    for: { reference: `Patient/${s.patient ?? 'm-1'}` },
    requester: { reference: `Organization/${s.requester ?? 'clinic'}` },
    owner: { reference: `Organization/${s.owner}` },
    authoredOn: s.authoredOn,
    ...(s.partOf ? { partOf: [{ reference: `Task/${s.partOf}` }] } : {}),
    ...(s.lastModified ? { lastModified: s.lastModified } : {}),
    ...(s.response ? { extension: [{ url: RESPONSE_DATE, valueDateTime: s.response }] } : {}),
    ...(s.due ? { restriction: { period: { end: s.due } } } : {}),
    ...(s.business ? { businessStatus: { coding: [{ system: STATUS, code: s.business }] } } : {}),
    ...(s.reason || s.reasonText ? { statusReason: { ...(s.reason ? { coding: [{ system: REASON, code: s.reason }] } : {}), ...(s.reasonText ? { text: s.reasonText } : {}) } } : {}),
  };
}

/** The named part values of one Parameters part list. */
export function parts(list: { name?: string; [k: string]: unknown }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of list ?? []) {
    const key = Object.keys(p).find((k) => k.startsWith('value'));
    out[p.name!] = key ? p[key] : p;
  }
  return out;
}
