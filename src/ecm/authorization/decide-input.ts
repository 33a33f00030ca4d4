import type { Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirRequest } from '../../fhir/request.ts';
import { instantMs } from '../calendar/local-dates.ts';
import { referenceId } from './authorization-resource.ts';

export const DECISIONS = ['approve', 'deny', 'pend-review'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The input parameters of $ecm-decide (profiles/OperationDefinition/ecm-decide.json). */
export interface DecideInput {
  decision: Decision;
  reason?: string;
  reviewer: Reference<Practitioner | PractitionerRole>;
  /** true: expedited (priority urgent), false: routine; absent: the request's priority stays. */
  expedited?: boolean;
  /** The decision instant (a dateTime with time and zone). */
  decidedAt: string;
}

const KNOWN = new Set(['decision', 'reason', 'reviewer', 'expedited', 'date']);

function single(values: string[] | undefined, name: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return values[0];
}

/** Parses and checks the parameters (400 OperationOutcome naming the parameter); `now` is the default decision time. */
export function decideInput(req: FhirRequest, now: Date): DecideInput {
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-decide takes a Parameters body');
  for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
    if (!KNOWN.has(name)) throw badRequest(`Unknown parameter "${name}" (known: ${[...KNOWN].join(', ')})`, [name]);
  }
  const decision = single(input.values.get('decision'), 'decision');
  if (decision === undefined) throw badRequest(`"decision" is required: ${DECISIONS.join(' | ')}`, ['decision']);
  if (!(DECISIONS as readonly string[]).includes(decision)) throw badRequest(`"decision" must be ${DECISIONS.slice(0, -1).join(', ')} or ${DECISIONS.at(-1)}, got "${decision}"`, ['decision']);

  const reviewers = input.parameters.filter((p) => p.name === 'reviewer');
  if (reviewers.length !== 1) throw badRequest('"reviewer" is required once: a Reference to the deciding Practitioner or PractitionerRole (DECISION-RECORD)', ['reviewer']);
  const reviewer = reviewers[0].valueReference;
  if (!reviewer || !referenceId(reviewer, 'Practitioner', 'PractitionerRole')) {
    throw badRequest('"reviewer" must be a valueReference to Practitioner/[id] or PractitionerRole/[id]', ['reviewer']);
  }

  const reason = single(input.values.get('reason'), 'reason')?.trim();
  const expeditedValue = single(input.values.get('expedited'), 'expedited');
  if (expeditedValue !== undefined && expeditedValue !== 'true' && expeditedValue !== 'false') {
    throw badRequest(`"expedited" must be true or false, got "${expeditedValue}"`, ['expedited']);
  }
  const date = single(input.values.get('date'), 'date');
  if (date !== undefined) {
    try {
      instantMs(date);
    } catch {
      throw badRequest(`"date" must be a dateTime with time and time zone, e.g. 2026-11-25T14:00:00-08:00, got "${date}"`, ['date']);
    }
  }
  return {
    decision: decision as Decision,
    ...(reason ? { reason } : {}),
    reviewer: { reference: reviewer.reference, ...(reviewer.display ? { display: reviewer.display } : {}) },
    ...(expeditedValue !== undefined ? { expedited: expeditedValue === 'true' } : {}),
    decidedAt: date ?? now.toISOString(),
  };
}
