import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import type { Repository } from '../../fhir/repository.ts';
import { readStored } from '../assignment/search-all.ts';
import { idOf, relativeReference } from '../assignment/vocabulary.ts';
import { systemAccess } from '../../auth/access-context.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { FollowUpWrite } from '../../fhir/write-rules.ts';
import type { AssignInput } from '../assignment/assignment-input.ts';
import { runAssignment } from '../assignment/run-assignment.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { LOOP_CLOSURE_SYSTEM, referenceKey } from './referral-task.ts';

/** The id of the request to re-assign: the Task's focus, or the referral a filler order of the plan is based on. */
async function assignedRequestOf(repo: Repository, focus: string): Promise<string> {
  const order = await readStored<ServiceRequest>(repo, systemAccess, focus);
  const referral = order?.resource.intent === 'filler-order' ? relativeReference(order.resource.basedOn?.[0], 'ServiceRequest') : undefined;
  return idOf(referral ?? focus);
}

/** Decline reasons that send the member to another provider (CLR-DECLINE-FOLLOWUP: capacity or eligibility). */
const REASSIGNING_REASONS = new Set(['provider-capacity', 'not-eligible']);

/**
 * CLR-DECLINE-FOLLOWUP: when a provider declines the plan's referral Task for capacity or
 * eligibility (statusReason code `provider-capacity` or `not-eligible`), the plan re-assigns the
 * member in the same transaction: `$ecm-assign` in change mode on the Task's focus (for a filler
 * order, on the referral it is based on), which skips the
 * declining provider (it is the member's current one) and writes the new provider's Task. When no
 * provider qualifies (or the focus cannot be assigned), the decline stands and the referrer's Task
 * stays `declined` for plan staff (CLR-ESCALATE, CLR-REASSIGN).
 */
export function declineFollowUp(fhir: FhirContext, task: Task & { id: string }, previous: Task): FollowUpWrite | undefined {
  if (task.status !== 'rejected' || previous.status === 'rejected') return undefined;
  const reason = task.statusReason?.coding?.find((c) => c.system === LOOP_CLOSURE_SYSTEM)?.code;
  if (!reason || !REASSIGNING_REASONS.has(reason)) return undefined;
  const focus = referenceKey(task.focus);
  if (!focus?.startsWith('ServiceRequest/')) return undefined;
  const now = new Date();
  const input: AssignInput = {
    date: localDateOf(now),
    dryRun: false,
    change: true,
    declined: { task: `Task/${task.id}`, reason: task.statusReason?.text ?? reason },
  };
  return {
    run: async (repo) => {
      try {
        const request = await assignedRequestOf(repo, focus);
        await runAssignment({ ...fhir, repo, access: systemAccess }, repo, request, input, now);
      } catch (err) {
        // refused before anything was written (no provider qualifies, nothing to change): the decline stands
        if (err instanceof FhirError && err.status < 500) return;
        throw err;
      }
    },
  };
}
