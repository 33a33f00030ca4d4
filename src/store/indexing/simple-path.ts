/**
 * A fast evaluator for the SearchParameter expressions that are plain paths —
 * `Patient.identifier`, `Observation.code | Observation.component.code`,
 * `(Observation.value as CodeableConcept)` — which are most of them. Walking the JSON directly
 * costs a fraction of a FHIRPath evaluation; anything else (where(), resolve(), ...) returns
 * undefined here and is left to fhirpath. tests/store/indexing/simple-path.test.ts checks both
 * agree on every official example.
 */
import r4model from 'fhirpath/fhir-context/r4';

const CHOICE_TYPES = (r4model as unknown as { choiceTypePaths: Record<string, string[]> }).choiceTypePaths;

export type PathEvaluator = (resource: Record<string, unknown>) => unknown[];

const BRANCH = /^\(?\s*([A-Z][A-Za-z]+)((?:\.[a-z][A-Za-z]*)+)(?:\s+as\s+([A-Za-z]+))?\s*\)?(?:\.where\(resolve\(\) is ([A-Z][A-Za-z]+)\))?$/;

export function compileSimplePath(resourceType: string, expression: string): PathEvaluator | undefined {
  // each step: the JSON keys that hold it (a choice element `value[x]` has one per type)
  const branches: { steps: string[][]; target?: string }[] = [];
  for (const raw of expression.split('|')) {
    const m = BRANCH.exec(raw.trim());
    if (!m || m[1] !== resourceType) return undefined;
    const segments = m[2].slice(1).split('.');
    const as = m[3];
    branches.push({
      target: m[4],
      steps: segments.map((segment, i) => {
        const choices = CHOICE_TYPES[`${resourceType}.${segments.slice(0, i + 1).join('.')}`];
        if (i === segments.length - 1 && as) return [segment + as.charAt(0).toUpperCase() + as.slice(1)];
        return choices ? choices.map((t) => segment + t) : [segment];
      }),
    });
  }
  return (resource) => {
    const out: unknown[] = [];
    for (const { steps, target } of branches) {
      let current: unknown[] = [resource];
      for (const keys of steps) {
        const next: unknown[] = [];
        for (const node of current) {
          if (!node || typeof node !== 'object') continue;
          for (const key of keys) {
            const value = Object.prototype.hasOwnProperty.call(node, key) ? (node as Record<string, unknown>)[key] : undefined;
            if (Array.isArray(value)) next.push(...value);
            else if (value !== undefined) next.push(value);
          }
        }
        current = next;
      }
      // `.where(resolve() is T)`: references whose target type is T
      const kept = target ? current.filter((v) => referenceType(v) === target) : current;
      out.push(...kept.filter((v) => v !== undefined && v !== null));
    }
    return out;
  };
}

function referenceType(value: unknown): string | undefined {
  const reference = (value as { reference?: unknown } | null)?.reference;
  if (typeof reference !== 'string') return (value as { type?: string } | null)?.type;
  return /([A-Z][A-Za-z]+)\/[^/]+(?:\/_history\/[^/]+)?$/.exec(reference)?.[1];
}
