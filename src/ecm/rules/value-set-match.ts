import type { CodeableConcept, Coding, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { terminologyFor } from '../../fhir/terminology/terminology.ts';

const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

/**
 * Whether codings are in the value sets of profiles/ that the eligibility rules name. A value set
 * we can expand is checked against its expansion; one with an `is-a` filter on ICD-10-CM (a code
 * system we do not hold) is checked by the ICD-10-CM hierarchy, where every descendant code
 * starts with its ancestor's code (F10 ⊃ F10.2 ⊃ F10.20). An unknown value set matches nothing.
 */
export class ValueSetMatcher {
  private readonly compiled = new Map<string, (c: Coding) => boolean>();

  constructor(private readonly conformance: Conformance) {}

  codingIn(valueSetUrl: string, coding: Coding): boolean {
    if (!coding.code) return false;
    return this.test(valueSetUrl)(coding);
  }

  /** The first coding of the concepts that is in the value set. */
  firstIn(valueSetUrl: string, concepts: (CodeableConcept | undefined)[]): Coding | undefined {
    for (const cc of concepts) for (const c of cc?.coding ?? []) if (this.codingIn(valueSetUrl, c)) return c;
    return undefined;
  }

  private test(url: string): (c: Coding) => boolean {
    let fn = this.compiled.get(url);
    if (!fn) {
      fn = this.compile(url, new Set());
      this.compiled.set(url, fn);
    }
    return fn;
  }

  private compile(url: string, seen: Set<string>): (c: Coding) => boolean {
    if (seen.has(url)) return () => false;
    seen.add(url);
    const terminology = terminologyFor(this.conformance);
    const vs = terminology.valueSet(url);
    if (!vs) return () => false;
    const expansion = terminology.expansion(url);
    if (expansion) {
      const keys = new Set(expansion.map((c) => `${c.system}|${c.code}`));
      return (c) => keys.has(`${c.system}|${c.code}`);
    }
    if (!vs.compose) return () => false; // an empty shipped expansion (e.g. ecm-service-codes)
    const includes = (vs.compose.include ?? []).map((inc) => this.compileInclude(inc, seen));
    const excludes = (vs.compose.exclude ?? []).map((inc) => this.compileInclude(inc, seen));
    return (c) => includes.some((f) => f(c)) && !excludes.some((f) => f(c));
  }

  private compileInclude(inc: ValueSetComposeInclude, seen: Set<string>): (c: Coding) => boolean {
    const imported = (inc.valueSet ?? []).map((u) => this.compile(u, new Set(seen)));
    const inImports = (c: Coding) => imported.every((f) => f(c));
    if (!inc.system) return (c) => imported.length > 0 && inImports(c);
    const system = inc.system;
    const codes = inc.concept ? new Set(inc.concept.map((x) => x.code)) : undefined;
    const filters = inc.filter ?? [];
    return (c) => {
      if (c.system !== system || !c.code) return false;
      if (codes && !codes.has(c.code)) return false;
      if (!filters.every((f) => filterMatches(system, f.property, f.op, f.value, c.code!))) return false;
      return inImports(c);
    };
  }
}

function filterMatches(system: string, property: string | undefined, op: string | undefined, value: string | undefined, code: string): boolean {
  if (property !== 'concept' || !value) return false;
  if (system !== ICD10CM) return false; // other hierarchies are expanded by the terminology module
  if (op === 'is-a') return code === value || code.startsWith(value);
  if (op === 'descendent-of') return code !== value && code.startsWith(value);
  return false;
}

const byConformance = new WeakMap<Conformance, ValueSetMatcher>();

export function valueSetMatcherFor(conformance: Conformance): ValueSetMatcher {
  let m = byConformance.get(conformance);
  if (!m) {
    m = new ValueSetMatcher(conformance);
    byConformance.set(conformance, m);
  }
  return m;
}

export type { ValueSet };
