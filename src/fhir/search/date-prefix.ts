import { badRequest } from '../outcome.ts';
import { dateRange } from './date-range.ts';

export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES = new Set<DatePrefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** A date search value: its prefix and the instant range [start, end) its precision covers. */
export interface DateValue {
  prefix: DatePrefix;
  start: string;
  end: string;
}

/** Parses `[prefix]date` (search.html#prefix, search.html#date); invalid values are a 400. */
export function parseDateValue(name: string, raw: string): DateValue {
  const m = /^([a-z]{2})?(.*)$/.exec(raw);
  const prefix = (m?.[1] ?? 'eq') as DatePrefix;
  if (m?.[1] && !PREFIXES.has(prefix)) throw badRequest(`Invalid prefix "${m[1]}" in ${name}=${raw}`, [name]);
  const range = dateRange(m?.[2] ?? '');
  if (!range) throw badRequest(`Invalid date "${m?.[2] ?? raw}" in ${name}=${raw}: expected a FHIR date or dateTime`, [name]);
  if (prefix === 'ap') {
    // approximately: the range widened by 10% of its distance from now (search.html#prefix)
    const now = Date.now();
    const s = Date.parse(range.start);
    const e = Date.parse(range.end);
    const slack = Math.max(Math.abs(now - s), Math.abs(now - e)) * 0.1;
    return { prefix, start: new Date(s - slack).toISOString(), end: new Date(e + slack).toISOString() };
  }
  return { prefix, ...range };
}
