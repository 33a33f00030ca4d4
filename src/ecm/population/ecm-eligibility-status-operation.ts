import { badRequest, informational, notFound, fhirError } from '../../fhir/outcome.ts';
import type { Operation } from '../../fhir/operations/operation.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { binaryOf } from './eligible-list.ts';
import { populationJobs } from './population-jobs.ts';
import { populationResult } from './population-result.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility-status';

/** The downloads of a finished job, by the last path segment of their URL. */
const DOWNLOADS: Record<string, { contentType: string; text: 'csv' | 'ndjson' }> = {
  'list.csv': { contentType: 'text/csv', text: 'csv' },
  'list.ndjson': { contentType: 'application/x-ndjson', text: 'ndjson' },
};

/**
 * The status URL of a population run (async.html), `[base]/$ecm-eligibility-status/[job]`:
 * GET → 202 with X-Progress while running, 200 with the batch-response Bundle when done, the
 * error's status and OperationOutcome when it failed; DELETE → 202, cancels and forgets the job;
 * GET `[job]/list.csv` / `[job]/list.ndjson` → the prioritized list as a Binary. A job unknown,
 * cancelled, or started by another actor → 404. Routed by src/fhir/dispatch.ts (sub-paths of a
 * system-level operation).
 */
export const ecmEligibilityStatusOperation: Operation & { handleSubPath(ctx: FhirContext, req: FhirRequest, segments: string[]): Promise<FhirResponse> } = {
  name: 'ecm-eligibility-status',
  levels: ['system'],
  affectsState: false,
  definition: DEFINITION,
  async handle(): Promise<FhirResponse> {
    throw badRequest('Poll the status URL returned in Content-Location: [base]/$ecm-eligibility-status/[job id]');
  },
  async handleSubPath(ctx: FhirContext, req: FhirRequest, segments: string[]): Promise<FhirResponse> {
    const [jobId, file, ...rest] = segments;
    const jobs = populationJobs(ctx.repo);
    const job = rest.length === 0 ? jobs.get(jobId, ctx.access.actor) : undefined;
    if (!job) throw notFound(`No population job ${jobId} (unknown, cancelled, expired, or started by another client)`);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (file === undefined && method === 'DELETE') {
      jobs.remove(job);
      return { status: 202, body: informational(`Population job ${jobId} cancelled and deleted`) };
    }
    if (method !== 'GET') throw fhirError(405, 'not-supported', `${req.method} is not allowed on a population job status URL`);
    if (job.state === 'running') {
      return { status: 202, headers: { 'X-Progress': `${job.done}/${job.total} members`, 'Retry-After': '1' } };
    }
    if (job.state === 'failed' || !job.output) {
      const e = job.error ?? { status: 500, outcome: informational('The population run was stopped') };
      return { status: e.status, body: e.outcome };
    }
    if (file === undefined) return { status: 200, body: populationResult(ctx.config.baseUrl, job, job.output) };
    const download = DOWNLOADS[file];
    if (!download) throw notFound(`No download "${file}" (list.csv, list.ndjson)`);
    return { status: 200, body: binaryOf(download.contentType, job.output[download.text]) };
  },
};
