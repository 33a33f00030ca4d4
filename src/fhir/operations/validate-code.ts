import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { fhirError } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { codingsOf } from '../terminology/coded-input.ts';
import { targetValueSet, terminologyForValueSet } from '../terminology/resolve.ts';
import type { Operation, OperationTarget } from './operation.ts';
import { operationInput } from './parameters.ts';

/**
 * ValueSet/$validate-code (valueset-operation-validate-code.html): is the code (coding,
 * codeableConcept) in the value set? Parameters `result`, `message` (why not, or a display
 * warning) and `display` (the code's display in the code system).
 */
export const validateCodeOperation: Operation = {
  name: 'validate-code',
  levels: ['type', 'instance'],
  resourceTypes: ['ValueSet'],
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    const codings = codingsOf(input);
    const vs = await targetValueSet(ctx, input, target);
    const terminology = await terminologyForValueSet(ctx, vs);
    const codes = terminology.expand(vs);
    const name = vs.url ?? `ValueSet/${vs.id ?? ''}`;
    if (!codes) throw fhirError(422, 'not-supported', `The value set ${name} cannot be expanded here, so codes cannot be checked against it`);
    const shown = codings.map((c) => (c.system ? `${c.system}#${c.code}` : `"${c.code}"`)).join(', ');
    for (const coding of codings) {
      const match = codes.find((c) => c.code === coding.code && (coding.system === undefined || c.system === coding.system));
      if (!match) continue;
      const display = match.display ?? (match.system ? terminology.concept(match.system, match.code)?.concept.display : undefined);
      if (coding.display !== undefined && display !== undefined && coding.display !== display) {
        return result(false, `The display "${coding.display}" is not the display of ${match.system}#${match.code}: "${display}"`, display);
      }
      return result(true, undefined, display);
    }
    return result(false, `The code ${shown} is not in the value set ${name}`);
  },
};

function result(ok: boolean, message?: string, display?: string): FhirResponse {
  const parameter: ParametersParameter[] = [{ name: 'result', valueBoolean: ok }];
  if (message) parameter.push({ name: 'message', valueString: message });
  if (display) parameter.push({ name: 'display', valueString: display });
  const body: Parameters = { resourceType: 'Parameters', parameter };
  return { status: 200, body };
}
