import { dateRange } from '../../fhir/search/date-range.ts';

/** A stored date range [start, end); open ends are PostgreSQL's -infinity / infinity. */
export interface DateIndexValue {
  start_at: string;
  end_at: string;
}

/**
 * The instant ranges a date SearchParameter value covers (search.html#date): a date, dateTime
 * or instant covers its precision ("2026-03" = the month); a Period from its start's range to its
 * end's (open ends unbounded); a Timing each event and its bounds.
 */
export function dateValues(value: unknown): DateIndexValue[] {
  if (typeof value === 'string') {
    const r = dateRange(value);
    return r ? [{ start_at: r.start, end_at: r.end }] : [];
  }
  if (typeof value !== 'object' || value === null) return [];
  const v = value as Record<string, unknown>;
  if ('start' in v || 'end' in v) {
    const start = typeof v.start === 'string' ? dateRange(v.start)?.start : undefined;
    const end = typeof v.end === 'string' ? dateRange(v.end)?.end : undefined;
    if (start === undefined && end === undefined) return [];
    return [{ start_at: start ?? '-infinity', end_at: end ?? 'infinity' }];
  }
  const out: DateIndexValue[] = [];
  if (Array.isArray(v.event)) for (const e of v.event) out.push(...dateValues(e));
  const repeat = v.repeat as Record<string, unknown> | undefined;
  if (repeat?.boundsPeriod) out.push(...dateValues(repeat.boundsPeriod));
  return out;
}
