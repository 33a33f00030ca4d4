import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

type IssueCode = OperationOutcomeIssue['code'];
type Severity = OperationOutcomeIssue['severity'];

/**
 * An error that becomes an HTTP status with an OperationOutcome body. Every error path of the
 * server throws one of these (or is mapped to one in src/http/errors.ts).
 */
export class FhirError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly headers: Record<string, string>;
  /** A failed version guard (412): the resource (Type/id) whose stored version was not the one expected. */
  conflictOn?: string;

  constructor(status: number, outcome: OperationOutcome, headers: Record<string, string> = {}) {
    super(outcome.issue?.[0]?.diagnostics ?? outcome.issue?.[0]?.details?.text ?? `HTTP ${status}`);
    this.status = status;
    this.outcome = outcome;
    this.headers = headers;
  }
}

export function issue(severity: Severity, code: IssueCode, diagnostics: string, expression?: string[]): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression && expression.length > 0) result.expression = expression;
  return result;
}

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function fhirError(status: number, code: IssueCode, diagnostics: string, expression?: string[]): FhirError {
  return new FhirError(status, outcome([issue('error', code, diagnostics, expression)]));
}

export const badRequest = (msg: string, expression?: string[]) => fhirError(400, 'invalid', msg, expression);
export const notFound = (msg: string) => fhirError(404, 'not-found', msg);
export const gone = (msg: string) => fhirError(410, 'deleted', msg);
export const conflict = (msg: string) => fhirError(409, 'conflict', msg);
export const preconditionFailed = (msg: string) => fhirError(412, 'conflict', msg);

/** 412 for a version guard that failed on `on` (Type/id). */
export function versionConflict(on: string, msg: string): FhirError {
  const err = preconditionFailed(msg);
  err.conflictOn = on;
  return err;
}
export const notSupported = (status: number, msg: string) => fhirError(status, 'not-supported', msg);

/** The informational outcome returned for `Prefer: return=OperationOutcome` and empty deletes. */
export function informational(msg: string): OperationOutcome {
  return outcome([issue('information', 'informational', msg)]);
}
