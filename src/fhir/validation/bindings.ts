import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../outcome.ts';
import type { Terminology } from '../terminology/terminology.ts';
import type { ProfileNode } from './compiled-profile.ts';
import type { ElementValue } from './element-values.ts';

interface Code {
  system?: string;
  code?: string;
}

/**
 * Checks a coded value against its element's binding (terminologies.html#strength): `required`
 * → error when no code is in the value set, `extensible` → warning. A value set we cannot
 * expand is skipped, not failed.
 */
export function bindingIssues(item: ElementValue, node: ProfileNode, terminology: Terminology): OperationOutcomeIssue[] {
  const binding = node.binding;
  if (!binding || (binding.strength !== 'required' && binding.strength !== 'extensible')) return [];
  const codes = codesOf(item);
  if (!codes) return [];
  if (!terminology.expansion(binding.valueSet)) return [];
  const severity = binding.strength === 'required' ? 'error' : 'warning';
  const vs = binding.valueSet.split('|')[0];
  if (codes.length === 0) {
    // text alone is acceptable where the binding is extensible (terminologies.html#extensible)
    if (item.type !== 'CodeableConcept' || binding.strength !== 'required') return [];
    return [issue(severity, 'code-invalid', `No code provided, and a code is required from the value set ${vs}`, [item.expression])];
  }
  if (codes.some((c) => c.code !== undefined && terminology.contains(vs, c.system, c.code))) return [];
  const shown = codes.map((c) => (c.system ? `${c.system}#${c.code}` : `"${c.code}"`)).join(', ');
  return [issue(severity, 'code-invalid', `The code ${shown} is not in the ${binding.strength} value set ${vs}`, [item.expression])];
}

/** The codes of a code, Coding or CodeableConcept value; undefined for other types. */
function codesOf(item: ElementValue): Code[] | undefined {
  const v = item.value;
  if (item.type === 'code' || item.type === 'string' || item.type === 'uri') return typeof v === 'string' ? [{ code: v }] : [];
  if (!v || typeof v !== 'object') return undefined;
  if (item.type === 'Coding' || item.type === 'Quantity') {
    const c = v as { system?: string; code?: string };
    return c.code === undefined ? [] : [{ system: c.system, code: c.code }];
  }
  if (item.type === 'CodeableConcept') {
    return ((v as { coding?: Code[] }).coding ?? []).filter((c) => c && c.code !== undefined);
  }
  return undefined;
}
