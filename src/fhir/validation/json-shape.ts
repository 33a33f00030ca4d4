import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../outcome.ts';

/** Deeper than any real resource; deeper input is refused before recursive validators see it. */
export const MAX_DEPTH = 64;
// eslint-disable-next-line no-control-regex -- the point is to find them
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Rules of the FHIR JSON format (json.html) the StructureDefinition validator does not check:
 * no empty arrays, objects or strings standing for nothing, no `null` outside the arrays that
 * pair primitives with their `_element` extensions, no control characters in strings, no keys
 * that are JavaScript object members (`__proto__`, `constructor`, ...), and a bounded depth. Returns at most a few issues.
 */
export function jsonShapeIssues(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walk(resource, String(resource.resourceType), 0, issues);
  return issues;
}

function walk(value: unknown, path: string, depth: number, issues: OperationOutcomeIssue[]): void {
  if (issues.length >= 10) return;
  if (depth > MAX_DEPTH) {
    issues.push(issue('error', 'structure', `The resource is nested more than ${MAX_DEPTH} levels deep`, [path]));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) issues.push(issue('error', 'structure', 'Arrays must not be empty (json.html)', [path]));
    value.forEach((item, i) => {
      // null is allowed inside arrays only to align primitives with their extensions (json.html#primitive)
      if (item !== null) walk(item, `${path}[${i}]`, depth + 1, issues);
    });
    return;
  }
  if (value === null) {
    issues.push(issue('error', 'structure', 'null is not a valid value (json.html)', [path]));
    return;
  }
  if (typeof value === 'string') {
    // FHIR strings, codes and uris never hold control characters other than tab, CR, LF (datatypes.html)
    if (CONTROL_CHARACTERS.test(value)) issues.push(issue('error', 'value', 'Control characters are not allowed in FHIR strings', [path]));
    return;
  }
  if (typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (keys.length === 0) issues.push(issue('error', 'structure', 'Objects must not be empty (json.html)', [path]));
  for (const key of keys) {
    if (PROTOTYPE_KEYS.has(key)) {
      issues.push(issue('error', 'structure', `Unknown element "${key}"`, [`${path}.${key}`]));
      continue;
    }
    const child = (value as Record<string, unknown>)[key];
    // `_element` carries a primitive's id and extensions: an object, or an array of objects/nulls (json.html#primitive)
    const extensionItems = Array.isArray(child) ? child.filter((c) => c !== null) : [child];
    if (key.startsWith('_') && extensionItems.some((c) => !c || typeof c !== 'object' || Array.isArray(c))) {
      issues.push(issue('error', 'structure', `"${key}" must be an object holding the primitive's id and extensions`, [`${path}.${key}`]));
      continue;
    }
    walk(child, `${path}.${key}`, depth + 1, issues);
  }
}
