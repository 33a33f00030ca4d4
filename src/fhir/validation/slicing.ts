import type { ProfileNode } from './compiled-profile.ts';
import { valuesAtPath, type ElementValue } from './element-values.ts';
import { matchesFixed, matchesPattern } from './value-match.ts';

/**
 * Whether a value belongs to a slice, by the slicing's discriminators (profiling.html#discriminator):
 * `value`/`pattern` compare what the slice fixes at the path, `exists` whether the slice requires
 * the path, `type` the value's data type. Extension slices match on their profile's url.
 */
export function inSlice(item: ElementValue, slice: ProfileNode, discriminators: { type: string; path: string }[]): boolean {
  return discriminators.every((d) => discriminatorMatches(item, slice, d));
}

function discriminatorMatches(item: ElementValue, slice: ProfileNode, d: { type: string; path: string }): boolean {
  if (d.type === 'type') {
    const sliceTypes = nodeAtPath(slice, d.path)?.types.map((t) => t.code) ?? [];
    return d.path === '$this' ? sliceTypes.includes(item.type ?? '') : valuesAtPath(item.value, d.path).some((v) => typeof v === 'object' && v !== null && sliceTypes.includes((v as { resourceType?: string }).resourceType ?? ''));
  }
  const target = nodeAtPath(slice, d.path);
  const found = valuesAtPath(item.value, d.path);
  if (d.type === 'exists') {
    const required = (target?.min ?? 0) >= 1;
    return required ? found.length > 0 : found.length === 0;
  }
  if (d.type === 'value' || d.type === 'pattern') {
    if (target?.fixed !== undefined) return found.some((v) => matchesFixed(v, target.fixed));
    if (target?.pattern !== undefined) return found.some((v) => matchesPattern(v, target.pattern));
    // Extension slices are discriminated on url = the extension's profile (profiling.html#slicing)
    if (d.path === 'url' && slice.types[0]?.code === 'Extension' && slice.types[0].profile?.[0]) {
      return found.includes(slice.types[0].profile[0].split('|')[0]);
    }
    if (target?.binding?.strength === 'required') return false; // binding discriminators: unsupported, never match
  }
  return false;
}

/** The node a discriminator path leads to inside a slice (`$this`, `url`, `code.coding`). */
function nodeAtPath(slice: ProfileNode, path: string): ProfileNode | undefined {
  if (path === '$this') return slice;
  let node: ProfileNode | undefined = slice;
  for (const segment of path.replace(/^\$this\./, '').split('.')) {
    const name = segment.endsWith('[x]') ? segment.slice(0, -3) : segment;
    node = node?.children.find((c) => c.name === name);
    if (!node) return undefined;
  }
  return node;
}
