import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../outcome.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { bindingIssues } from './bindings.ts';
import type { CompiledProfile, ProfileNode } from './compiled-profile.ts';
import { elementValues, type ElementValue } from './element-values.ts';
import { invariantHolds } from './invariants.ts';
import { inSlice } from './slicing.ts';
import { matchesFixed, matchesPattern } from './value-match.ts';

/** What the validator needs besides the profile: extension definitions and terminology. */
export interface ProfileValidationContext {
  terminology: Terminology;
  /** A compiled extension (or other) profile by canonical URL, when we hold it. */
  profile(url: string): CompiledProfile | undefined;
}

interface Walk {
  ctx: ProfileValidationContext;
  resource: unknown;
  profileUrl: string;
  issues: OperationOutcomeIssue[];
}

/**
 * Validates a resource against a compiled profile snapshot: cardinality, choice types, fixed
 * and pattern values, required/extensible bindings, slices, extensions (by url, against their
 * StructureDefinition) and FHIRPath invariants. Issues carry the FHIRPath of the offending value.
 */
export function validateAgainstProfile(resource: Record<string, unknown>, profile: CompiledProfile, ctx: ProfileValidationContext): OperationOutcomeIssue[] {
  const walk: Walk = { ctx, resource, profileUrl: profile.url, issues: [] };
  const type = String(resource.resourceType);
  if (type !== profile.type) {
    return [issue('error', 'structure', `The profile ${profile.url} is for ${profile.type}, not ${type}`, [type])];
  }
  checkValue(walk, profile.root, { value: resource, type, key: type, expression: type });
  // a slice member is checked as the slice and as the sliced element, which share constraints
  const unique = new Map(walk.issues.map((i) => [`${i.severity}|${i.diagnostics}|${i.expression?.join()}`, i]));
  return [...unique.values()];
}

function checkValue(w: Walk, node: ProfileNode, item: ElementValue, inSlice = false): void {
  if (node.fixed !== undefined && !matchesFixed(item.value, node.fixed)) {
    w.issues.push(issue('error', 'value', `Value must be exactly ${JSON.stringify(node.fixed)} (fixed by ${w.profileUrl})`, [item.expression]));
  }
  if (node.pattern !== undefined && !matchesPattern(item.value, node.pattern)) {
    w.issues.push(issue('error', 'value', `Value must match the pattern ${JSON.stringify(node.pattern)} (from ${w.profileUrl})`, [item.expression]));
  }
  if (node.binding) w.issues.push(...bindingIssues(item, node, w.ctx.terminology));
  if (item.type === 'Reference') checkReferenceTarget(w, node, item);
  for (const inv of node.invariants) {
    let holds: boolean;
    try {
      holds = invariantHolds(inv, item.value, w.resource);
    } catch (err) {
      w.issues.push(issue('warning', 'processing', `Constraint ${inv.key} could not be evaluated: ${(err as Error).message}`, [item.expression]));
      continue;
    }
    if (!holds) w.issues.push(issue(inv.severity, 'invariant', `Constraint failed: ${inv.key}: ${inv.human}`, [item.expression]));
  }
  // An extension with a known definition is checked against it (extensibility.html)
  // (a value already checked as a slice member was checked against the slice's extension profile)
  if (item.type === 'Extension' && !inSlice && item.value && typeof item.value === 'object') {
    const url = (item.value as { url?: unknown }).url;
    const extensionProfile = typeof url === 'string' ? (node.types[0]?.profile?.[0] ? w.ctx.profile(node.types[0].profile[0]) : undefined) ?? w.ctx.profile(url) : undefined;
    if (extensionProfile && extensionProfile.root !== node) {
      checkChildren(w, extensionProfile.root, item, extensionProfile.url);
      return;
    }
  }
  checkChildren(w, node, item, w.profileUrl);
}

function checkChildren(w: Walk, node: ProfileNode, item: ElementValue, profileUrl: string): void {
  if (!item.value || typeof item.value !== 'object' || Array.isArray(item.value)) return;
  if (node.children.length === 0) {
    checkAsType(w, item);
    return;
  }
  const previous = w.profileUrl;
  w.profileUrl = profileUrl;
  const obj = item.value as Record<string, unknown>;
  for (const child of node.children) {
    const values = elementValues(obj, child, item.expression);
    checkCardinality(w, child, values.length, `${item.expression}.${child.name}`, child.path);
    if (child.choice && values.length > 0) checkChoiceTypes(w, child, values);
    const sliced = child.slicing && child.slices.length > 0 ? checkSlices(w, child, values) : undefined;
    for (const v of values) checkValue(w, child, v, sliced?.has(v));
  }
  w.profileUrl = previous;
}

/**
 * An element the profile does not constrain further is checked against its data type's core
 * definition (e.g. Period's per-1, Quantity's qty-3), and a nested resource (contained,
 * Bundle.entry.resource) against its resource type's.
 */
function checkAsType(w: Walk, item: ElementValue): void {
  const type = item.type;
  if (!type || !/^[A-Z]/.test(type) || type === 'BackboneElement' || type === 'Element') return;
  if (type === 'Resource') {
    const nested = (item.value as { resourceType?: unknown }).resourceType;
    const profile = typeof nested === 'string' ? w.ctx.profile(CORE + nested) : undefined;
    if (!profile) return;
    const inner: Walk = { ...w, resource: item.value, profileUrl: profile.url };
    checkValue(inner, profile.root, { ...item, type: nested as string });
    return;
  }
  const profile = w.ctx.profile(CORE + type);
  if (profile && profile.root.children.length > 0) checkChildren(w, profile.root, item, w.profileUrl);
}

const CORE = 'http://hl7.org/fhir/StructureDefinition/';

/** Reference(X | Y): a literal reference `Type/id` (relative or absolute) must point to an allowed type. */
function checkReferenceTarget(w: Walk, node: ProfileNode, item: ElementValue): void {
  const targets = node.types.find((t) => t.code === 'Reference')?.targetProfile;
  const reference = (item.value as { reference?: unknown } | null)?.reference;
  if (!targets?.length || typeof reference !== 'string') return;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(reference);
  if (!match) return; // contained (#id), urn:uuid: or a conditional reference: nothing to check here
  const allowed = targets.map((t) => w.ctx.profile(t)?.type ?? t.slice(t.lastIndexOf('/') + 1));
  if (allowed.includes(match[1]) || allowed.includes('Resource')) return;
  w.issues.push(issue('error', 'structure', `A reference to ${match[1]} is not allowed for ${node.path} (allowed: ${allowed.join(', ')})`, [item.expression]));
}

function checkCardinality(w: Walk, node: ProfileNode, count: number, expression: string, label: string): void {
  if (count < node.min) {
    w.issues.push(issue('error', 'required', `${label}: minimum required = ${node.min}, but only found ${count} (from ${w.profileUrl})`, [expression]));
  }
  if (count > node.max) {
    w.issues.push(issue('error', 'structure', `${label}: max allowed = ${node.max}, but found ${count} (from ${w.profileUrl})`, [expression]));
  }
}

function checkChoiceTypes(w: Walk, node: ProfileNode, values: ElementValue[]): void {
  const allowed = node.types.map((t) => t.code);
  for (const v of values) {
    if (v.type && !allowed.some((a) => a.toLowerCase() === v.type!.toLowerCase())) {
      w.issues.push(issue('error', 'structure', `Type ${v.type} is not allowed for ${node.path} (allowed: ${allowed.join(', ')})`, [v.expression]));
    }
  }
}

/** Checks slice membership and cardinality; returns the values that matched a slice. */
function checkSlices(w: Walk, node: ProfileNode, values: ElementValue[]): Set<ElementValue> {
  const slicing = node.slicing!;
  const discriminators = (slicing.discriminator ?? []).map((d) => ({ type: d.type, path: d.path }));
  const counts = new Map<ProfileNode, number>();
  const matched = new Set<ElementValue>();
  for (const v of values) {
    const slice = discriminators.length > 0 ? node.slices.find((s) => inSlice(v, s, discriminators)) : undefined;
    if (slice) {
      matched.add(v);
      counts.set(slice, (counts.get(slice) ?? 0) + 1);
      checkValue(w, slice, v);
    } else if (slicing.rules === 'closed') {
      w.issues.push(issue('error', 'structure', `This element does not match any known slice of ${node.path} and the slicing is closed (${w.profileUrl})`, [v.expression]));
    }
  }
  const at = values[0]?.expression.replace(/\[\d+\]$/, '') ?? node.path;
  for (const slice of node.slices) checkCardinality(w, slice, counts.get(slice) ?? 0, at, `${node.path}:${slice.sliceName}`);
  return matched;
}
