import type { Task } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository, WriteOp } from '../../fhir/repository.ts';
import { readMany } from '../assignment/search-all.ts';
import { planStaffTask } from '../plan-staff-task.ts';
import type { EligibilityDecision } from './evaluate-eligibility.ts';

const RULE = 'EXCL-PLAN-CM';

/** A member decided with persist=true: the decision and the plan(s) paying for their coverage. */
export interface PersistedDecision {
  patientId: string;
  decision: EligibilityDecision;
  payors: string[];
}

function followUpTask(d: PersistedDecision): (Task & { id: string }) | undefined {
  const exclusion = d.decision.exclusions.find((e) => e.code === RULE && e.met);
  if (!exclusion) return undefined;
  // one follow-up per member and plan case-management enrollment: a second run (or the population
  // run after a per-member one) finds the Task instead of adding one
  return planStaffTask({
    idPrefix: 'ecm-plan-cm',
    key: `${d.patientId}|${[...exclusion.evidence].sort().join(',')}`,
    rule: RULE,
    reason: exclusion.reason,
    description:
      'The member is in the plan’s basic or complex case management, so ECM is not offered now (EXCL-PLAN-CM). ' +
      'Set the right level of case management with the member, caregiver or authorized representative and the care team.',
    patientId: d.patientId,
    ...(exclusion.evidence[0] ? { focus: exclusion.evidence[0] } : {}),
    ...(d.payors[0] ? { plan: d.payors[0] } : {}),
    input: exclusion.evidence.map((reference) => ({ type: 'evidence', reference })),
  });
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
