import type { Group } from '@medplum/fhirtypes';
import { badRequest, fhirError, informational, issue, notFound, outcome } from '../../fhir/outcome.ts';
import type { Operation } from '../../fhir/operations/operation.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { binaryOf } from './eligible-list.ts';
import { populationJobOf, type PopulationPayload, type PopulationResult } from './population-job.ts';
import { populationResult } from './population-result.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility-status';

/** The downloads of a finished job, by the last path segment of their URL. */
const DOWNLOADS: Record<string, { contentType: string; text: 'csv' | 'ndjson' }> = {
  'list.csv': { contentType: 'text/csv', text: 'csv' },
  'list.ndjson': { contentType: 'application/x-ndjson', text: 'ndjson' },
};

/**
 * The status URL of a population run (async.html), `[base]/$ecm-eligibility-status/[job]`:
 * GET → 202 with X-Progress while queued or running, 200 with the batch-response Bundle when
 * done, the error's status and OperationOutcome when it failed; DELETE → 202, deletes the job
 * (a running one stops at its next batch). The job lives on the queue (population-job.ts), so any
 * server process answers;
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
    const job = rest.length === 0 && jobId ? await populationJobOf(ctx, jobId, ctx.access.actor) : undefined;
    const result = job?.result as PopulationResult | null | undefined;
    if (!job || (result && 'cancelled' in result)) throw notFound(`No population job ${jobId} (unknown, cancelled, expired, or started by another client)`);
    const payload = job.payload as unknown as PopulationPayload;
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (file === undefined && method === 'DELETE') {
      await ctx.jobs.remove(job);
      return { status: 202, body: informational(`Population job ${jobId} cancelled and deleted`) };
    }
    if (method !== 'GET') throw fhirError(405, 'not-supported', `${req.method} is not allowed on a population job status URL`);
    if (job.state === 'queued' || job.state === 'running') {
      const p = job.progress as { done: number; total: number } | null;
      return { status: 202, headers: { 'X-Progress': p ? `${p.done}/${p.total} members` : 'queued', 'Retry-After': '1' } };
    }
    if (job.state === 'failed' || !result || !('record' in result)) {
      const e = result && 'error' in result ? result.error : { status: 500, outcome: outcome([issue('error', 'exception', 'The population run failed; see the server log')]) };
      return { status: e.status, body: e.outcome };
    }
    const record = result.record;
    if (file === undefined) {
      // the list Group as this run wrote it (record.group is `Group/<id>/_history/<version>`)
      const [, id, , version] = record.group.split('/');
      const stored = await ctx.repo.vread(ctx.access, 'Group', id, Number(version));
      const group = stored?.json ? (JSON.parse(stored.json) as Group) : undefined;
      return { status: 200, body: populationResult(ctx.config.baseUrl, jobId, payload.request, record, group) };
    }
    const download = DOWNLOADS[file];
    if (!download) throw notFound(`No download "${file}" (list.csv, list.ndjson)`);
    return { status: 200, body: binaryOf(download.contentType, record[download.text]) };
  },
};
