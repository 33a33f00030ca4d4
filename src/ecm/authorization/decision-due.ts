import { addBusinessDays, addClockHours } from '../calendar/deadlines.ts';
import { formatLocalInstant, instantMs, type EventTime } from '../calendar/local-dates.ts';
import type { PlanSettings } from '../settings/settings-profile.ts';

/**
 * AUTH-TAT: when an authorization decision is due. Day 0 / the event is the clock start
 * (`authClockStart`, default the referral's receipt). Routine: the `authTatRoutineWorkingDays`th
 * business day after day 0 on the plan's holiday calendar; a decision on that day is on time, so
 * the due date is stored as the last second of that day in America/Los_Angeles. Expedited:
 * `authTatExpeditedHours` clock hours after the clock start, as an instant. Both are FHIR
 * dateTimes with their offset, so one date search (`decision-due=lt<now>`) finds what is overdue
 * whichever kind it is.
 */
export function decisionDue(clockStart: EventTime, expedited: boolean, settings: PlanSettings): string {
  if (expedited) return addClockHours(clockStart, settings.authTatExpeditedHours);
  return endOfLocalDay(addBusinessDays(clockStart, settings.authTatRoutineWorkingDays, settings.holidayCalendar));
}

/** The last second of a local date in America/Los_Angeles, with that day's UTC offset (-08:00 or -07:00). */
export function endOfLocalDay(date: string): string {
  for (const offset of ['-08:00', '-07:00']) {
    const candidate = `${date}T23:59:59${offset}`;
    if (formatLocalInstant(instantMs(candidate)) === candidate) return candidate;
  }
  throw new RangeError(`no end of day for ${date} in America/Los_Angeles`);
}

/** Whether a decision at `decidedAt` meets the due date (action on the due date is on time, DATE-UNITS). */
export function decidedOnTime(decidedAt: EventTime, due: string): boolean {
  return instantMs(decidedAt) <= instantMs(due);
}
