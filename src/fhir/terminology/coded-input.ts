import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { badRequest } from '../outcome.ts';
import type { OperationInput } from '../operations/parameters.ts';

/**
 * The codings a terminology operation is asked about: `code` (+ `system`, `display`), or a
 * `coding`, or every coding of a `codeableConcept` (valueset-operation-validate-code.html).
 */
export function codingsOf(input: OperationInput): Coding[] {
  const coding = input.parameters.find((p) => p.name === 'coding')?.valueCoding;
  if (coding) return [coding];
  const concept = input.parameters.find((p) => p.name === 'codeableConcept')?.valueCodeableConcept as CodeableConcept | undefined;
  if (concept) {
    if (!concept.coding?.length) throw badRequest('The codeableConcept has no coding to check', ['codeableConcept']);
    return concept.coding;
  }
  const code = input.values.get('code')?.[0];
  if (code === undefined) throw badRequest('Give "code" (with "system"), "coding" or "codeableConcept"', ['code']);
  return [{ code, system: input.values.get('system')?.[0], display: input.values.get('display')?.[0] }];
}
