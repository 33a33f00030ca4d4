import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { FhirError, outcome } from '../../fhir/outcome.ts';
import { NOTICE_TYPE_SYSTEM, OVERDUE_NOTICE, TECHNICAL_ASSISTANCE, ruleCoding } from './escalation-vocabulary.ts';

/**
 * CLR-LIST-REMOVAL, pure: a provider's list may move to another provider only after repeated late
 * responses (at least `clrListRemovalMinFailures` referral-overdue notices, CLR-ESCALATE) AND a
 * recorded technical-assistance event from the plan. Returns what is missing (empty = allowed).
 */
export interface ListRemovalFacts {
  provider: string;
  /** Late responses: the overdue referral Tasks the provider was notified of. */
  failures: string[];
  minFailures: number;
  /** Completed technical-assistance Communications to the provider. */
  technicalAssistance: string[];
  settingsProfile: { name: string; version: string };
}

export function missingForListRemoval(f: ListRemovalFacts): string[] {
  const missing: string[] = [];
  if (f.failures.length < f.minFailures) {
    missing.push(
      `${f.provider} has ${f.failures.length} late referral response${f.failures.length === 1 ? '' : 's'} (${NOTICE_TYPE_SYSTEM}|${OVERDUE_NOTICE} notices) where settings profile ${f.settingsProfile.name} ${f.settingsProfile.version} requires clrListRemovalMinFailures = ${f.minFailures}`,
    );
  }
  if (f.technicalAssistance.length === 0) {
    missing.push(
      `no recorded technical assistance for ${f.provider}: record it first as a completed Communication with category ${NOTICE_TYPE_SYSTEM}|${TECHNICAL_ASSISTANCE} and recipient ${f.provider}`,
    );
  }
  return missing;
}

/** 422 with one issue per missing condition, each naming CLR-LIST-REMOVAL. */
export function listRemovalRefused(missing: string[]): FhirError {
  const issues: OperationOutcomeIssue[] = missing.map((m) => ({
    severity: 'error',
    code: 'business-rule',
    details: { coding: [ruleCoding('CLR-LIST-REMOVAL')], text: m },
    diagnostics: `CLR-LIST-REMOVAL: the list may not move: ${m}`,
  }));
  return new FhirError(422, outcome(issues));
}
