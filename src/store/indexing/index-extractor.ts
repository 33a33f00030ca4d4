import type { Resource } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { SearchParameterRegistry } from '../../fhir/search/search-parameters.ts';
import { compileSimplePath } from './simple-path.ts';
import { normalizeString } from '../../fhir/search/normalize.ts';
import { dateValues } from './date-values.ts';
import { emptyIndexRows, type IndexRows } from './index-tables.ts';
import { numberValue, quantityValue } from './quantity-values.ts';
import { referenceValue } from './reference-values.ts';
import { stringValues } from './string-values.ts';
import { tokenValues } from './token-values.ts';

export type { IndexRows } from './index-tables.ts';

/** SearchParameter types with an index table (composite and special ones are not indexed). */
const INDEXED_TYPES = new Set(['token', 'reference', 'string', 'date', 'number', 'quantity', 'uri']);

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
    const rows = emptyIndexRows();
    const keys = Object.keys(resource);
    for (const { code, type, fn, roots } of this.params(resource.resourceType)) {
      if (roots && !roots.some((root) => keys.some((k) => k === root || k.startsWith(root)))) continue;
      let values: unknown[];
      try {
        values = fn(resource);
      } catch {
        continue; // an expression that cannot evaluate on this resource indexes nothing
      }
      if (values.length > 0) addRows(rows, code, type, values, this.baseUrl);
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

/** Adds the index rows of one parameter's selected values, without duplicates. */
function addRows(rows: IndexRows, param: string, type: string, values: unknown[], baseUrl: string): void {
  const seen = new Set<string>();
  const once = (key: string) => !seen.has(key) && !!seen.add(key);
  for (const value of values) {
    switch (type) {
      case 'reference': {
        const ref = referenceValue(value, baseUrl);
        if (ref && once(`${ref.targetType}/${ref.targetId}/${ref.url}`)) {
          rows.reference.push({ param, target_type: ref.targetType, target_id: ref.targetId, url: ref.url });
        }
        // Reference.identifier, for `param:identifier=system|value` (search.html#reference)
        const identifier = (value as { identifier?: unknown } | null)?.identifier;
        for (const t of tokenValues(identifier)) {
          if (once(`id|${t.system}|${t.code}`)) rows.token.push({ param: `${param}:identifier`, system: t.system, code: t.code, display: null });
        }
        break;
      }
      case 'token':
        for (const t of tokenValues(value)) {
          if (once(`${t.system}|${t.code}|${t.display}`)) rows.token.push({ param, system: t.system, code: t.code, display: t.display === null ? null : normalizeString(t.display) });
        }
        for (const t of identifierOfType(value)) {
          if (once(`of-type|${t.system}|${t.code}`)) rows.token.push({ param: `${param}:of-type`, system: t.system, code: t.code, display: null });
        }
        break;
      case 'string':
        for (const t of stringValues(value)) if (once(t.exact)) rows.string.push({ param, value: t.value, exact: t.exact });
        break;
      case 'date':
        for (const d of dateValues(value)) if (once(`${d.start_at}/${d.end_at}`)) rows.date.push({ param, ...d });
        break;
      case 'number': {
        const n = numberValue(value);
        if (n !== undefined && once(String(n))) rows.number.push({ param, value: n });
        break;
      }
      case 'quantity': {
        const q = quantityValue(value);
        if (q && once(`${q.value}|${q.system}|${q.code}|${q.unit}`)) rows.quantity.push({ param, ...q });
        break;
      }
      case 'uri':
        if (typeof value === 'string' && once(value)) rows.uri.push({ param, uri: value });
        break;
    }
  }
}

/**
 * An Identifier's type and value for `:of-type` (search.html#token): stored as the type's
 * system, and `typeCode|value` as code.
 */
function identifierOfType(value: unknown): { system: string | null; code: string }[] {
  const v = value as { type?: { coding?: { system?: string; code?: string }[] }; value?: unknown } | null;
  if (typeof v?.value !== 'string' || !Array.isArray(v.type?.coding)) return [];
  return v.type.coding.filter((c) => typeof c.code === 'string').map((c) => ({ system: c.system ?? null, code: `${c.code}|${v.value}` }));
}
