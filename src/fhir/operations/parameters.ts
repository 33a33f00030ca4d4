import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../outcome.ts';
import type { FhirRequest } from '../request.ts';

/**
 * An operation's input parameters (operations.html#executing): the URL query for GET (and for
 * POST, beside the body), and a `Parameters` body for POST. A POST body that is some other
 * resource is returned as `resource` for operations that take one resource (e.g. $validate).
 */
export interface OperationInput {
  /** Simple values by name, in order (query values and primitive `value[x]` as strings). */
  values: Map<string, string[]>;
  /** Every Parameters.parameter from the body, untouched. */
  parameters: ParametersParameter[];
  /** A non-Parameters resource sent as the whole body. */
  resource?: { resourceType: string; [key: string]: unknown };
}

export function operationInput(req: FhirRequest): OperationInput {
  const values = new Map<string, string[]>();
  const add = (name: string, value: string) => values.set(name, [...(values.get(name) ?? []), value]);
  for (const [name, value] of req.query) if (name !== '_format' && name !== '_pretty') add(name, value);
  const input: OperationInput = { values, parameters: [] };
  const body = req.body;
  if (body === undefined || body === null) return input;
  if (typeof body !== 'object' || Array.isArray(body) || typeof (body as { resourceType?: unknown }).resourceType !== 'string') {
    throw badRequest('The operation body must be a FHIR resource (Parameters or the resource to operate on)');
  }
  if ((body as { resourceType: string }).resourceType !== 'Parameters') {
    input.resource = body as OperationInput['resource'];
    return input;
  }
  for (const p of (body as Parameters).parameter ?? []) {
    if (!p.name) throw badRequest('Every Parameters.parameter needs a name', ['Parameters.parameter.name']);
    input.parameters.push(p);
    const primitive = primitiveValue(p);
    if (primitive !== undefined) add(p.name, primitive);
  }
  return input;
}

function primitiveValue(p: ParametersParameter): string | undefined {
  for (const [key, value] of Object.entries(p)) {
    if (key.startsWith('value') && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return String(value);
  }
  return undefined;
}
