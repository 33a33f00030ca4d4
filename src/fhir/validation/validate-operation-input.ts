import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { issue } from '../outcome.ts';
import { profileValidatorFor } from './profiles.ts';
import { structuralIssues } from './validate-resource.ts';

/**
 * Every issue of a resource: base-spec validation, then the profiles to check, `profile` (if
 * given) and the ones of ours it claims in meta.profile. A profile issue at an expression the
 * base validation already reported (the same rule seen twice) is left out.
 */
export function allIssues(conformance: Conformance, resource: Record<string, unknown>, profile?: string): OperationOutcomeIssue[] {
  const structural = structuralIssues(resource);
  if (structural.some((i) => i.code === 'structure' && !i.expression)) return structural;
  const validator = profileValidatorFor(conformance);
  const fromProfiles = validator.validateClaimed(resource);
  const claimed = (resource.meta as { profile?: unknown } | undefined)?.profile;
  const alreadyChecked = !!profile && !!validator.ours(profile) && Array.isArray(claimed) && claimed.includes(profile);
  if (profile && !alreadyChecked) fromProfiles.push(...validator.validate(resource, profile));
  const seen = new Set(structural.flatMap((i) => i.expression ?? []));
  const unique = new Map<string, OperationOutcomeIssue>();
  for (const i of fromProfiles) {
    if (i.expression?.some((e) => seen.has(e)) && i.severity === 'error') continue;
    unique.set(`${i.severity}|${i.diagnostics}|${i.expression?.join()}`, i);
  }
  return [...structural, ...unique.values()];
}

/** The $validate answer: the issues, or one information issue "All OK" (operation-resource-validate.html). */
export function validationOutcomeIssues(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.length > 0 ? issues : [issue('information', 'informational', 'All OK')];
}
