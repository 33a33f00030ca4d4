import type { SearchCriterion } from '../../fhir/repository.ts';
import { badRequest } from '../../fhir/outcome.ts';
import { formatLocalInstant, isLocalDate, plusDays } from '../calendar/local-dates.ts';

/**
 * A report period: the local dates `start` to `end`, both included, in America/Los_Angeles
 * (DATE-UNITS), as the CLR reports take it (`start`, `end` parameters).
 */
export interface ReportPeriod {
  start: string;
  end: string;
}

/** `start` and `end` from an operation's values: both required, full dates, end not before start (400 otherwise). */
export function reportPeriod(values: Map<string, string[]>): ReportPeriod {
  const date = (name: string): string => {
    const given = values.get(name) ?? [];
    if (given.length === 0) throw badRequest(`"${name}" is required: a date (YYYY-MM-DD)`, [name]);
    if (given.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
    if (!isLocalDate(given[0])) throw badRequest(`"${name}" must be a full date (YYYY-MM-DD), got "${given[0]}"`, [name]);
    return given[0];
  };
  const start = date('start');
  const end = date('end');
  if (end < start) throw badRequest(`"end" (${end}) is before "start" (${start})`, ['end']);
  return { start, end };
}

/** Whether a FHIR date or dateTime falls on a local date of the period; false when it is not a full date or instant. */
export function inPeriod(value: string | undefined, period: ReportPeriod): boolean {
  const day = localDay(value);
  return day !== undefined && day >= period.start && day <= period.end;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const HOUR_MS = 3_600_000;
/** America/Los_Angeles offset (ms) per UTC hour: it only changes on the hour, so reports over many Tasks ask Intl once an hour. */
const offsets = new Map<number, number>();

/** The local date (America/Los_Angeles) of a FHIR date or dateTime with time and zone, else undefined. */
export function localDay(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (DATE.test(value)) return isLocalDate(value) ? value : undefined;
  if (!DATE_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  const hour = Math.floor(ms / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    const wall = formatLocalInstant(hour * HOUR_MS);
    offset = Date.parse(`${wall.slice(0, 19)}Z`) - hour * HOUR_MS;
    offsets.set(hour, offset);
  }
  return new Date(ms + offset).toISOString().slice(0, 10);
}

/**
 * One search criterion narrowing `param` (a date search parameter) to the period: values lying
 * within it widened by a day on each side (prefix eq: the search range contains the value's), so
 * a date-only value (indexed as its UTC day) or any offset is never missed; the exact test is
 * `inPeriod` on each match. One range, not a `ge` and an `lt` criterion: the index serves it as
 * one range scan instead of checking the second bound row by row.
 */
export function periodCriterion(param: string, period: ReportPeriod): SearchCriterion {
  const day = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`)).toISOString();
  return { kind: 'date', param, values: [{ prefix: 'eq', start: day(plusDays(period.start, -1)), end: day(plusDays(period.end, 2)) }] };
}

/** The instant of 00:00 on a local date in America/Los_Angeles, in milliseconds. */
export function localMidnightMs(date: string): number {
  const utc = Date.parse(`${date}T00:00:00Z`);
  // Los Angeles is 7 or 8 hours behind UTC at midnight (daylight time changes at 02:00).
  for (const hours of [8, 7]) {
    const ms = utc + hours * 3_600_000;
    if (formatLocalInstant(ms).startsWith(`${date}T00:00:00`)) return ms;
  }
  return utc + 8 * 3_600_000;
}
