import type { SearchCriterion } from '../../fhir/repository.ts';
import { TASK_CODE_SYSTEM } from '../referral/referral-task.ts';

/** Referral Tasks: code `task-code#fulfill` (X-GRAVITY, the ecm-referral-task profile). */
export const REFERRAL_TASK_CRITERION: SearchCriterion = { kind: 'token', param: 'code', values: [{ system: TASK_CODE_SYSTEM, code: 'fulfill' }] };

/** Tasks owned by this organization (`Organization/x`). */
export function ownerCriterion(organization: string): SearchCriterion {
  return { kind: 'reference', param: 'owner', values: [{ targetType: 'Organization', targetId: organization.slice('Organization/'.length) }] };
}
