import type { FhirContext } from '../../fhir/request.ts';
import type { JobHandler } from '../../jobs/job-runner.ts';
import { sweepOverdueReferrals } from './escalation-sweep.ts';

/** The job kind of the CLR-ESCALATE sweep (recurring, ServerConfig.jobs.clrEscalateIntervalMs). */
export const CLR_ESCALATE_JOB = 'clr-escalate';

/** Refusals kept on the job row (ids and reasons only, never resource content). */
const REFUSALS_KEPT = 100;

/**
 * The sweep as a background job: at the clock's now, or at `payload.now` when a job was queued
 * for a given instant. The job row keeps how many Tasks were escalated and which were refused.
 */
export function clrEscalateJob(fhir: FhirContext, clock: () => Date = () => new Date()): JobHandler {
  return async (job) => {
    const at = typeof job.payload.now === 'string' ? new Date(job.payload.now) : clock();
    if (Number.isNaN(at.getTime())) throw new Error(`clr-escalate job ${job.id}: payload.now is not an instant`);
    const result = await sweepOverdueReferrals(fhir, at, { signal: job.signal });
    return { now: at.toISOString(), count: result.escalated.length, refused: result.refused.slice(0, REFUSALS_KEPT) };
  };
}
