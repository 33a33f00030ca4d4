/** fixed[x]: the value equals the fixed one exactly (ElementDefinition.fixed[x]). */
export function matchesFixed(value: unknown, fixed: unknown): boolean {
  if (fixed === null || typeof fixed !== 'object') return value === fixed;
  if (Array.isArray(fixed)) {
    return Array.isArray(value) && value.length === fixed.length && fixed.every((f, i) => matchesFixed(value[i], f));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const f = fixed as Record<string, unknown>;
  const keys = new Set([...Object.keys(v), ...Object.keys(f)]);
  return [...keys].every((k) => matchesFixed(v[k], f[k]));
}

/**
 * pattern[x]: every property of the pattern is in the value with the same value; each element
 * of a pattern array matches some element of the value's array (ElementDefinition.pattern[x]).
 */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (Array.isArray(pattern)) {
    const items = Array.isArray(value) ? value : [value];
    return pattern.every((p) => items.some((v) => matchesPattern(v, p)));
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => v[k] !== undefined && matchesPattern(v[k], p));
}
