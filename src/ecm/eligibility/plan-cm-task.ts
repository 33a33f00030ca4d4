import { createHash } from 'node:crypto';
import type { Task } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository, WriteOp } from '../../fhir/repository.ts';
import { readMany } from '../assignment/search-all.ts';
import type { EligibilityDecision } from './evaluate-eligibility.ts';

const BASE = 'https://ecm-fhir.example.org/fhir';
const RULE = 'EXCL-PLAN-CM';

/** A member decided with persist=true: the decision and the plan(s) paying for their coverage. */
export interface PersistedDecision {
  patientId: string;
  decision: EligibilityDecision;
  payors: string[];
}

/**
 * One follow-up per member and plan case-management enrollment: the id is derived from both, so a
 * second run (or the population run after a per-member one) finds the Task instead of adding one.
 */
function taskId(patientId: string, evidence: string[]): string {
  const digest = createHash('sha256').update(`${patientId}|${[...evidence].sort().join(',')}`).digest('hex');
  return `ecm-plan-cm-${digest.slice(0, 32)}`;
}

function followUpTask(d: PersistedDecision): (Task & { id: string }) | undefined {
  const exclusion = d.decision.exclusions.find((e) => e.code === RULE && e.met);
  if (!exclusion) return undefined;
  const plan = d.payors[0];
  return {
    resourceType: 'Task',
    id: taskId(d.patientId, exclusion.evidence),
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: `${BASE}/CodeSystem/ecm-category`, code: 'care-coordination', display: 'Care coordination task' }] },
    reasonCode: { coding: [{ system: `${BASE}/CodeSystem/ecm-rule`, code: RULE }], text: exclusion.reason },
    description:
      'The member is in the plan’s basic or complex case management, so ECM is not offered now (EXCL-PLAN-CM). ' +
      'Set the right level of case management with the member, caregiver or authorized representative and the care team.',
    for: { reference: `Patient/${d.patientId}` },
    ...(exclusion.evidence[0] ? { focus: { reference: exclusion.evidence[0] } } : {}),
    authoredOn: new Date().toISOString(),
    ...(plan ? { requester: { reference: plan }, owner: { reference: plan } } : {}),
    input: exclusion.evidence.map((reference) => ({ type: { text: 'evidence' }, valueReference: { reference } })),
  };
}

/**
 * EXCL-PLAN-CM is never a silent denial: a member it excludes gets a care-coordination Task for
 * plan staff (owner the plan), with the rule, the reason and the plan case-management enrollment
 * as evidence. Written once: the Tasks that already exist (by their derived id) are left as staff
 * left them, closed ones included. One read for all the members given.
 */
export async function planCmFollowUps(repo: Repository, access: AccessContext, decided: PersistedDecision[]): Promise<WriteOp[]> {
  const tasks = decided.map(followUpTask).filter((t): t is Task & { id: string } => t !== undefined);
  if (tasks.length === 0) return [];
  const existing = await readMany<Task>(repo, access, 'Task', tasks.map((t) => t.id));
  return tasks.filter((t) => !existing.has(t.id)).map((resource) => ({ kind: 'update', resource }));
}
