import { holidayCalendarNamed, WEEKDAYS, type HolidayCalendar, type HolidayRule } from './holiday-calendars.ts';
import { daysInMonth, localDate, plusDays, weekdayOf } from './local-dates.ts';

/** A holiday in a given year: the day offices close (`date`) and the day it falls on (`actual`). */
export interface ObservedHoliday {
  date: string;
  actual: string;
  name: string;
}

const SATURDAY = 6;
const SUNDAY = 0;

function actualDate(rule: HolidayRule, year: number): string {
  if ('day' in rule) return localDate(year, rule.month, rule.day);
  const weekday = WEEKDAYS.indexOf(rule.weekday);
  let date: string;
  if (rule.nth === -1) {
    const last = localDate(year, rule.month, daysInMonth(year, rule.month));
    date = plusDays(last, -((weekdayOf(last) - weekday + 7) % 7));
  } else {
    const first = localDate(year, rule.month, 1);
    date = plusDays(first, ((weekday - weekdayOf(first) + 7) % 7) + 7 * (rule.nth - 1));
  }
  return plusDays(date, rule.offsetDays ?? 0);
}

function observedDate(rule: HolidayRule, actual: string, calendar: HolidayCalendar): string | undefined {
  const weekday = weekdayOf(actual);
  if (weekday === SATURDAY) {
    const saturdayRule = ('saturday' in rule ? rule.saturday : undefined) ?? calendar.saturday;
    return saturdayRule === 'friday' ? plusDays(actual, -1) : undefined;
  }
  if (weekday === SUNDAY) return calendar.sunday === 'monday' ? plusDays(actual, 1) : undefined;
  return actual;
}

const cache = new Map<string, ObservedHoliday[]>();

/**
 * The weekday holidays of `year` in the named calendar, by date. A holiday on a weekend appears on
 * its observed weekday, or not at all when the calendar does not move it (a weekend is not a
 * business day anyway). Observance may cross a year end, so the neighbouring years' rules are
 * evaluated too.
 */
export function holidaysOf(year: number, calendarName: string): ObservedHoliday[] {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year ${year} is out of range`);
  const key = `${calendarName}:${year}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const calendar = holidayCalendarNamed(calendarName);
  const found: ObservedHoliday[] = [];
  for (const y of [year - 1, year, year + 1]) {
    if (y < 1 || y > 9999) continue;
    for (const rule of calendar.holidays) {
      const actual = actualDate(rule, y);
      const date = observedDate(rule, actual, calendar);
      if (date && Number(date.slice(0, 4)) === year) found.push({ date, actual, name: rule.name });
    }
  }
  found.sort((a, b) => a.date.localeCompare(b.date));
  cache.set(key, found);
  return found;
}

export function isHoliday(date: string, calendarName: string): boolean {
  return holidaysOf(Number(date.slice(0, 4)), calendarName).some((h) => h.date === date);
}
