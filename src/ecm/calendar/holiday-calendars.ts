/**
 * Holiday calendars as named data: a plan settings profile names one in `holidayCalendar`, and
 * business days (DATE-UNITS) skip its observed holidays. Adding a calendar is adding an entry here,
 * never a branch in code.
 */

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Where a holiday falling on a Saturday is observed; a Sunday one. */
export type SaturdayObservance = 'friday' | 'none';
export type SundayObservance = 'monday' | 'none';

/** A holiday on a fixed date, e.g. 25 December. */
export interface FixedDateHoliday {
  name: string;
  month: number;
  day: number;
  /** Overrides the calendar's Saturday rule for this holiday. */
  saturday?: SaturdayObservance;
}

/** The nth weekday of a month (nth -1 = the last), optionally shifted, e.g. the day after Thanksgiving. */
export interface NthWeekdayHoliday {
  name: string;
  month: number;
  weekday: Weekday;
  nth: 1 | 2 | 3 | 4 | -1;
  offsetDays?: number;
}

export type HolidayRule = FixedDateHoliday | NthWeekdayHoliday;

export interface HolidayCalendar {
  name: string;
  title: string;
  /** Where the list and the weekend rules come from. */
  source: string;
  saturday: SaturdayObservance;
  sunday: SundayObservance;
  holidays: HolidayRule[];
}

const NEW_YEAR: FixedDateHoliday = { name: "New Year's Day", month: 1, day: 1 };
const MEMORIAL_DAY: NthWeekdayHoliday = { name: 'Memorial Day', month: 5, weekday: 'monday', nth: -1 };
const INDEPENDENCE_DAY: FixedDateHoliday = { name: 'Independence Day', month: 7, day: 4 };
const LABOR_DAY: NthWeekdayHoliday = { name: 'Labor Day', month: 9, weekday: 'monday', nth: 1 };
const THANKSGIVING: NthWeekdayHoliday = { name: 'Thanksgiving Day', month: 11, weekday: 'thursday', nth: 4 };
const CHRISTMAS: FixedDateHoliday = { name: 'Christmas Day', month: 12, day: 25 };

export const HOLIDAY_CALENDARS: readonly HolidayCalendar[] = [
  {
    name: 'ca-state',
    title: 'California state holidays',
    // Gov. Code 6700 lists more days (Lincoln Day, Juneteenth, Native American Day, ...), but state
    // offices stay open on them: state employees may take those only in lieu of a personal holiday
    // (Gov. Code 19853). A Saturday holiday is not moved, except Veterans Day (CalHR, SOS lists).
    source: 'CalHR state holidays (paid holidays of Gov. Code 19853): Sunday holidays observed Monday (Gov. Code 6701); Saturday holidays not moved, except Veterans Day on the Friday before',
    saturday: 'none',
    sunday: 'monday',
    holidays: [
      NEW_YEAR,
      { name: 'Martin Luther King Jr. Day', month: 1, weekday: 'monday', nth: 3 },
      { name: "Presidents' Day", month: 2, weekday: 'monday', nth: 3 },
      { name: 'Cesar Chavez Day', month: 3, day: 31 },
      MEMORIAL_DAY,
      INDEPENDENCE_DAY,
      LABOR_DAY,
      { name: 'Veterans Day', month: 11, day: 11, saturday: 'friday' },
      THANKSGIVING,
      { ...THANKSGIVING, name: 'Day after Thanksgiving', offsetDays: 1 },
      CHRISTMAS,
    ],
  },
  {
    name: 'kp-major',
    title: 'Kaiser Permanente major holidays',
    // 003 KP Referral: intake lines are "closed major holidays" without a list; the six US major
    // holidays and the California weekend rules are a server default (no seed source).
    source: '003 KP Referral ("closed major holidays"); list and weekend rules are a server default',
    saturday: 'none',
    sunday: 'monday',
    holidays: [NEW_YEAR, MEMORIAL_DAY, INDEPENDENCE_DAY, LABOR_DAY, THANKSGIVING, CHRISTMAS],
  },
];

export const HOLIDAY_CALENDAR_NAMES: readonly string[] = HOLIDAY_CALENDARS.map((c) => c.name);

export function holidayCalendarNamed(name: string): HolidayCalendar {
  const calendar = HOLIDAY_CALENDARS.find((c) => c.name === name);
  if (!calendar) throw new RangeError(`unknown holiday calendar "${name}" (known: ${HOLIDAY_CALENDAR_NAMES.join(', ')})`);
  return calendar;
}
