import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../conformance/conformance.ts';
import { FhirError, outcome } from '../fhir/outcome.ts';

/**
 * A refusal that names the ECM rule it enforces: the rule ID leads `diagnostics` and is the
 * `details` coding (CodeSystem ecm-rule), so a client can act on the code and a person can read
 * the sentence. Used by every ECM operation and write rule.
 */
export function ruleError(status: 403 | 409 | 422, rule: string, message: string, expression?: string[]): FhirError {
  const issue: OperationOutcomeIssue = {
    severity: 'error',
    code: status === 403 ? 'forbidden' : status === 409 ? 'conflict' : 'business-rule',
    details: { coding: [{ system: `${CANONICAL_BASE}/CodeSystem/ecm-rule`, code: rule }], text: message },
    diagnostics: `${rule}: ${message}`,
  };
  if (expression && expression.length > 0) issue.expression = expression;
  return new FhirError(status, outcome([issue]));
}
