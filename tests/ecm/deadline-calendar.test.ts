import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { addBusinessDays, addCalendarDays, addClockHours, addMonths, authorizationPeriod, isBusinessDay } from '../../src/ecm/calendar/deadlines.ts';
import { holidaysOf, isHoliday } from '../../src/ecm/calendar/holidays.ts';
import { localDateOf } from '../../src/ecm/calendar/local-dates.ts';
import { IG_DIR } from '../../src/http/ig-routes.ts';

// DATE-UNITS: business days, calendar days, clock hours and months in America/Los_Angeles.

const CA = 'ca-state';
const KP = 'kp-major';
const HOUR = 3_600_000;

describe('holiday calendars (DATE-UNITS: Mon–Fri minus the plan’s holidays)', () => {
  // CalHR's published state holidays; a Saturday holiday is not moved except Veterans Day.
  const caState: Record<number, string[]> = {
    2025: ['2025-01-01', '2025-01-20', '2025-02-17', '2025-03-31', '2025-05-26', '2025-07-04', '2025-09-01', '2025-11-11', '2025-11-27', '2025-11-28', '2025-12-25'],
    // 4 July 2026 is a Saturday: no weekday off
    2026: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-03-31', '2026-05-25', '2026-09-07', '2026-11-11', '2026-11-26', '2026-11-27', '2026-12-25'],
    // 4 July 2027 is a Sunday: Monday 5 July; 25 December 2027 is a Saturday: no weekday off
    2027: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-31', '2027-05-31', '2027-07-05', '2027-09-06', '2027-11-11', '2027-11-25', '2027-11-26'],
    // 1 January 2028 is a Saturday (not moved); 11 November 2028 a Saturday: Veterans Day on Friday 10
    2028: ['2028-01-17', '2028-02-21', '2028-03-31', '2028-05-29', '2028-07-04', '2028-09-04', '2028-11-10', '2028-11-23', '2028-11-24', '2028-12-25'],
  };
  it.each(Object.keys(caState).map(Number))('California state holidays in %i are exactly CalHR’s list', (year) => {
    expect(holidaysOf(year, CA).map((h) => h.date)).toEqual(caState[year]);
  });

  const kpMajor: Record<number, string[]> = {
    2025: ['2025-01-01', '2025-05-26', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25'],
    2026: ['2026-01-01', '2026-05-25', '2026-09-07', '2026-11-26', '2026-12-25'],
    2027: ['2027-01-01', '2027-05-31', '2027-07-05', '2027-09-06', '2027-11-25'],
    2028: ['2028-05-29', '2028-07-04', '2028-09-04', '2028-11-23', '2028-12-25'],
  };
  it.each(Object.keys(kpMajor).map(Number))('KP major holidays in %i', (year) => {
    expect(holidaysOf(year, KP).map((h) => h.date)).toEqual(kpMajor[year]);
  });

  it('a Sunday holiday is observed the Monday after, and named with the day it fell on (year end 2022/2023)', () => {
    expect(holidaysOf(2022, CA).find((h) => h.date === '2022-12-26')).toEqual({ date: '2022-12-26', actual: '2022-12-25', name: 'Christmas Day' });
    expect(holidaysOf(2023, CA)[0]).toEqual({ date: '2023-01-02', actual: '2023-01-01', name: "New Year's Day" });
    expect(isHoliday('2022-12-25', CA)).toBe(false);
    expect(isBusinessDay('2022-12-26', CA)).toBe(false);
    expect(isBusinessDay('2023-01-02', CA)).toBe(false);
  });

  it('a Saturday holiday is not moved to Friday, except Veterans Day', () => {
    expect(isBusinessDay('2026-07-03', CA)).toBe(true);
    expect(isBusinessDay('2027-12-24', CA)).toBe(true);
    expect(isBusinessDay('2027-12-31', CA)).toBe(true);
    expect(holidaysOf(2023, CA).find((h) => h.name === 'Veterans Day')).toEqual({ date: '2023-11-10', actual: '2023-11-11', name: 'Veterans Day' });
  });

  it('Gov. Code 6700 days on which state offices stay open are business days (Lincoln Day, Juneteenth, Native American Day)', () => {
    expect(isBusinessDay('2025-02-12', CA)).toBe(true);
    expect(isBusinessDay('2025-06-19', CA)).toBe(true);
    expect(isBusinessDay('2025-09-26', CA)).toBe(true);
  });

  it('KP closes fewer days than the state: Cesar Chavez Day, MLK Day and the day after Thanksgiving are KP business days', () => {
    for (const day of ['2025-03-31', '2026-01-19', '2025-11-28', '2025-11-11']) {
      expect(isBusinessDay(day, CA), day).toBe(false);
      expect(isBusinessDay(day, KP), day).toBe(true);
    }
  });

  it('weekends are never business days; an unknown calendar or a non-date is refused', () => {
    expect(isBusinessDay('2025-01-11', CA)).toBe(false);
    expect(isBusinessDay('2025-01-12', KP)).toBe(false);
    expect(() => isBusinessDay('2025-01-13', 'nowhere')).toThrow(RangeError);
    expect(() => isBusinessDay('2025-02-30', CA)).toThrow(RangeError);
    expect(() => holidaysOf(0, CA)).toThrow(RangeError);
  });
});

describe('addBusinessDays: the Nth business day after day 0', () => {
  it('day 0 never counts, business day or not', () => {
    expect(addBusinessDays('2025-01-06', 1, CA)).toBe('2025-01-07');
    expect(addBusinessDays('2025-01-11', 1, CA)).toBe('2025-01-13'); // Saturday day 0
    expect(addBusinessDays('2025-01-06', 0, CA)).toBe('2025-01-06');
  });

  it('across a weekend', () => {
    expect(addBusinessDays('2025-01-09', 2, CA)).toBe('2025-01-13');
    expect(addBusinessDays('2025-01-10', 1, CA)).toBe('2025-01-13');
    expect(addBusinessDays('2025-01-10', 5, CA)).toBe('2025-01-17');
  });

  it('AUTH-TAT routine (Kern 5 business days) across Thanksgiving Thursday and Friday', () => {
    expect(addBusinessDays('2025-11-26', 1, CA)).toBe('2025-12-01');
    expect(addBusinessDays('2025-11-26', 5, CA)).toBe('2025-12-05');
    expect(addBusinessDays('2025-11-25', 5, CA)).toBe('2025-12-04');
    expect(addBusinessDays('2025-11-27', 1, CA)).toBe('2025-12-01');
  });

  it('across year end: Christmas and New Year’s Day observed on Mondays (2022/2023)', () => {
    expect(addBusinessDays('2022-12-23', 1, CA)).toBe('2022-12-27');
    expect(addBusinessDays('2022-12-30', 1, CA)).toBe('2023-01-03');
    expect(addBusinessDays('2022-12-22', 5, CA)).toBe('2022-12-30');
    expect(addBusinessDays('2022-12-22', 6, CA)).toBe('2023-01-03');
  });

  it('ASSIGN-TAT (10 business days) across Christmas and New Year 2025/2026', () => {
    expect(addBusinessDays('2025-12-19', 10, CA)).toBe('2026-01-06');
  });

  it('day 0 of an instant is its date in America/Los_Angeles, not in UTC', () => {
    // 23:30 Pacific on 25 November is 07:30 UTC on the 26th
    expect(localDateOf('2025-11-26T07:30:00Z')).toBe('2025-11-25');
    expect(addBusinessDays('2025-11-26T07:30:00Z', 10, CA)).toBe('2025-12-11');
    expect(addBusinessDays('2025-11-26T08:00:00Z', 10, CA)).toBe('2025-12-12');
    expect(addBusinessDays(new Date('2025-11-26T07:30:00Z'), 10, CA)).toBe('2025-12-11');
  });

  it('the plan’s calendar decides: KP vs California state', () => {
    expect(addBusinessDays('2025-11-26', 5, KP)).toBe('2025-12-04');
    expect(addBusinessDays('2026-01-16', 1, CA)).toBe('2026-01-20');
    expect(addBusinessDays('2026-01-16', 1, KP)).toBe('2026-01-19');
    expect(addBusinessDays('2025-03-28', 1, CA)).toBe('2025-04-01');
    expect(addBusinessDays('2025-03-28', 1, KP)).toBe('2025-03-31');
  });

  it('refuses a negative or fractional count, an instant without zone, an unknown calendar', () => {
    expect(() => addBusinessDays('2025-01-06', -1, CA)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-01-06', 1.5, CA)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-01-06T10:00:00', 1, CA)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-01-06', 1, 'nowhere')).toThrow(RangeError);
  });
});

describe('addCalendarDays: day 0 + N, never moved', () => {
  it('a due date on a weekend or holiday stays there', () => {
    expect(addCalendarDays('2025-03-21', 30)).toBe('2025-04-20'); // a Sunday
    expect(addCalendarDays('2025-11-26', 1)).toBe('2025-11-27'); // Thanksgiving
  });
  it('ASSIGN-CHANGE 30 days across year end and a leap day', () => {
    expect(addCalendarDays('2025-12-15', 30)).toBe('2026-01-14');
    expect(addCalendarDays('2028-02-15', 30)).toBe('2028-03-16');
  });
  it('day 0 of an instant is its Pacific date', () => {
    expect(addCalendarDays('2025-12-01T07:59:00Z', 30)).toBe('2025-12-30');
    expect(addCalendarDays('2025-12-01T08:00:00Z', 30)).toBe('2025-12-31');
  });
});

describe('addClockHours: continuous from the event instant', () => {
  it('AUTH-TAT expedited: 72 hours across a weekend', () => {
    expect(addClockHours('2025-01-10T14:30:00-08:00', 72)).toBe('2025-01-13T14:30:00-08:00');
    expect(addClockHours('2025-01-10T22:30:00Z', 72)).toBe('2025-01-13T14:30:00-08:00');
    expect(addClockHours(new Date('2025-01-10T22:30:00.123Z'), 72)).toBe('2025-01-13T14:30:00.123-08:00');
  });
  it('72 hours across the spring DST change: the wall clock moves one hour later', () => {
    const due = addClockHours('2025-03-07T09:00:00-08:00', 72);
    expect(due).toBe('2025-03-10T10:00:00-07:00');
    expect(Date.parse(due) - Date.parse('2025-03-07T09:00:00-08:00')).toBe(72 * HOUR);
  });
  it('72 hours across the autumn DST change: the wall clock moves one hour earlier', () => {
    const due = addClockHours('2025-10-31T09:00:00-07:00', 72);
    expect(due).toBe('2025-11-03T08:00:00-08:00');
    expect(Date.parse(due) - Date.parse('2025-10-31T09:00:00-07:00')).toBe(72 * HOUR);
  });
  it('holidays do not stop the clock', () => {
    expect(addClockHours('2025-11-26T12:00:00-08:00', 72)).toBe('2025-11-29T12:00:00-08:00');
  });
  it('refuses a date without time and negative hours', () => {
    expect(() => addClockHours('2025-01-10', 72)).toThrow(RangeError);
    expect(() => addClockHours('2025-01-10T14:30:00-08:00', -1)).toThrow(RangeError);
    expect(() => addClockHours('not a time', 1)).toThrow(RangeError);
  });
});

describe('addMonths and authorizationPeriod (DATE-UNITS: months, periods)', () => {
  it('keeps the day of month, clamped to the month end', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-03-31', 1)).toBe('2025-04-30');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2025-12-15', 1)).toBe('2026-01-15');
    expect(addMonths('2025-01-15', -1)).toBe('2024-12-15');
    expect(addMonths('2025-08-31', -6)).toBe('2025-02-28');
  });

  it('AUTH-PERIOD: N months from S cover S through the day before S + N months', () => {
    expect(authorizationPeriod('2025-03-15', 12)).toEqual({ start: '2025-03-15', end: '2026-03-14' });
    expect(authorizationPeriod('2025-01-01', 6)).toEqual({ start: '2025-01-01', end: '2025-06-30' });
    expect(authorizationPeriod('2025-01-31', 1)).toEqual({ start: '2025-01-31', end: '2025-02-27' });
    expect(authorizationPeriod('2025-12-01T07:00:00Z', 6)).toEqual({ start: '2025-11-30', end: '2026-05-29' });
  });

  it('refuses zero or fractional months', () => {
    expect(() => authorizationPeriod('2025-01-01', 0)).toThrow(RangeError);
    expect(() => addMonths('2025-01-01', 0.5)).toThrow(RangeError);
  });
});

describe('the due-date examples of implementation-guide/plan-settings.md', () => {
  const tables = new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, 'plan-settings.md'), 'utf8')).filter((t): t is Tokens.Table => t.type === 'table');
  const examples = tables.find((t) => t.header[0].text === 'day 0');
  it('are in the page', () => expect(examples?.rows.length).toBeGreaterThan(5));
  it.each((examples?.rows ?? []).map((r) => r.map((c) => c.text)))('%s + %s (%s) = %s', (day0Cell, deadline, calendar, due) => {
    const day0 = day0Cell.split(' ')[0];
    const [count, ...unit] = deadline.split(' ');
    const n = Number(count);
    const computed: Record<string, () => string> = {
      'business days': () => addBusinessDays(day0, n, calendar),
      'calendar days': () => addCalendarDays(day0, n),
      'clock hours': () => addClockHours(day0, n),
      month: () => addMonths(day0, n),
      months: () => addMonths(day0, n),
      'months of authorization': () => authorizationPeriod(day0, n).end,
    };
    expect(computed[unit.join(' ')]?.()).toBe(due);
  });
});
