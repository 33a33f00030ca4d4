import type { Bundle, Communication, HealthcareService, Organization, Parameters, Patient, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { fhirClient } from '../../support/fhir-client.ts';

/** A small referral network for the escalation and list-removal tests (CLR-ESCALATE, CLR-LIST-REMOVAL). */

export const B = 'https://ecm-fhir.example.org/fhir';
export const FLAG_SYSTEM = `${B}/CodeSystem/ecm-task-flag`;
export const ESCALATED = `${FLAG_SYSTEM}|escalated`;
export const NOTICE_TYPE = `${B}/CodeSystem/ecm-notice-type`;
export const RULE = `${B}/CodeSystem/ecm-rule`;
export const PLAN = 'Organization/plan-kern';
export const CLINIC = 'Organization/clinic-eastside';
export type Fhir = ReturnType<typeof fhirClient>;

const cc = (system: string, code: string) => ({ coding: [{ system, code }] });

function provider(id: string, name: string): Resource[] {
  const org: Organization = { resourceType: 'Organization', id, active: true, name, identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }] };
  const service: HealthcareService = {
    resourceType: 'HealthcareService',
    id: `svc-${id}`,
    active: true,
    providedBy: { reference: `Organization/${id}` },
    category: [cc(`${B}/CodeSystem/ecm-category`, 'ecm')],
    name: `ECM at ${name}`,
  };
  return [org, service];
}

/** The plan, a referring clinic, three ECM providers and a PCP practice that is no ECM provider. */
export function network(): Resource[] {
  return [
    { resourceType: 'Organization', id: 'plan-kern', active: true, name: 'Kern (test)', type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'pay')] } as Organization,
    { resourceType: 'Organization', id: 'clinic-eastside', active: true, name: 'Eastside clinic (referrer)' } as Organization,
    { resourceType: 'Organization', id: 'kappa-pcp', active: true, name: 'Kappa PCP (not an ECM provider)' } as Organization,
    ...provider('alpha', 'Alpha Community Care'),
    ...provider('beta', 'Beta Care'),
    ...provider('gamma', 'Gamma Care'),
  ];
}

export function patient(id: string): Patient {
  return { resourceType: 'Patient', id, active: true };
}

export interface ReferralSpec {
  /** Ids: ServiceRequest `{id}`, the plan's Task `{id}-a`, the provider's Task `{id}-b`. */
  id: string;
  patient: string;
  provider: string;
  /** Task B's status; Task A is accepted by the plan. */
  status?: Task['status'];
  /** Task B's restriction.period.end; undefined = no due date. */
  due?: string;
  /** Task A's own due date, when the plan itself is late. */
  dueA?: string;
  statusA?: Task['status'];
}

function task(id: string, spec: ReferralSpec, fields: Partial<Task>): Task {
  return {
    resourceType: 'Task',
    id,
    meta: { profile: [`${B}/StructureDefinition/ecm-referral-task`] },
    intent: 'order',
    code: cc('http://hl7.org/fhir/CodeSystem/task-code', 'fulfill'),
    focus: { reference: `ServiceRequest/${spec.id}` },
    for: { reference: `Patient/${spec.patient}` },
    authoredOn: '2026-11-02T09:00:00-08:00',
    status: 'requested',
    ...fields,
  };
}

/** The referral, the referrer's Task A (owner the plan) and the plan's Task B for the provider (intermediary pattern). */
export function referralLoop(spec: ReferralSpec): Resource[] {
  const referral: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: spec.id,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${spec.patient}` },
    requester: { reference: CLINIC },
  };
  const taskA = task(`${spec.id}-a`, spec, {
    status: spec.statusA ?? 'accepted',
    requester: { reference: CLINIC },
    owner: { reference: PLAN },
    ...(spec.dueA ? { restriction: { period: { end: spec.dueA } } } : {}),
  });
  const taskB = task(`${spec.id}-b`, spec, {
    status: spec.status ?? 'requested',
    partOf: [{ reference: `Task/${spec.id}-a` }],
    requester: { reference: PLAN },
    owner: { reference: `Organization/${spec.provider}` },
    ...(spec.status && spec.status !== 'requested' ? { statusReason: { text: 'test' } } : {}),
    ...(spec.due ? { restriction: { period: { end: spec.due } } } : {}),
  });
  return [referral, taskA, taskB];
}

/** Stores resources with one transaction Bundle of PUTs. */
export async function storeAll(fhir: Fhir, resources: Resource[]): Promise<void> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
  };
  const res = await fhir.post('', bundle);
  expect(res.status, res.text).toBe(200);
}

export interface EscalateAnswer {
  count: number;
  escalated: { task: string; escalation: string; notice?: string }[];
  refused: { task: string; reason: string }[];
}

export function readEscalate(body: Parameters): EscalateAnswer {
  const ref = (parts: Parameters['parameter'], name: string) => parts?.find((p) => p.name === name)?.valueReference?.reference;
  return {
    count: body.parameter?.find((p) => p.name === 'count')?.valueInteger ?? -1,
    escalated: (body.parameter ?? [])
      .filter((p) => p.name === 'escalated')
      .map((p) => ({ task: ref(p.part, 'task')!, escalation: ref(p.part, 'escalation')!, ...(ref(p.part, 'notice') ? { notice: ref(p.part, 'notice') } : {}) })),
    refused: (body.parameter ?? [])
      .filter((p) => p.name === 'refused')
      .map((p) => ({ task: ref(p.part, 'task')!, reason: p.part?.find((x) => x.name === 'reason')?.valueString ?? '' })),
  };
}

export async function escalate(fhir: Fhir, now?: string): Promise<EscalateAnswer> {
  const res = await fhir.post('/$ecm-clr-escalate', { resourceType: 'Parameters', parameter: now ? [{ name: 'now', valueDateTime: now }] : [] });
  expect(res.status, res.text).toBe(200);
  return readEscalate(res.body);
}

export async function searchAll<T extends Resource>(fhir: Fhir, query: string): Promise<T[]> {
  const res = await fhir.get(`/${query}${query.includes('?') ? '&' : '?'}_count=100`);
  expect(res.status, res.text).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource as T);
}

export async function read<T extends Resource>(fhir: Fhir, reference: string): Promise<T> {
  const res = await fhir.get(`/${reference}`);
  expect(res.status, res.text).toBe(200);
  return res.body as T;
}

export function expectRule(outcome: { issue?: { details?: { coding?: { system?: string; code?: string }[] } }[] }, rule: string): void {
  expect(outcome.issue?.some((i) => i.details?.coding?.some((c) => c.system === RULE && c.code === rule)), JSON.stringify(outcome)).toBe(true);
}

/** A recorded technical-assistance event: the plan's Communication to the provider (CLR-LIST-REMOVAL). */
export function technicalAssistance(id: string, providerId: string, status: Communication['status'] = 'completed'): Communication {
  return {
    resourceType: 'Communication',
    id,
    status,
    category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'notice' }] }, { coding: [{ system: NOTICE_TYPE, code: 'technical-assistance' }] }],
    sent: '2026-11-20T10:00:00-08:00',
    sender: { reference: PLAN },
    recipient: [{ reference: `Organization/${providerId}` }],
    payload: [{ contentString: 'Call with the provider about late referral responses; response workflow reviewed.' }],
  };
}
