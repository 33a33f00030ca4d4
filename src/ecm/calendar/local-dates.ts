/**
 * Civil dates ('YYYY-MM-DD') and instants in the time zone of every ECM deadline, America/Los_Angeles
 * (DATE-UNITS). Date arithmetic works on day numbers (days since 1970-01-01), so it never meets a
 * daylight-saving change; only converting an instant to its local date or formatting one needs the
 * zone, and that goes through Intl.
 */
export const ECM_TIME_ZONE = 'America/Los_Angeles';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A FHIR dateTime with a time, which FHIR requires to carry a zone (R4 datatypes: dateTime). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An event: a local date 'YYYY-MM-DD', a FHIR dateTime with time and zone, or a Date. */
export type EventTime = string | Date;

function utcMs(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

export function isLocalDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function localDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Year, month (1-12) and day of a 'YYYY-MM-DD' date; RangeError when it is not a real date. */
export function dateParts(date: string): { year: number; month: number; day: number } {
  if (!isLocalDate(date)) throw new RangeError(`"${date}" is not a date (YYYY-MM-DD)`);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function dayNumber(date: string): number {
  const { year, month, day } = dateParts(date);
  return Math.round(utcMs(year, month, day) / DAY_MS);
}

export function dateOfDayNumber(n: number): string {
  const d = new Date(n * DAY_MS);
  return localDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(dayNumber(date) * DAY_MS).getUTCDay();
}

export function plusDays(date: string, n: number): string {
  return dateOfDayNumber(dayNumber(date) + n);
}

/** Milliseconds since the epoch of an instant: a Date or a FHIR dateTime with time and zone. */
export function instantMs(event: string | Date): number {
  const ms = typeof event === 'string' ? (DATE_TIME.test(event) ? Date.parse(event) : Number.NaN) : event.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`"${String(event)}" is not an instant (a dateTime with time and time zone)`);
  return ms;
}

const LOCAL_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: ECM_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function localWallTime(ms: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of LOCAL_PARTS.formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/**
 * The local date of an event: a 'YYYY-MM-DD' date is already local; an instant is converted to its
 * date in America/Los_Angeles (an event at 23:30 Pacific on the 5th is day 0 = the 5th, whatever
 * zone its timestamp was written in).
 */
export function localDateOf(event: EventTime): string {
  if (typeof event === 'string' && DATE.test(event)) {
    dateParts(event);
    return event;
  }
  const t = localWallTime(instantMs(event));
  return localDate(t.year, t.month, t.day);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** An instant as a FHIR dateTime in America/Los_Angeles wall time with its UTC offset, e.g. 2025-03-10T10:00:00-07:00. */
export function formatLocalInstant(ms: number): string {
  const t = localWallTime(ms);
  const wholeSeconds = Math.floor(ms / 1000) * 1000;
  const offsetMinutes = Math.round((utcMs(t.year, t.month, t.day) + ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 - wholeSeconds) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const fraction = ms - wholeSeconds ? `.${String(ms - wholeSeconds).padStart(3, '0')}` : '';
  return `${localDate(t.year, t.month, t.day)}T${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)}${fraction}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}
