import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { instantMs } from '../calendar/local-dates.ts';
import { sweepOverdueReferrals, type SweepResult } from './escalation-sweep.ts';
import { assertPlanWideWrite } from './plan-wide-access.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-clr-escalate';

/**
 * `POST [base]/$ecm-clr-escalate` (referral-loop.md, CLR-ESCALATE): runs the overdue-referral
 * sweep the background job runs, now or at the instant `now` (a controllable clock for tests and
 * for catching up), and answers what it escalated.
 */
export const ecmClrEscalateOperation: Operation = {
  name: 'ecm-clr-escalate',
  levels: ['system'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const now = sweepTime(req);
    assertPlanWideWrite(ctx.access, 'ecm-clr-escalate', ['Task', 'Communication']);
    const result = await sweepOverdueReferrals(ctx, now);
    return { status: 200, body: sweepParameters(now, result) };
  },
};

function sweepTime(req: FhirRequest): Date {
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-clr-escalate takes a Parameters body');
  for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
    if (name !== 'now') throw badRequest(`Unknown parameter "${name}" (known: now)`, [name]);
  }
  const values = input.values.get('now') ?? [];
  if (values.length > 1) throw badRequest('"now" may be given once', ['now']);
  if (values.length === 0) return new Date();
  try {
    return new Date(instantMs(values[0]));
  } catch {
    throw badRequest(`"now" must be a dateTime with time and time zone, got "${values[0]}"`, ['now']);
  }
}

export function sweepParameters(now: Date, result: SweepResult): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'now', valueDateTime: now.toISOString() },
    { name: 'count', valueInteger: result.escalated.length },
    ...result.escalated.map((e) => ({
      name: 'escalated',
      part: [
        { name: 'task', valueReference: { reference: e.task } },
        { name: 'escalation', valueReference: { reference: e.escalation } },
        ...(e.notice ? [{ name: 'notice', valueReference: { reference: e.notice } }] : []),
      ],
    })),
    ...result.refused.map((r) => ({
      name: 'refused',
      part: [
        { name: 'task', valueReference: { reference: r.task } },
        { name: 'reason', valueString: r.reason },
      ],
    })),
  ];
  return { resourceType: 'Parameters', parameter };
}
