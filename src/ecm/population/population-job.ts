import type { Group } from '@medplum/fhirtypes';
import { FhirError } from '../../fhir/outcome.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { JobHandler } from '../../jobs/job-runner.ts';
import type { JobRow } from '../../store/job-queue-sql.ts';
import { accessOfStored, type StoredAccess } from '../../subscriptions/subscriber-access.ts';
import type { EligibilityInput } from '../eligibility/eligibility-input.ts';
import type { MemberSource } from './population-members.ts';
import { runPopulation, type PopulationOutput } from './population-run.ts';

/** The job kind of a population run on the queue (src/jobs). */
export const POPULATION_JOB = 'ecm-eligibility-population';

/** Attempts of a run whose process stopped or failed unexpectedly: it starts again from the first batch. */
export const POPULATION_ATTEMPTS = 3;

/** What a population job is given: who asked (their access is rebuilt from it), what, and for the result, the request URL. */
export interface PopulationPayload {
  /** The id in the status URL ($ecm-eligibility-status/[id]): a UUID, so job URLs cannot be guessed. */
  publicId: string;
  /** AccessContext.actor of the caller: only the same actor sees or cancels the job. */
  actor: string;
  access: StoredAccess;
  request: string;
  source: { kind: 'all' } | { kind: 'group'; id: string };
  input: EligibilityInput;
}

/** What a finished run keeps on its job row (the list Group itself is read back by its version). */
export interface PopulationRecord {
  date: string;
  evaluated: number;
  skipped: number;
  eligible: number;
  /** `Group/<id>/_history/<version>` of the list Group written. */
  group: string;
  csv: string;
  ndjson: string;
  written: string[];
}

/** The job row's result: the record, or the 4xx the run ended with (not retried: the same input fails the same way). */
export type PopulationResult = { record: PopulationRecord } | { error: { status: number; outcome: object } } | { cancelled: true };

export const populationJobKey = (publicId: string) => `${POPULATION_JOB}:${publicId}`;

export function populationRecord(out: PopulationOutput): PopulationRecord {
  return { date: out.date, evaluated: out.evaluated, skipped: out.skipped, eligible: out.entries.length, group: out.group, csv: out.csv, ndjson: out.ndjson, written: out.written };
}

/** The job of this public id if it exists and belongs to `actor`; another actor's job is as unknown as a missing one. */
export async function populationJobOf(ctx: FhirContext, publicId: string, actor: string): Promise<JobRow | undefined> {
  const job = await ctx.jobs.byKey(populationJobKey(publicId));
  return job && job.kind === POPULATION_JOB && (job.payload as unknown as PopulationPayload).actor === actor ? job : undefined;
}

/**
 * The population run as a queued job (DESIGN.md src/jobs), run by whichever server process claims
 * it, under the caller's access as it was when the run was asked for (rebuilt from its claims,
 * as for a Subscription). Progress goes on the job row after every batch; a job deleted meanwhile
 * (DELETE on the status URL) stops at the next batch. A process that stops mid-run gives the job
 * back (a failed attempt), and another runs it again from the start: persisting is idempotent.
 */
export function populationJob(fhir: FhirContext): JobHandler {
  return async (job): Promise<PopulationResult> => {
    const payload = job.payload as unknown as PopulationPayload;
    const ctx: FhirContext = { ...fhir, access: accessOfStored(payload.access) };
    const stop = new AbortController();
    let cancelled = false;
    const onStop = () => stop.abort();
    job.signal.addEventListener('abort', onStop);
    const progress = async (done: number, total: number) => {
      if (!(await job.progress({ done, total }))) {
        cancelled = true;
        stop.abort();
      }
    };
    try {
      const source: MemberSource = payload.source.kind === 'group'
        ? { kind: 'group', group: (await storedResource(ctx, 'Group', payload.source.id)) as Group & { id: string } }
        : { kind: 'all' };
      const output = await runPopulation(ctx, source, payload.input, progress, stop.signal);
      return { record: populationRecord(output) };
    } catch (err) {
      if (cancelled) return { cancelled: true };
      if (err instanceof FhirError && err.status < 500) return { error: { status: err.status, outcome: err.outcome } };
      throw err;
    } finally {
      job.signal.removeEventListener('abort', onStop);
    }
  };
}
