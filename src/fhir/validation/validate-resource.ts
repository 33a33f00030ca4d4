import { OperationOutcomeError, validateResource as validateStructure } from '@medplum/core';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { FhirError, issue, outcome } from '../outcome.ts';
import { isResourceType } from '../resource-types.ts';
import type { Conformance } from '../../conformance/conformance.ts';
import { loadR4Definitions } from './definitions.ts';
import { passesFastStructureCheck } from './fast-structure-check.ts';
import { jsonShapeIssues } from './json-shape.ts';
import { profileValidatorFor } from './profiles.ts';
import { typeRuleIssues } from './type-rules.ts';

/** FHIR R4 id datatype: 1-64 of [A-Za-z0-9\-\.] (datatypes.html#id). */
/** An error response lists at most this many issues. */
const MAX_ISSUES = 100;

export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

/**
 * Structural validation against the R4 StructureDefinitions (cardinality, types, unknown
 * elements, primitive formats) plus what @medplum/core leaves out: the id format and required
 * code bindings. Returns the error issues; an empty list means valid.
 */
export function structuralIssues(input: unknown): OperationOutcomeIssue[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return [issue('error', 'structure', 'A resource must be a JSON object')];
  }
  const resource = input as Record<string, unknown>;
  const type = resource.resourceType;
  if (typeof type !== 'string' || !isResourceType(type)) {
    return [issue('error', 'structure', `Unknown or missing resourceType ${JSON.stringify(type ?? null)}`, ['resourceType'])];
  }
  const issues: OperationOutcomeIssue[] = [];
  if (resource.id !== undefined && !isValidId(resource.id)) {
    issues.push(issue('error', 'value', `Invalid id ${JSON.stringify(resource.id)}: 1-64 characters of A-Z a-z 0-9 - .`, [`${type}.id`]));
  }
  if (Array.isArray(resource.contained)) {
    resource.contained.forEach((c: unknown, i: number) => {
      const cid = (c as { id?: unknown } | null)?.id;
      if (cid !== undefined && !isValidId(cid)) {
        issues.push(issue('error', 'value', `Invalid id ${JSON.stringify(cid)}`, [`${type}.contained[${i}].id`]));
      }
    });
  }
  const shape = jsonShapeIssues(resource);
  if (shape.length > 0) return [...issues, ...shape];
  // Our type checks first: they stop input (a string where an object belongs) on which the
  // structural validator would report one issue per character.
  const typed = typeRuleIssues(resource);
  if (typed.some((i) => i.code === 'structure')) return [...issues, ...typed];
  loadR4Definitions();
  if (passesFastStructureCheck(resource)) return [...issues, ...typed];
  try {
    validateStructure(resource as unknown as Resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      for (const i of err.outcome.issue ?? []) {
        if (i.severity === 'error' || i.severity === 'fatal') issues.push(normalise(i));
      }
    } else {
      // @medplum/core throws plain Errors on some malformed input (e.g. `_birthDate: "x"`)
      issues.push(issue('error', 'structure', err instanceof Error ? err.message : 'Invalid resource'));
    }
  }
  issues.push(...typed);
  if (issues.length > MAX_ISSUES) {
    const more = issues.length - MAX_ISSUES;
    issues.length = MAX_ISSUES;
    issues.push(issue('error', 'too-costly', `... and ${more} more issues`));
  }
  return issues;
}

/** Throws 400 with every structural problem when the resource is invalid. */
export function assertValidResource(input: unknown): asserts input is Resource {
  const issues = structuralIssues(input);
  if (issues.length > 0) throw new FhirError(400, outcome(issues));
}

function normalise(i: OperationOutcomeIssue): OperationOutcomeIssue {
  const text = i.details?.text ?? i.diagnostics ?? 'Invalid resource';
  return issue('error', i.code ?? 'invalid', text, i.expression);
}

/**
 * Write-time profile enforcement: a resource claiming one of OUR profiles in meta.profile must
 * conform to it, else 422 with the errors (profile URLs we do not hold are ignored).
 */
export function assertConformsToClaimedProfiles(conformance: Conformance, resource: Resource): void {
  const errors = profileValidatorFor(conformance)
    .validateClaimed(resource as unknown as Record<string, unknown>)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length > 0) throw new FhirError(422, outcome(errors.slice(0, MAX_ISSUES)));
}
