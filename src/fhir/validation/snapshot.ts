import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { coreTypeDefinition, publishedStructureDefinition } from './core-structure-definitions.ts';

/** Finds a StructureDefinition by canonical URL: ours first, then R4 core, then shipped US Core. */
export type DefinitionLookup = (url: string) => StructureDefinition | undefined;

/**
 * Generates the snapshot of a differential-only StructureDefinition from its base
 * (profiling.html#snapshot): the base snapshot, with every differential element merged into
 * the element of the same id; elements the base does not list (slices, children of a data type
 * or of a slice) are added after their parent. Results are cached per StructureDefinition.
 */
export function snapshotOf(sd: StructureDefinition, lookup: DefinitionLookup, seen: Set<string> = new Set()): ElementDefinition[] {
  const cached = cache.get(sd);
  if (cached) return cached;
  if (sd.snapshot?.element?.length) {
    cache.set(sd, sd.snapshot.element);
    return sd.snapshot.element;
  }
  if (!sd.baseDefinition) throw new Error(`StructureDefinition ${sd.url} has neither a snapshot nor a baseDefinition`);
  if (seen.has(sd.url)) throw new Error(`StructureDefinition ${sd.url} derives from itself`);
  seen.add(sd.url);
  const base = lookup(sd.baseDefinition) ?? publishedStructureDefinition(sd.baseDefinition);
  if (!base) throw new Error(`StructureDefinition ${sd.url}: base ${sd.baseDefinition} is not known`);
  const elements = snapshotOf(base, lookup, seen).map((e) => structuredClone(e));
  for (const diff of sd.differential?.element ?? []) merge(elements, diff, sd.url);
  cache.set(sd, elements);
  return elements;
}

const cache = new WeakMap<StructureDefinition, ElementDefinition[]>();

function elementId(e: ElementDefinition): string {
  if (e.id) return e.id;
  return e.sliceName ? `${e.path}:${e.sliceName}` : e.path;
}

function merge(elements: ElementDefinition[], diff: ElementDefinition, url: string): void {
  const id = elementId(diff);
  let target = elements.find((e) => elementId(e) === id) ?? choiceAlias(elements, id);
  if (!target) target = create(elements, id, url);
  for (const [k, v] of Object.entries(diff)) {
    if (k === 'id' || k === 'path') continue;
    if (k === 'constraint') target.constraint = [...(target.constraint ?? []).filter((c) => !(v as { key: string }[]).some((n) => n.key === c.key)), ...(v as [])];
    else (target as unknown as Record<string, unknown>)[k] = v;
  }
}

/** `Observation.valueQuantity` in a differential constrains `Observation.value[x]` to Quantity. */
function choiceAlias(elements: ElementDefinition[], id: string): ElementDefinition | undefined {
  const dot = id.lastIndexOf('.');
  const last = id.slice(dot + 1);
  for (const e of elements) {
    const eid = elementId(e);
    if (!eid.endsWith('[x]') || eid.lastIndexOf('.') !== dot || eid.slice(0, dot) !== id.slice(0, dot)) continue;
    const stem = eid.slice(dot + 1, -3);
    const type = last.slice(stem.length);
    if (!last.startsWith(stem) || !type) continue;
    const t = e.type?.find((x) => x.code.toLowerCase() === type.toLowerCase());
    if (t) {
      e.type = [t];
      return e;
    }
  }
  return undefined;
}

/** Adds an element the base snapshot lacks: a slice, or a child of a data type / slice. */
function create(elements: ElementDefinition[], id: string, url: string): ElementDefinition {
  const lastColon = id.lastIndexOf(':');
  const lastDot = id.lastIndexOf('.');
  if (lastColon > lastDot) {
    // a slice: a copy of the sliced element, placed after the sliced element's subtree and earlier slices
    const slicedId = id.slice(0, lastColon);
    const sliced = elements.find((e) => elementId(e) === slicedId) ?? choiceAlias(elements, slicedId);
    if (!sliced) throw new Error(`${url}: slice ${id} has no base element ${slicedId}`);
    const slice: ElementDefinition = { ...structuredClone(sliced), id, sliceName: id.slice(lastColon + 1) };
    delete slice.slicing;
    elements.splice(endOfSubtree(elements, slicedId), 0, slice);
    // its children come from the sliced element's children, re-rooted under the slice
    const children = elements.filter((e) => elementId(e).startsWith(`${slicedId}.`) && !elementId(e).slice(slicedId.length + 1).includes(':'));
    elements.splice(endOfSubtree(elements, id), 0, ...children.map((c) => ({ ...structuredClone(c), id: id + elementId(c).slice(slicedId.length) })));
    return slice;
  }
  const parentId = id.slice(0, lastDot);
  const parent = elements.find((e) => elementId(e) === parentId) ?? choiceAlias(elements, parentId) ?? create(elements, parentId, url);
  // a child of a data type: unfold the type's own snapshot under the parent
  const type = parent.type?.length === 1 ? parent.type[0].code : undefined;
  const typeSd = type ? coreTypeDefinition(type) : undefined;
  if (!typeSd?.snapshot?.element) throw new Error(`${url}: cannot find ${id} (parent ${parentId} has no single known type)`);
  const children = typeSd.snapshot.element.slice(1).map((c) => {
    const copy = structuredClone(c);
    copy.id = parentId + elementId(c).slice(type!.length);
    copy.path = parent.path + c.path.slice(type!.length);
    return copy;
  });
  elements.splice(endOfSubtree(elements, parentId), 0, ...children);
  const created = elements.find((e) => elementId(e) === id) ?? choiceAlias(elements, id);
  if (!created) throw new Error(`${url}: ${id} is not an element of ${type}`);
  return created;
}

function endOfSubtree(elements: ElementDefinition[], id: string): number {
  let end = elements.findIndex((e) => elementId(e) === id) + 1;
  while (end < elements.length && (elementId(elements[end]).startsWith(`${id}.`) || elementId(elements[end]).startsWith(`${id}:`))) end++;
  return end;
}
