import { badRequest } from '../outcome.ts';
import type { NumberValue, QuantityValue, ReferenceMatch, TokenMatch } from './criteria.ts';
import type { DatePrefix } from './date-prefix.ts';

const PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);
const NUMBER = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Splits on commas not escaped with a backslash (search.html#escaping). */
export function splitValues(value: string): string[] {
  return value.split(/(?<!\\),/).map(unescapeValue);
}

/** Composite values (search.html#composite): comma-separated alternatives, each `$`-separated components. */
export function splitCompositeValues(value: string): string[][] {
  return value.split(/(?<!\\),/).map((alternative) => alternative.split(/(?<!\\)\$/).map(unescapeValue));
}

function unescapeValue(value: string): string {
  return value.replace(/\\([,$|\\])/g, '$1');
}

/** `[prefix]number` (search.html#number): the implicit range follows the value's precision. */
export function parseNumber(name: string, raw: string): NumberValue {
  const m = /^([a-z]{2})?(.*)$/.exec(raw);
  const prefix = (m?.[1] ?? 'eq') as DatePrefix;
  if (m?.[1] && !PREFIXES.has(prefix)) throw badRequest(`Invalid prefix "${m[1]}" in ${name}=${raw}`, [name]);
  const text = m?.[2] ?? '';
  const n = NUMBER.exec(text);
  if (!n) throw badRequest(`Invalid number "${text}" in ${name}=${raw}`, [name]);
  const value = Number(text);
  const decimals = n[2]?.length ?? 0;
  const exponent = n[3] ? Number(n[3]) : 0;
  const half = 0.5 * 10 ** (exponent - decimals);
  return { prefix, value, low: value - half, high: value + half };
}

/** `[prefix]number|system|code`, `number||code` (code or unit), or `number` (search.html#quantity). */
export function parseQuantity(name: string, raw: string): QuantityValue {
  const parts = raw.split(/(?<!\\)\|/).map((p) => p.replace(/\\\|/g, '|'));
  if (parts.length !== 1 && parts.length !== 3) throw badRequest(`Invalid quantity "${raw}" in ${name}: expected number|system|code`, [name]);
  const number = parseNumber(name, parts[0]);
  return { ...number, system: parts[1] || undefined, code: parts[2] || undefined };
}

/** `code`, `system|code`, `|code` (no system), `system|` (any code) — search.html#token. */
export function parseToken(value: string): TokenMatch {
  const unescape = (v: string) => v.replace(/\\\|/g, '|');
  const bar = value.search(/(?<!\\)\|/);
  if (bar < 0) return { code: unescape(value) };
  const system = unescape(value.slice(0, bar));
  const code = unescape(value.slice(bar + 1));
  return { system, code: code === '' ? undefined : code };
}

/** `id`, `Type/id`, or a URL (search.html#reference); absolute URLs under our base are local. */
export function parseReference(value: string, typeModifier: string | undefined, baseUrl: string): ReferenceMatch {
  const relative = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  const local = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(relative);
  if (local) return { targetType: local[1], targetId: local[2] };
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(relative)) return { targetType: typeModifier, targetId: relative };
  return { url: value };
}
