import { newResourceId } from '../../fhir/resource-id.ts';
import type { Parameters, ServiceRequest, Task } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { FhirError, badRequest, gone, notFound, outcome } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { allIssues } from '../../fhir/validation/validate-operation-input.ts';
import { applyWriteRules } from '../../fhir/write-rules.ts';
import { instantMs, localDateOf } from '../calendar/local-dates.ts';
import { memberSettingsProfile, readServiceRequest } from './authorization-lookups.ts';
import { REFERRAL_PROFILE, isAuthorization } from './authorization-resource.ts';
import { ruleError } from '../rule-error.ts';
import { acknowledgeReferral } from './referral-acknowledgement.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-acknowledge';
/** Task statuses a referral can be acknowledged in: sent, or on hold for corrections (re-acknowledged once corrected). */
const ACKNOWLEDGEABLE: readonly Task['status'][] = ['requested', 'on-hold'];

/**
 * Task/[id]/$ecm-acknowledge (authorization.md, CLR-ACK): the plan acknowledges a referral Task.
 * It validates the referral (Task.focus) against the ecm-referral profile, then writes in one
 * transaction the Task (accepted / pending-authorization, or on-hold / pending-information with
 * the errors in statusReason.text) and the acknowledgement notice to the referrer (Task.requester)
 * listing every error to correct. Parameter `date`: the acknowledgement time (default now).
 */
export const ecmAcknowledgeOperation: Operation = {
  name: 'ecm-acknowledge',
  levels: ['instance'],
  resourceTypes: ['Task'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const now = new Date();
    const acknowledgedAt = acknowledgementTime(req, now);
    const id = target.id!;
    const stored = await ctx.repo.read(ctx.access, 'Task', id);
    if (!stored) throw notFound(`Task/${id} not found`);
    if (stored.deleted || stored.json === null) throw gone(`Task/${id} was deleted`);
    const task = JSON.parse(stored.json) as Task & { id: string };
    const lookup: FhirContext = { ...ctx, access: systemAccess };
    const referral = await readServiceRequest(lookup, task.focus);
    if (!referral || isAuthorization(referral)) {
      throw ruleError(422, 'CLR-ACK', `Task/${id} is not a referral Task: its focus must be the referral ServiceRequest, got "${task.focus?.reference ?? ''}"`, ['Task.focus']);
    }
    if (!task.requester?.reference) throw ruleError(422, 'CLR-ACK', `Task/${id} has no requester to acknowledge to`, ['Task.requester']);
    if (!ACKNOWLEDGEABLE.includes(task.status)) {
      throw ruleError(409, 'CLR-ACK', `Task/${id} was already acknowledged or worked on (status ${task.status}); only a requested or on-hold referral is acknowledged`);
    }

    const errors = allIssues(ctx.conformance, referral as unknown as Record<string, unknown>, REFERRAL_PROFILE).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    const profile = await memberSettingsProfile(lookup, task.for, localDateOf(acknowledgedAt));
    const ack = acknowledgeReferral({ task, referral: referral as ServiceRequest & { id: string }, errors, profile, acknowledgedAt, noticeId: newResourceId() });
    const written = await ctx.repo
      .transaction(async (repo) => {
        const tx: FhirContext = { ...ctx, repo };
        const ops = [
          await applyWriteRules(tx, { kind: 'update', resource: ack.task, ifMatch: stored.versionId }, 'ecm-acknowledge'),
          await applyWriteRules(tx, { kind: 'create', resource: ack.notice }, 'ecm-acknowledge'),
        ];
        return repo.write(ctx.access, ops);
      })
      .catch((err: unknown) => {
        if (err instanceof FhirError && err.status === 412) throw ruleError(409, 'CLR-ACK', `Task/${id} changed while it was being acknowledged; read it again`);
        throw err;
      });

    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'task', resource: JSON.parse(written[0].stored.json!) as Task },
        { name: 'accepted', valueBoolean: ack.accepted },
        { name: 'notice', valueReference: { reference: `Communication/${written[1].stored.id}` } },
        { name: 'errors', resource: outcome(errors.length > 0 ? errors : [{ severity: 'information', code: 'informational', diagnostics: 'The referral has no errors against the ecm-referral profile' }]) },
      ],
    };
    return { status: 200, body };
  },
};

function acknowledgementTime(req: FhirRequest, now: Date): string {
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-acknowledge takes a Parameters body');
  for (const p of [...input.values.keys(), ...input.parameters.map((x) => x.name ?? '')]) {
    if (p !== 'date') throw badRequest(`Unknown parameter "${p}" (known: date)`, [p]);
  }
  const dates = input.values.get('date') ?? [];
  if (dates.length > 1) throw badRequest('"date" may be given once', ['date']);
  if (dates.length === 0) return now.toISOString();
  try {
    instantMs(dates[0]);
  } catch {
    throw badRequest(`"date" must be a dateTime with time and time zone, got "${dates[0]}"`, ['date']);
  }
  return dates[0];
}
