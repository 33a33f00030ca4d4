import { isHoliday } from './holidays.ts';
import { dateParts, daysInMonth, formatLocalInstant, instantMs, localDate, localDateOf, plusDays, weekdayOf, type EventTime } from './local-dates.ts';

/**
 * Due dates exactly as DATE-UNITS says, in America/Los_Angeles. Day 0 is the local date of the
 * triggering event. Business and calendar day due dates are dates (on time through the end of that
 * day); clock-hour due dates are instants with their offset.
 */

function requireInteger(n: number, what: string, min?: number): void {
  if (!Number.isSafeInteger(n) || (min !== undefined && n < min)) throw new RangeError(`${what} must be an integer${min === undefined ? '' : ` ≥ ${min}`}, got ${n}`);
}

/** Monday to Friday and not an observed holiday of the calendar. */
export function isBusinessDay(date: string, calendarName: string): boolean {
  const weekday = weekdayOf(date);
  return weekday !== 0 && weekday !== 6 && !isHoliday(date, calendarName);
}

/** The nth business day after day 0; day 0 never counts, whether or not it is a business day. */
export function addBusinessDays(day0: EventTime, n: number, calendarName: string): string {
  requireInteger(n, 'business days', 0);
  let date = localDateOf(day0);
  for (let counted = 0; counted < n; ) {
    date = plusDays(date, 1);
    if (isBusinessDay(date, calendarName)) counted++;
  }
  return date;
}

/** Day 0 + n; a due date on a weekend or holiday is not moved. */
export function addCalendarDays(day0: EventTime, n: number): string {
  requireInteger(n, 'calendar days');
  return plusDays(localDateOf(day0), n);
}

/** The instant `hours` after the event, counted continuously (a DST change makes the wall clock jump, not the deadline). */
export function addClockHours(event: EventTime, hours: number): string {
  if (!Number.isFinite(hours) || hours < 0) throw new RangeError(`clock hours must be ≥ 0, got ${hours}`);
  return formatLocalInstant(instantMs(event) + Math.round(hours * 3_600_000));
}

/** Calendar months later (or earlier), keeping the day of month clamped to the month's end. */
export function addMonths(date: EventTime, n: number): string {
  requireInteger(n, 'months');
  const { year, month, day } = dateParts(localDateOf(date));
  const index = year * 12 + (month - 1) + n;
  const [y, m] = [Math.floor(index / 12), (index % 12) + 1];
  if (y < 1 || y > 9999) throw new RangeError(`${n} months from ${localDateOf(date)} is out of range`);
  return localDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/** N months of authorization from `start`: start through the day before start + N months (DATE-UNITS, Periods). */
export function authorizationPeriod(start: EventTime, months: number): { start: string; end: string } {
  requireInteger(months, 'authorization months', 1);
  const first = localDateOf(start);
  return { start: first, end: plusDays(addMonths(first, months), -1) };
}
