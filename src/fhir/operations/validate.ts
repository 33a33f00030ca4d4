import type { Resource } from '@medplum/fhirtypes';
import { badRequest, fhirError, outcome } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { profileValidatorFor } from '../validation/profiles.ts';
import { allIssues, validationOutcomeIssues } from '../validation/validate-operation-input.ts';
import type { Operation, OperationTarget } from './operation.ts';
import { operationInput } from './parameters.ts';
import { storedResource } from './stored-resource.ts';

const MODES = new Set(['create', 'update', 'delete', 'profile']);

/**
 * $validate (resource-operations.html#validate): POST [type]/$validate with the resource (or a
 * Parameters with `resource`, `mode`, `profile`), GET/POST [type]/[id]/$validate for the stored
 * one. 200 with an OperationOutcome whether or not the resource is valid; 4xx only when the
 * validation cannot be run (no resource, an unknown profile or mode).
 */
export const validateOperation: Operation = {
  name: 'validate',
  levels: ['type', 'instance'],
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    const type = target.resourceType ?? '';
    const mode = input.values.get('mode')?.[0];
    if (mode !== undefined && !MODES.has(mode)) throw badRequest(`Unknown mode "${mode}": expected create, update, delete or profile`, ['mode']);
    const profile = input.values.get('profile')?.[0];
    if (profile !== undefined && !profileValidatorFor(ctx.conformance).profile(profile)) {
      throw fhirError(400, 'not-found', `The profile ${profile} is not known to this server`, ['profile']);
    }
    const supplied = input.resource ?? (input.parameters.find((p) => p.name === 'resource')?.resource as Resource | undefined);
    if (mode === 'delete') {
      // Nothing in this server forbids a delete beyond the resource existing (delete mode checks deletability)
      if (target.level !== 'instance') throw badRequest('mode=delete needs an instance: [type]/[id]/$validate', ['mode']);
      await storedResource(ctx, type, target.id!);
      return ok(validationOutcomeIssues([]));
    }
    let resource: Resource;
    if (supplied) resource = supplied as Resource;
    else if (target.level === 'instance') resource = await storedResource(ctx, type, target.id!);
    else throw badRequest('No resource to validate: send it as the body or as the Parameters "resource"', ['resource']);
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) throw badRequest('The resource to validate must be a JSON object', ['resource']);
    if (resource.resourceType !== type) {
      throw badRequest(`The resource is a ${String(resource.resourceType)}, but $validate was called on ${type}`, ['resource']);
    }
    const issues = allIssues(ctx.conformance, resource as unknown as Record<string, unknown>, profile);
    if (mode === 'update' && !resource.id) issues.unshift({ severity: 'error', code: 'required', diagnostics: 'mode=update: the resource needs an id', expression: [`${type}.id`] });
    if (mode === 'update' && target.level === 'instance' && resource.id && resource.id !== target.id) {
      issues.unshift({ severity: 'error', code: 'invalid', diagnostics: `mode=update: the resource id "${resource.id}" is not the URL's id "${target.id}"`, expression: [`${type}.id`] });
    }
    return ok(validationOutcomeIssues(issues));
  },
};

function ok(issues: ReturnType<typeof validationOutcomeIssues>): FhirResponse {
  return { status: 200, body: outcome(issues) };
}
