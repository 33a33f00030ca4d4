import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import type { ElementDefinitionConstraint } from '@medplum/fhirtypes';

type Evaluator = (value: unknown, env: Record<string, unknown>) => unknown[];

export interface CompiledInvariant {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  evaluate: Evaluator;
  /** A property without which the invariant cannot fail: evaluation is skipped when it is absent. */
  guard?: string;
}

/**
 * dom-2..dom-5 only constrain contained resources (`contained.….empty()`, resource.html#invariants):
 * without `contained` they hold, and dom-3's descendants() scan is most of a validation's cost.
 */
const CONTAINED_ONLY = new Set(['dom-2', 'dom-3', 'dom-4', 'dom-5']);

/** Compiled FHIRPath per (element path, expression): shared by every profile using the constraint. */
const cache = new Map<string, Evaluator>();

/** Compiles an ElementDefinition.constraint (`expression` required) against the R4 model, once. */
export function compileInvariant(path: string, c: ElementDefinitionConstraint): CompiledInvariant {
  // R4's dom-3 applies as() to descendants() as a filter; fhirpath.js requires a singleton
  // there (FHIRPath N1 §as), so the collection form is evaluated as the equivalent ofType().
  const expression = (c.expression ?? 'true').replaceAll('descendants().as(', 'descendants().ofType(');
  const cacheKey = `${path}\u0000${expression}`;
  let evaluate = cache.get(cacheKey);
  if (!evaluate) {
    try {
      // core invariants call trace() (dom-3): keep it off stdout
      evaluate = fhirpath.compile({ base: path, expression }, r4model, { traceFn: () => undefined }) as unknown as Evaluator;
    } catch (err) {
      const message = (err as Error).message;
      evaluate = () => {
        throw new Error(`cannot compile: ${message}`);
      };
    }
    cache.set(cacheKey, evaluate);
  }
  const guard = CONTAINED_ONLY.has(c.key) && expression.startsWith('contained.') ? 'contained' : undefined;
  return { key: c.key, severity: c.severity === 'error' ? 'error' : 'warning', human: c.human ?? c.key, expression, evaluate, guard };
}

/**
 * Runs an invariant on one value; true when met. An empty result counts as met; a result of
 * `false` (or an evaluation error, reported by the caller) does not.
 */
export function invariantHolds(inv: CompiledInvariant, value: unknown, resource: unknown): boolean {
  if (inv.guard && (value as Record<string, unknown> | null)?.[inv.guard] === undefined) return true;
  const result = inv.evaluate(value, { resource, rootResource: resource });
  return !(result.length === 1 && result[0] === false);
}
