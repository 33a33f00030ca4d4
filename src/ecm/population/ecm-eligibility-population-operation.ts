import type { Group } from '@medplum/fhirtypes';
import { badRequest, FhirError, issue, outcome } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { eligibilityInput } from '../eligibility/eligibility-input.ts';
import { populationJobs, type PopulationJob } from './population-jobs.ts';
import { groupMemberIds, type MemberSource } from './population-members.ts';
import { populationResult, statusUrl } from './population-result.ts';
import { CancelledError, runPopulation } from './population-run.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility-population';

/** Largest Group run synchronously (without Prefer: respond-async). */
export const SYNC_MAX_MEMBERS = 1000;

function respondAsync(prefer: string | undefined): boolean {
  return (prefer ?? '').split(/[,;]/).some((p) => p.trim().toLowerCase() === 'respond-async');
}

function requestUrl(ctx: FhirContext, req: FhirRequest): string {
  const query = req.query.length > 0 ? `?${new URLSearchParams(req.query).toString()}` : '';
  return `${ctx.config.baseUrl}/${req.path.join('/')}${query}`;
}

/** Runs the job to its end, recording progress, result or error on it; never throws. */
function start(ctx: FhirContext, job: PopulationJob, source: MemberSource, input: ReturnType<typeof eligibilityInput>): void {
  job.finished = runPopulation(ctx, source, input, (done, total) => {
    job.done = done;
    job.total = total;
  }, job.controller.signal).then(
    (output) => {
      job.output = output;
      job.state = 'done';
    },
    (err: unknown) => {
      job.state = 'failed';
      if (err instanceof CancelledError) return;
      job.error = err instanceof FhirError
        ? { status: err.status, outcome: err.outcome }
        : { status: 500, outcome: outcome([issue('error', 'exception', 'The population run failed; see the server log')]) };
      if (!(err instanceof FhirError)) console.error('ecm-eligibility population run failed', (err as Error)?.message);
    },
  );
}

/**
 * Group/[id]/$ecm-eligibility and [base]/$ecm-eligibility (identification.md "Population run"):
 * the per-member determination for every member of a Group, or every Patient with a Coverage,
 * as an asynchronous job (async.html). With `Prefer: respond-async`: 202 + Content-Location of
 * the status URL ($ecm-eligibility-status). Without it a Group of at most SYNC_MAX_MEMBERS
 * members runs while the client waits (200 with the result); anything larger, and the
 * system-level run, is 400 asking for respond-async.
 */
export const ecmEligibilityPopulationOperation: Operation = {
  name: 'ecm-eligibility',
  levels: ['system', 'instance'],
  resourceTypes: ['Group'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = eligibilityInput(req);
    let source: MemberSource = { kind: 'all' };
    if (target.level === 'instance') {
      const group = (await storedResource(ctx, 'Group', target.id!)) as Group & { id: string };
      source = { kind: 'group', group };
    }
    const isAsync = respondAsync(req.headers.prefer);
    if (!isAsync) {
      if (source.kind === 'all') throw badRequest('The system-level $ecm-eligibility runs asynchronously only: send Prefer: respond-async (async.html)');
      const n = groupMemberIds(source.group).length;
      if (n > SYNC_MAX_MEMBERS) throw badRequest(`Group/${source.group.id} has ${n} members, more than ${SYNC_MAX_MEMBERS}: send Prefer: respond-async (async.html)`);
    }
    const jobs = populationJobs(ctx.repo);
    const job = jobs.create(ctx.access.actor, requestUrl(ctx, req));
    start(ctx, job, source, input);
    const location = statusUrl(ctx.config.baseUrl, job.id);
    if (isAsync) {
      return { status: 202, headers: { 'Content-Location': location }, body: outcome([issue('information', 'informational', `Accepted: poll ${location}`)]) };
    }
    await job.finished;
    if (job.state !== 'done' || !job.output) {
      jobs.remove(job);
      const e = job.error ?? { status: 500, outcome: outcome([issue('error', 'exception', 'The population run failed')]) };
      throw new FhirError(e.status, e.outcome as FhirError['outcome']);
    }
    return { status: 200, headers: { 'Content-Location': location }, body: populationResult(ctx.config.baseUrl, job, job.output) };
  },
};
