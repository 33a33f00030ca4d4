import { badRequest } from '../../fhir/outcome.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirRequest } from '../../fhir/request.ts';
import { instantMs } from '../calendar/local-dates.ts';

/** The parameters of Organization/[id]/$ecm-move-list (OperationDefinition ecm-move-list). */
export interface MoveListInput {
  /** Organization/x: the ECM provider the list moves to. */
  to: string;
  reason: string;
  /** Organization/x: the plan whose list moves; absent = the provider's only plan. */
  plan?: string;
  /** When the move takes effect (an instant); default now. */
  date: string;
}

const KNOWN = ['to', 'reason', 'plan', 'date'];
const ORGANIZATION = /^Organization\/[A-Za-z0-9\-.]{1,64}$/;

export function moveListInput(req: FhirRequest, now: Date): MoveListInput {
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-move-list takes a Parameters body');
  for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
    if (!KNOWN.includes(name)) throw badRequest(`Unknown parameter "${name}" (known: ${KNOWN.join(', ')})`, [name]);
  }
  const once = (name: string): string | undefined => {
    const fromBody = input.parameters.filter((p) => p.name === name);
    const fromQuery = input.values.get(name) ?? [];
    if (fromBody.length > 1 || fromQuery.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
    const reference = fromBody[0]?.valueReference?.reference;
    return reference ?? fromQuery[0];
  };
  const reference = (name: string): string | undefined => {
    const value = once(name);
    if (value === undefined) return undefined;
    if (!ORGANIZATION.test(value)) throw badRequest(`"${name}" must be a Reference to an Organization (Organization/[id]), got "${value}"`, [name]);
    return value;
  };
  const to = reference('to');
  if (!to) throw badRequest('"to" is required: the ECM provider Organization the list moves to', ['to']);
  const reason = once('reason')?.trim();
  if (!reason) throw badRequest('"reason" is required: why the plan moves the list (recorded in the Provenance)', ['reason']);
  const date = once('date');
  if (date !== undefined) {
    try {
      instantMs(date);
    } catch {
      throw badRequest(`"date" must be a dateTime with time and time zone, got "${date}"`, ['date']);
    }
  }
  return { to, reason, plan: reference('plan'), date: date ?? now.toISOString() };
}
