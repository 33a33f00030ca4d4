import type { CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { coreTerminology } from './core-terminology.ts';
import { expandValueSet, type ExpansionCode } from './expand.ts';

/** Canonical URL without its `|version` suffix. */
export function stripVersion(url: string): string {
  return url.split('|')[0];
}

/** ValueSets and CodeSystems stored through the API, by canonical URL (stored-terminology.ts). */
export interface StoredTerminology {
  valueSets: ReadonlyMap<string, ValueSet>;
  codeSystems: ReadonlyMap<string, CodeSystem>;
}

/**
 * ValueSets and CodeSystems the server can answer for: ours from profiles/ (ctx.conformance)
 * first, then the R4 core ones, then (for one request) those stored through the API. Expansions
 * are cached per Terminology (one per Conformance, or one per request with stored content).
 */
export class Terminology {
  private readonly expansions = new Map<string, ExpansionCode[] | undefined>();
  private readonly conceptIndex = new Map<string, Map<string, { concept: CodeSystemConcept; parent?: string }>>();

  constructor(
    private readonly conformance: Conformance,
    private readonly stored?: StoredTerminology,
  ) {}

  /** This terminology with stored ValueSets and CodeSystems added after ours and the core ones. */
  withStored(stored: StoredTerminology): Terminology {
    return new Terminology(this.conformance, stored);
  }

  valueSet(url: string): ValueSet | undefined {
    const key = stripVersion(url);
    return this.conformance.get<ValueSet>('ValueSet', key) ?? coreTerminology().valueSets.get(key) ?? this.stored?.valueSets.get(key);
  }

  codeSystem(url: string): CodeSystem | undefined {
    const key = stripVersion(url);
    return this.conformance.get<CodeSystem>('CodeSystem', key) ?? coreTerminology().codeSystems.get(key) ?? this.stored?.codeSystems.get(key);
  }

  /**
   * Every code of the value set, or undefined when it cannot be expanded from what we hold
   * (an unknown or fragment code system, an unsupported filter): callers then skip the check.
   */
  expansion(url: string): ExpansionCode[] | undefined {
    const key = stripVersion(url);
    if (this.expansions.has(key)) return this.expansions.get(key);
    this.expansions.set(key, undefined); // a value set importing itself is not expandable
    const vs = this.valueSet(key);
    const codes = vs ? expandValueSet(vs, this) : undefined;
    this.expansions.set(key, codes);
    return codes;
  }

  /** Expansion of a ValueSet given inline (not cached). */
  expand(vs: ValueSet): ExpansionCode[] | undefined {
    return vs.url && this.valueSet(vs.url) === vs ? this.expansion(vs.url) : expandValueSet(vs, this);
  }

  /** Whether system|code is in the value set; undefined when the value set cannot be expanded. */
  contains(valueSetUrl: string, system: string | undefined, code: string): ExpansionCode | false | undefined {
    const codes = this.expansion(valueSetUrl);
    if (!codes) return undefined;
    return codes.find((c) => c.code === code && (system === undefined || c.system === system)) ?? false;
  }

  /** A concept of a code system we hold (with its parent code, for is-a), or undefined. */
  concept(system: string, code: string): { concept: CodeSystemConcept; parent?: string } | undefined {
    return this.conceptsOf(system)?.get(code);
  }

  conceptsOf(system: string): Map<string, { concept: CodeSystemConcept; parent?: string }> | undefined {
    const key = stripVersion(system);
    const cached = this.conceptIndex.get(key);
    if (cached) return cached;
    const cs = this.codeSystem(key);
    if (!cs) return undefined;
    const index = new Map<string, { concept: CodeSystemConcept; parent?: string }>();
    const visit = (concepts: CodeSystemConcept[] | undefined, parent?: string) => {
      for (const c of concepts ?? []) {
        index.set(c.code, { concept: c, parent: parent ?? parentProperty(c) });
        visit(c.concept, c.code);
      }
    };
    visit(cs.concept);
    this.conceptIndex.set(key, index);
    return index;
  }
}

function parentProperty(c: CodeSystemConcept): string | undefined {
  return c.property?.find((p) => p.code === 'parent' || p.code === 'subsumedBy')?.valueCode;
}

const byConformance = new WeakMap<Conformance, Terminology>();

/** The Terminology over a Conformance store (one per store, so caches live as long as it). */
export function terminologyFor(conformance: Conformance): Terminology {
  let t = byConformance.get(conformance);
  if (!t) {
    t = new Terminology(conformance);
    byConformance.set(conformance, t);
  }
  return t;
}
