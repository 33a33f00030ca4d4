import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import { compileInvariant, type CompiledInvariant } from './invariants.ts';
import { snapshotOf, type DefinitionLookup } from './snapshot.ts';

/** One element of a profile's snapshot, compiled for validation (children and slices linked). */
export interface ProfileNode {
  id: string;
  /** FHIRPath-style path of the element (`Task.input`); slices share their element's path. */
  path: string;
  /** JSON property stem: `status`, or `value` for a choice `value[x]`. */
  name: string;
  choice: boolean;
  min: number;
  max: number;
  types: ElementDefinitionType[];
  sliceName?: string;
  fixed?: unknown;
  pattern?: unknown;
  binding?: { strength: string; valueSet: string };
  invariants: CompiledInvariant[];
  children: ProfileNode[];
  slicing?: ElementDefinition['slicing'];
  slices: ProfileNode[];
  /** For `exists` discriminators and nested checks: the element definition as written. */
  element: ElementDefinition;
}

export interface CompiledProfile {
  url: string;
  type: string;
  root: ProfileNode;
}

/**
 * Compiles a StructureDefinition's snapshot (generated from the differential if needed) into a
 * tree of nodes, once per StructureDefinition: invariants are compiled FHIRPath functions.
 */
export function compileProfile(sd: StructureDefinition, lookup: DefinitionLookup): CompiledProfile {
  const cached = compiled.get(sd);
  if (cached) return cached;
  const elements = snapshotOf(sd, lookup);
  const byId = new Map<string, ProfileNode>();
  let root: ProfileNode | undefined;
  for (const e of elements) {
    const node = toNode(e);
    byId.set(node.id, node);
    if (!root) {
      root = node;
      continue;
    }
    const lastDot = node.id.lastIndexOf('.');
    const lastColon = node.id.lastIndexOf(':');
    if (lastColon > lastDot) byId.get(node.id.slice(0, lastColon))?.slices.push(node);
    else byId.get(node.id.slice(0, lastDot))?.children.push(node);
  }
  if (!root) throw new Error(`StructureDefinition ${sd.url} has no elements`);
  const result: CompiledProfile = { url: sd.url, type: sd.type, root };
  compiled.set(sd, result);
  return result;
}

const compiled = new WeakMap<StructureDefinition, CompiledProfile>();

function toNode(e: ElementDefinition): ProfileNode {
  const id = e.id ?? (e.sliceName ? `${e.path}:${e.sliceName}` : e.path);
  const last = e.path.slice(e.path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  const fixedKey = Object.keys(e).find((k) => k.startsWith('fixed'));
  const patternKey = Object.keys(e).find((k) => k.startsWith('pattern'));
  const record = e as unknown as Record<string, unknown>;
  return {
    id,
    path: e.path,
    name: choice ? last.slice(0, -3) : last,
    choice,
    min: e.min ?? 0,
    max: e.max === undefined || e.max === '*' ? Infinity : Number(e.max),
    types: e.type ?? [],
    sliceName: e.sliceName,
    fixed: fixedKey ? record[fixedKey] : undefined,
    pattern: patternKey ? record[patternKey] : undefined,
    binding: e.binding?.valueSet ? { strength: e.binding.strength, valueSet: e.binding.valueSet } : undefined,
    invariants: (e.constraint ?? [])
      // ele-1 (no empty elements) is what json-shape.ts enforces on every value, for far less cost
      .filter((c) => c.expression && c.key !== 'ele-1')
      .map((c) => compileInvariant(e.path, c)),
    children: [],
    slicing: e.slicing,
    slices: [],
    element: e,
  };
}
