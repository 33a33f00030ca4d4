import { getDataType } from '@medplum/core';
import type { Coding } from '@medplum/fhirtypes';
import { badRequest } from '../outcome.ts';

/** `_summary` modes that shape each resource (`count` is handled by search itself). */
export type SummaryMode = 'true' | 'text' | 'data' | 'false';

export interface Subset {
  summary?: SummaryMode;
  /** Top-level element names from `_elements`. */
  elements?: string[];
}

const SUBSETTED: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

/** Reads `_summary` and `_elements` (search.html#summary, search.html#elements); bad values are 400. */
export function parseSubset(query: [string, string][], resourceType?: string): Subset {
  const subset: Subset = {};
  for (const [name, value] of query) {
    if (name === '_summary' && value !== 'count') {
      if (!['true', 'text', 'data', 'false'].includes(value)) throw badRequest(`Invalid _summary "${value}": true, text, data, count or false`, [name]);
      subset.summary = value as SummaryMode;
    } else if (name === '_elements') {
      const names = value.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
      subset.elements = names.map((e) => (resourceType && e.startsWith(`${resourceType}.`) ? e.slice(resourceType.length + 1) : e));
    }
  }
  return subset;
}

export function isSubset(subset: Subset): boolean {
  return (subset.summary !== undefined && subset.summary !== 'false') || subset.elements !== undefined;
}

/**
 * The resource with only the requested elements, plus resourceType, id, meta and the type's
 * mandatory elements, tagged SUBSETTED when anything was left out.
 */
export function subsetJson(json: string, subset: Subset): string {
  if (!isSubset(subset)) return json;
  const resource = JSON.parse(json) as Record<string, unknown>;
  const type = String(resource.resourceType);
  let mandatory = new Set<string>();
  let summaryProps = new Set<string>();
  try {
    const schema = getDataType(type);
    mandatory = schema.mandatoryProperties ?? mandatory;
    summaryProps = schema.summaryProperties ?? summaryProps;
  } catch {
    // unknown to the definitions: keep only the always-kept elements
  }
  const always = ['resourceType', 'id', 'meta'];
  let keep: (key: string) => boolean;
  if (subset.elements) {
    const wanted = new Set([...always, ...mandatory, ...subset.elements]);
    keep = (key) => wanted.has(elementName(key));
  } else if (subset.summary === 'text') {
    const wanted = new Set([...always, 'text', ...mandatory]);
    keep = (key) => wanted.has(elementName(key));
  } else if (subset.summary === 'data') {
    keep = (key) => key !== 'text';
  } else {
    const wanted = new Set([...always, ...mandatory, ...summaryProps]);
    keep = (key) => wanted.has(elementName(key)) || [...summaryProps].some((p) => isChoiceOf(elementName(key), p));
  }
  const out: Record<string, unknown> = {};
  let removed = false;
  for (const [key, value] of Object.entries(resource)) {
    if (keep(key)) out[key] = value;
    else removed = true;
  }
  if (removed) {
    const meta = (out.meta ?? {}) as { tag?: Coding[] };
    out.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
  }
  return JSON.stringify(out);
}

/** `_birthDate` belongs with `birthDate`. */
function elementName(key: string): string {
  return key.startsWith('_') ? key.slice(1) : key;
}

/** `deceasedBoolean` is the choice element `deceased[x]`. */
function isChoiceOf(key: string, property: string): boolean {
  return key.length > property.length && key.startsWith(property) && /[A-Z]/.test(key[property.length]);
}
