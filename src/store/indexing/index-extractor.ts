import type { Resource } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { SearchParameterRegistry } from '../../fhir/search/search-parameters.ts';
import { compileSimplePath } from './simple-path.ts';
import { type ReferenceValue, referenceValue } from './reference-values.ts';
import { tokenValues } from './token-values.ts';

/** Index rows for one resource, by index table. Issue 3 adds string, date, number... tables. */
export interface IndexRows {
  token: { param: string; system: string | null; code: string | null }[];
  reference: ({ param: string } & ReferenceValue)[];
}

/** SearchParameter types indexed so far (and so searchable). */
const INDEXED_TYPES = new Set(['token', 'reference']);

type Compiled = (resource: unknown) => unknown[];

interface CompiledParam {
  code: string;
  type: string;
  fn: Compiled;
  /** Top-level elements the expression starts from; when none is present it selects nothing. */
  roots?: string[];
}

/**
 * Extracts search index rows from resources. Each SearchParameter expression is compiled once
 * with fhirpath and the R4 model, then cached (STACK-NOTES.md: ~5 µs per evaluation).
 */
export class IndexExtractor {
  private readonly compiled = new Map<string, CompiledParam[]>();

  constructor(
    private readonly registry: SearchParameterRegistry,
    /** This server's base URL: absolute references under it are local ones. */
    private readonly baseUrl: string,
  ) {}

  extract(resource: Resource): IndexRows {
    const rows: IndexRows = { token: [], reference: [] };
    const keys = Object.keys(resource);
    for (const { code, type, fn, roots } of this.params(resource.resourceType)) {
      if (roots && !roots.some((root) => keys.some((k) => k === root || k.startsWith(root)))) continue;
      let values: unknown[];
      try {
        values = fn(resource);
      } catch {
        continue; // an expression that cannot evaluate on this resource indexes nothing
      }
      const seen = new Set<string>();
      if (type === 'reference') {
        for (const value of values) {
          const ref = referenceValue(value, this.baseUrl);
          const key = ref && `${ref.targetType}/${ref.targetId}/${ref.url}`;
          if (!ref || !key || seen.has(key)) continue;
          seen.add(key);
          rows.reference.push({ param: code, ...ref });
        }
        continue;
      }
      for (const value of values) {
        for (const t of tokenValues(value)) {
          const key = `${t.system}|${t.code}`;
          if (seen.has(key)) continue;
          seen.add(key);
          rows.token.push({ param: code, system: t.system, code: t.code });
        }
      }
    }
    return rows;
  }

  private params(resourceType: string): CompiledParam[] {
    let list = this.compiled.get(resourceType);
    if (list) return list;
    list = [];
    for (const sp of this.registry.forType(resourceType)) {
      if (!INDEXED_TYPES.has(sp.type) || sp.code === '_id') continue; // _id is the resource row's own column
      try {
        const expression = expressionFor(resourceType, sp.expression);
        const fn = (compileSimplePath(resourceType, expression) as Compiled | undefined) ?? (fhirpath.compile(expression, r4model) as unknown as Compiled);
        list.push({ code: sp.code, type: sp.type, fn, roots: rootElements(resourceType, expression) });
      } catch {
        // Expressions fhirpath.js cannot compile are left unindexed.
      }
    }
    this.compiled.set(resourceType, list);
    return list;
  }
}

/**
 * Core expressions are shared by many types ("Account.identifier | Patient.identifier | ...");
 * keep only the branches for this type, so each evaluation does the work of one.
 */
export function expressionFor(resourceType: string, expression: string): string {
  const branches: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  // Parameters of every resource (_tag, _security...) are written on Resource/DomainResource.
  const rebased = branches.map((b) => b.replace(/^(\(*\s*)(?:Resource|DomainResource)\./, `$1${resourceType}.`));
  const own = rebased.filter((b) => b.replace(/^\(+/, '').startsWith(`${resourceType}.`));
  return own.length > 0 ? own.join(' | ') : expression;
}

/**
 * The top-level elements an expression reads (`Patient.identifier | Patient.telecom` →
 * identifier, telecom; choice `Observation.value as X` → the `value` prefix), or undefined when
 * some branch does not start with a plain path, in which case it is always evaluated.
 */
export function rootElements(resourceType: string, expression: string): string[] | undefined {
  const roots: string[] = [];
  for (const branch of expression.split('|')) {
    const m = new RegExp(`^\\s*\\(?\\s*${resourceType}\\.([a-zA-Z]+)`).exec(branch);
    if (!m) return undefined;
    roots.push(m[1]);
  }
  return roots;
}
