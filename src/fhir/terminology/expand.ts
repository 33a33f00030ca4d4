import type { CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { Terminology } from './terminology.ts';

export interface ExpansionCode {
  system: string;
  code: string;
  display?: string;
  version?: string;
}

/**
 * Expands a ValueSet from content we hold (valueset.html#compose): includes and excludes with
 * concept lists, whole complete CodeSystems, `is-a` / `descendent-of` / `=` concept filters and
 * imported value sets. Returns undefined when any part needs content we do not have.
 */
export function expandValueSet(vs: ValueSet, terminology: Terminology): ExpansionCode[] | undefined {
  if (!vs.compose) {
    const contains = vs.expansion?.contains;
    if (!contains) return undefined;
    return flattenContains(contains);
  }
  const included = new Map<string, ExpansionCode>();
  for (const inc of vs.compose.include ?? []) {
    const codes = includeCodes(inc, terminology);
    if (!codes) return undefined;
    for (const c of codes) if (!included.has(key(c))) included.set(key(c), c);
  }
  for (const exc of vs.compose.exclude ?? []) {
    const codes = includeCodes(exc, terminology);
    if (!codes) return undefined;
    for (const c of codes) included.delete(key(c));
  }
  return [...included.values()];
}

const key = (c: ExpansionCode) => `${c.system}|${c.code}`;

type Contains = NonNullable<NonNullable<ValueSet['expansion']>['contains']>;

function flattenContains(contains: Contains): ExpansionCode[] {
  return contains.flatMap((c) => [
    ...(c.code && c.system && !c.abstract ? [{ system: c.system, code: c.code, display: c.display }] : []),
    ...flattenContains(c.contains ?? []),
  ]);
}

function includeCodes(inc: ValueSetComposeInclude, terminology: Terminology): ExpansionCode[] | undefined {
  let fromSystem: ExpansionCode[] | undefined;
  if (inc.system) {
    const system = inc.system;
    if (inc.concept) {
      fromSystem = inc.concept.map((c) => ({ system, code: c.code, display: c.display ?? terminology.concept(system, c.code)?.concept.display }));
    } else {
      const cs = terminology.codeSystem(system);
      if (!cs || (cs.content !== 'complete' && cs.content !== undefined)) return undefined;
      const concepts = terminology.conceptsOf(system);
      if (!concepts) return undefined;
      let selected = [...concepts.entries()];
      for (const f of inc.filter ?? []) {
        const filtered = applyFilter(selected, f.property, f.op, f.value, concepts);
        if (!filtered) return undefined;
        selected = filtered;
      }
      fromSystem = selected.filter(([, v]) => !isAbstract(v.concept)).map(([code, v]) => ({ system, code, display: v.concept.display }));
    }
  }
  if (!inc.valueSet?.length) return fromSystem;
  // Imported value sets intersect with each other and with the system part (valueset.html#compose)
  let result = fromSystem;
  for (const url of inc.valueSet) {
    const imported = terminology.expansion(url);
    if (!imported) return undefined;
    result = result ? result.filter((c) => imported.some((i) => i.system === c.system && i.code === c.code)) : imported;
  }
  return result;
}

type Entry = [string, { concept: CodeSystemConcept; parent?: string }];

function applyFilter(entries: Entry[], property: string, op: string, value: string, all: Map<string, { parent?: string }>): Entry[] | undefined {
  const isDescendant = (code: string, ancestor: string) => {
    let current = all.get(code)?.parent;
    for (let depth = 0; current && depth < 100; depth++) {
      if (current === ancestor) return true;
      current = all.get(current)?.parent;
    }
    return false;
  };
  if (property === 'concept' && op === 'is-a') return entries.filter(([code]) => code === value || isDescendant(code, value));
  if (property === 'concept' && op === 'descendent-of') return entries.filter(([code]) => isDescendant(code, value));
  if (property === 'concept' && op === 'is-not-a') return entries.filter(([code]) => code !== value && !isDescendant(code, value));
  if ((property === 'concept' || property === 'code') && op === '=') return entries.filter(([code]) => code === value);
  if (op === '=') {
    return entries.filter(([, v]) => v.concept.property?.some((p) => p.code === property && String(p.valueCode ?? p.valueString ?? p.valueBoolean ?? '') === value));
  }
  return undefined;
}

function isAbstract(c: CodeSystemConcept): boolean {
  return !!c.property?.some((p) => (p.code === 'abstract' || p.code === 'notSelectable') && p.valueBoolean === true);
}
