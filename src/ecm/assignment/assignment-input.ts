import type { ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import { operationInput, type OperationInput } from '../../fhir/operations/parameters.ts';
import type { FhirRequest } from '../../fhir/request.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { isFullDate } from '../eligibility/dates.ts';

/** The input parameters of $ecm-assign (profiles/OperationDefinition/ecm-assign.json). */
export interface AssignInput {
  /** The assignment date (day the assignment is made; default today in America/Los_Angeles). */
  date: string;
  dryRun: boolean;
  /** The member's or family's stated choice (ASSIGN-ORDER `preference`): Organization/x or HealthcareService/x. */
  preference?: string;
  /** The plan's choice (ASSIGN-OVERRIDE): Organization/x or HealthcareService/x. */
  override?: string;
  overrideReason?: string;
  /** Who decided the override (Practitioner/x or PractitionerRole/x), when the caller is not a user. */
  overrideBy?: string;
  /** A member-requested change of provider or Lead Care Manager (ASSIGN-CHANGE). */
  change: boolean;
  /** Day 0 of changeTatDays: the day the member asked (default: the assignment date). */
  changeRequested?: string;
  /** How the change request reached the plan (ecm-referral-channel code; ASSIGN-CHANGE-ACK). */
  changeChannel?: string;
  /** The Lead Care Manager's PractitionerRole (ASSIGN-LCM). */
  leadCareManager?: string;
  /** Set by the server, never by a client: the change is a re-assignment after a decline (CLR-DECLINE-FOLLOWUP). */
  declined?: { task: string; reason: string };
}

const REFERENCE = /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const CHANNELS = new Set(['provider-portal', 'member-portal', 'phone', 'mail', 'fax', 'email', 'pcc', 'sftp', 'fhir-api']);

function single(input: OperationInput, name: string): string | undefined {
  const values = input.values.get(name) ?? [];
  if (values.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return values[0];
}

function bodyParameter(input: OperationInput, name: string): ParametersParameter | undefined {
  const found = input.parameters.filter((p) => p.name === name);
  if (found.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return found[0];
}

function booleanParam(input: OperationInput, name: string): boolean {
  const value = single(input, name);
  if (value === undefined) return false;
  if (value !== 'true' && value !== 'false') throw badRequest(`"${name}" must be true or false, got "${value}"`, [name]);
  return value === 'true';
}

function dateParam(input: OperationInput, name: string): string | undefined {
  const value = single(input, name);
  if (value === undefined) return undefined;
  if (!isFullDate(value)) throw badRequest(`"${name}" must be a full date YYYY-MM-DD, got "${value}"`, [name]);
  return value;
}

/** A Reference parameter (valueReference in the body, "Type/id" in the query) to one of `types`. */
function referenceParam(input: OperationInput, name: string, types: string[]): string | undefined {
  const p = bodyParameter(input, name);
  const queryValue = input.values.get(name);
  if (p && p.valueReference === undefined) throw badRequest(`"${name}" must be a valueReference to ${types.join(' or ')}`, [name]);
  if (p && queryValue && queryValue.length > 0) throw badRequest(`"${name}" may be given once`, [name]);
  const raw = p ? p.valueReference?.reference : single(input, name);
  if (raw === undefined) return undefined;
  const m = REFERENCE.exec(raw);
  if (!m || !types.includes(m[1])) throw badRequest(`"${name}" must reference ${types.join(' or ')} as Type/id, got "${raw}"`, [name]);
  return raw;
}

function stringParam(input: OperationInput, name: string): string | undefined {
  const value = single(input, name)?.trim();
  return value === '' ? undefined : value;
}

function codeParam(input: OperationInput, name: string, allowed: Set<string>): string | undefined {
  const p = bodyParameter(input, name);
  const value = p?.valueCoding?.code ?? single(input, name);
  if (value === undefined) return undefined;
  if (!allowed.has(value)) throw badRequest(`"${name}" must be one of ${[...allowed].join(', ')}, got "${value}"`, [name]);
  return value;
}

const KNOWN = new Set(['date', 'dryRun', 'preference', 'override', 'overrideReason', 'overrideBy', 'change', 'changeRequested', 'changeChannel', 'leadCareManager']);

/** Parses and checks the $ecm-assign parameters (400 OperationOutcome naming the parameter). */
export function assignInput(req: FhirRequest, now: Date): AssignInput {
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-assign takes a Parameters body');
  for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
    if (!KNOWN.has(name)) throw badRequest(`Unknown parameter "${name}" (known: ${[...KNOWN].join(', ')})`, [name]);
  }
  const change = booleanParam(input, 'change');
  const changeRequested = dateParam(input, 'changeRequested');
  const changeChannel = codeParam(input, 'changeChannel', CHANNELS);
  if (!change && (changeRequested || changeChannel)) throw badRequest('"changeRequested" and "changeChannel" describe a member-requested change: give change=true', ['change']);
  const result: AssignInput = {
    date: dateParam(input, 'date') ?? localDateOf(now),
    dryRun: booleanParam(input, 'dryRun'),
    change,
  };
  const optional: Partial<AssignInput> = {
    preference: referenceParam(input, 'preference', ['Organization', 'HealthcareService']),
    override: referenceParam(input, 'override', ['Organization', 'HealthcareService']),
    overrideReason: stringParam(input, 'overrideReason'),
    overrideBy: referenceParam(input, 'overrideBy', ['Practitioner', 'PractitionerRole']),
    changeRequested,
    changeChannel,
    leadCareManager: referenceParam(input, 'leadCareManager', ['PractitionerRole']),
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
  return result;
}
