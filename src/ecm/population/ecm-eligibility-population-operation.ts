import type { Group } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { badRequest, issue, outcome } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { eligibilityInput } from '../eligibility/eligibility-input.ts';
import { POPULATION_ATTEMPTS, POPULATION_JOB, populationJobKey, populationRecord, type PopulationPayload } from './population-job.ts';
import { groupMemberIds, type MemberSource } from './population-members.ts';
import { populationResult, statusUrl } from './population-result.ts';
import { runPopulation } from './population-run.ts';
import { storedAccessOf } from '../../subscriptions/subscriber-access.ts';

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
    const payload: PopulationPayload = {
      publicId: randomUUID(),
      actor: ctx.access.actor,
      access: storedAccessOf(ctx.access),
      request: requestUrl(ctx, req),
      source: source.kind === 'group' ? { kind: 'group', id: source.group.id } : { kind: 'all' },
      input,
    };
    const key = populationJobKey(payload.publicId);
    const location = statusUrl(ctx.config.baseUrl, payload.publicId);
    if (isAsync) {
      await ctx.jobs.enqueue(POPULATION_JOB, key, { ...payload }, POPULATION_ATTEMPTS);
      return { status: 202, headers: { 'Content-Location': location }, body: outcome([issue('information', 'informational', `Accepted: poll ${location}`)]) };
    }
    // a small Group while the client waits: run here, kept as a finished job for its downloads
    const output = await runPopulation(ctx, source, input, () => undefined, new AbortController().signal);
    const record = populationRecord(output);
    await ctx.jobs.recordDone(POPULATION_JOB, key, { ...payload }, { record });
    return { status: 200, headers: { 'Content-Location': location }, body: populationResult(ctx.config.baseUrl, payload.publicId, payload.request, record, output.groupResource) };
  },
};
