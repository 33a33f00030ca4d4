import type { ProfileNode } from './compiled-profile.ts';

/** One occurrence of an element in the JSON: its value, its data type and its FHIRPath. */
export interface ElementValue {
  value: unknown;
  /** The type code: from the JSON key for a choice (`valueQuantity` → Quantity), else the element's only type. */
  type?: string;
  /** The JSON key it was read from (`valueQuantity`, `status`). */
  key: string;
  expression: string;
}

/**
 * The values of a child element in a JSON object (json.html): `name`, or every `name<Type>` for a
 * choice, each array item on its own; a primitive present only as `_name` (extensions) counts.
 */
export function elementValues(parent: Record<string, unknown>, node: ProfileNode, parentExpression: string): ElementValue[] {
  const out: ElementValue[] = [];
  const keys = node.choice ? Object.keys(parent).filter((k) => k.length > node.name.length && k.startsWith(node.name) && /[A-Z]/.test(k[node.name.length])) : [node.name];
  for (const key of keys) {
    const raw = parent[key] ?? parent[`_${key}`];
    if (raw === undefined || raw === null) continue;
    const type = node.choice ? choiceType(key.slice(node.name.length)) : node.types[0]?.code;
    const items = Array.isArray(raw) ? raw : [raw];
    items.forEach((value, i) => {
      if (value === null || value === undefined) return;
      const at = Array.isArray(raw) ? `${parentExpression}.${key}[${i}]` : `${parentExpression}.${key}`;
      out.push({ value, type, key, expression: at });
    });
    // `_name` holding extensions for an array of primitives is counted through the base array
  }
  return out;
}

const PRIMITIVES = new Set([
  'Boolean', 'Integer', 'String', 'Decimal', 'Uri', 'Url', 'Canonical', 'Base64Binary', 'Instant', 'Date', 'DateTime', 'Time',
  'Code', 'Oid', 'Id', 'Markdown', 'UnsignedInt', 'PositiveInt', 'Uuid',
]);

/** `Quantity` stays, `String` → `string` (primitive type codes are lower camel case). */
function choiceType(suffix: string): string {
  return PRIMITIVES.has(suffix) ? suffix.charAt(0).toLowerCase() + suffix.slice(1) : suffix;
}

/** Follows a simple dotted path (`code.coding.system`, `url`, `$this`) from a value, flattening arrays. */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  if (path === '$this' || path === '') return current;
  for (const segment of path.replace(/^\$this\./, '').split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
      const obj = v as Record<string, unknown>;
      // a choice in a discriminator path: value[x] → any valueXxx property
      const child = segment.endsWith('[x]')
        ? Object.entries(obj).filter(([k]) => k.startsWith(segment.slice(0, -3))).map(([, c]) => c)
        : [obj[segment]];
      for (const c of child) {
        if (Array.isArray(c)) next.push(...c);
        else if (c !== undefined) next.push(c);
      }
    }
    current = next;
  }
  return current;
}
