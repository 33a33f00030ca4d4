import type { HealthcareService, Organization, Resource, Task } from '@medplum/fhirtypes';

/**
 * The escalation benchmark's data: a plan, its ECM providers and `loops` referral loops of two
 * open Tasks each (the referrer's Task A, accepted by the plan, and the plan's Task B for a
 * provider). Task B of one loop in five is requested and overdue (so 10 % of all open Tasks), two
 * in five are requested and due later, two in five accepted or in progress (answered, so never
 * escalated even when past their due date).
 */
const B = 'https://ecm-fhir.example.org/fhir';
export const PLAN = 'Organization/plan-kern';
const DAY = 86_400_000;

export type LoopKind = 'overdue' | 'not-due' | 'answered';

export function loopKind(n: number): LoopKind {
  const k = n % 5;
  return k === 0 ? 'overdue' : k <= 2 ? 'not-due' : 'answered';
}

export function networkResources(providers: number): Resource[] {
  const out: Resource[] = [
    { resourceType: 'Organization', id: 'plan-kern', active: true, name: 'Kern (bench)', type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'pay' }] }] } as Organization,
    { resourceType: 'Organization', id: 'referrer-bench', active: true, name: 'Referring clinic (bench)' } as Organization,
  ];
  for (let p = 1; p <= providers; p++) {
    out.push({ resourceType: 'Organization', id: `ecm-provider-${p}`, active: true, name: `ECM provider ${p} (bench)` } as Organization);
    out.push({
      resourceType: 'HealthcareService',
      id: `svc-ecm-provider-${p}`,
      active: true,
      providedBy: { reference: `Organization/ecm-provider-${p}` },
      category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm' }] }],
    } as HealthcareService);
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Loop n: its two Tasks, ids bench-{n}-a and bench-{n}-b. */
export function loopResources(n: number, providers: number, now: number): (Task & { id: string })[] {
  const kind = loopKind(n);
  const patient = { reference: `Patient/bench-member-${n}` };
  const focus = { reference: `ServiceRequest/bench-referral-${n}` };
  const code = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };
  const meta = { profile: [`${B}/StructureDefinition/ecm-referral-task`] };
  const sent = now - (1 + (n % 20)) * DAY;
  const taskA: Task & { id: string } = {
    resourceType: 'Task',
    id: `bench-${n}-a`,
    meta,
    status: 'accepted',
    intent: 'order',
    code,
    focus,
    for: patient,
    authoredOn: iso(sent),
    requester: { reference: 'Organization/referrer-bench' },
    owner: { reference: PLAN },
  };
  const due = kind === 'overdue' ? now - (1 + (n % 10)) * DAY + 3_600_000 : kind === 'not-due' ? now + (1 + (n % 5)) * DAY : now - (n % 7) * DAY;
  const taskB: Task & { id: string } = {
    resourceType: 'Task',
    id: `bench-${n}-b`,
    meta,
    status: kind === 'answered' ? (n % 2 === 0 ? 'accepted' : 'in-progress') : 'requested',
    intent: 'order',
    code,
    focus,
    for: patient,
    partOf: [{ reference: `Task/${taskA.id}` }],
    authoredOn: iso(sent),
    requester: { reference: PLAN },
    owner: { reference: `Organization/ecm-provider-${1 + (n % providers)}` },
    businessStatus: { coding: [{ system: `${B}/CodeSystem/ecm-referral-status`, code: kind === 'answered' ? 'accepted' : 'assigned' }] },
    restriction: { period: { end: iso(due) } },
  };
  return [taskA, taskB];
}
