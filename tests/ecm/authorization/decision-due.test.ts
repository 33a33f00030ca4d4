import { describe, expect, it } from 'vitest';
import { decidedOnTime, decisionDue, endOfLocalDay } from '../../../src/ecm/authorization/decision-due.ts';
import { settingsProfileNamed } from '../../../src/ecm/settings/settings-profile.ts';

// AUTH-TAT under the Kern profile: 5 business days (CA state holidays) routine, 72 clock hours expedited.
const kern = settingsProfileNamed('kern', '2026-11-23')!.settings;
const kp = settingsProfileNamed('kp', '2026-11-23')!.settings;
const routine = (receipt: string) => decisionDue(receipt, false, kern);
const expedited = (receipt: string) => decisionDue(receipt, true, kern);

describe('AUTH-TAT routine: the 5th business day after day 0, on time through the end of that day', () => {
  it('uses the Kern settings (5 business days, 72 hours)', () => {
    expect([kern.authTatRoutineWorkingDays, kern.authTatExpeditedHours, kern.holidayCalendar]).toEqual([5, 72, 'ca-state']);
  });

  it('skips a weekend: Wednesday → the next Wednesday; Friday → the next Friday', () => {
    expect(routine('2026-10-07T10:00:00-07:00')).toBe('2026-10-14T23:59:59-07:00');
    expect(routine('2026-10-09T16:00:00-07:00')).toBe('2026-10-16T23:59:59-07:00');
  });

  it('day 0 never counts: a Saturday or Sunday receipt is due the same Friday as a Friday one', () => {
    expect(routine('2026-10-10T09:00:00-07:00')).toBe('2026-10-16T23:59:59-07:00');
    expect(routine('2026-10-11T09:00:00-07:00')).toBe('2026-10-16T23:59:59-07:00');
    // Monday is day 0 of the next week
    expect(routine('2026-10-12T00:00:01-07:00')).toBe('2026-10-19T23:59:59-07:00');
  });

  it('day 0 is the local date in America/Los_Angeles, whatever zone the receipt is written in', () => {
    // 23:30 Pacific on Friday is Saturday 06:30 UTC: still a Friday receipt
    expect(routine('2026-10-10T06:30:00Z')).toBe('2026-10-16T23:59:59-07:00');
    // 00:30 Pacific on Saturday
    expect(routine('2026-10-10T07:30:00Z')).toBe('2026-10-16T23:59:59-07:00');
    // 23:59:59 Pacific on Thursday → the next Thursday
    expect(routine('2026-10-09T06:59:59Z')).toBe('2026-10-15T23:59:59-07:00');
  });

  it('skips Thanksgiving and the day after: Monday 23 November 2026 → Wednesday 2 December', () => {
    expect(routine('2026-11-23T09:15:00-08:00')).toBe('2026-12-02T23:59:59-08:00');
    // the Friday before: Mon 23, Tue 24, Wed 25, Mon 30, Tue 1
    expect(routine('2026-11-20T09:00:00-08:00')).toBe('2026-12-01T23:59:59-08:00');
    // KP closes only Thanksgiving Day, not the day after (kp-major calendar)
    expect(decisionDue('2026-11-23T09:15:00-08:00', false, kp)).toBe('2026-12-01T23:59:59-08:00');
  });

  it('skips Christmas and New Year across the year end', () => {
    expect(routine('2026-12-23T12:00:00-08:00')).toBe('2026-12-31T23:59:59-08:00');
    expect(routine('2026-12-28T12:00:00-08:00')).toBe('2027-01-05T23:59:59-08:00');
    expect(routine('2026-12-31T23:00:00-08:00')).toBe('2027-01-08T23:59:59-08:00');
  });

  it('stores the end of the due day with the offset of that day (daylight saving time ends 1 November 2026)', () => {
    expect(routine('2026-10-27T12:00:00-07:00')).toBe('2026-11-03T23:59:59-08:00');
    expect(endOfLocalDay('2026-03-08')).toBe('2026-03-08T23:59:59-07:00');
    expect(endOfLocalDay('2026-11-01')).toBe('2026-11-01T23:59:59-08:00');
  });
});

describe('AUTH-TAT expedited: 72 clock hours, counted continuously', () => {
  it('runs across a weekend: Friday 15:00 → Monday 15:00', () => {
    expect(expedited('2026-10-09T15:00:00-07:00')).toBe('2026-10-12T15:00:00-07:00');
  });

  it('ignores holidays: Wednesday before Thanksgiving → Saturday', () => {
    expect(expedited('2026-11-25T08:00:00-08:00')).toBe('2026-11-28T08:00:00-08:00');
  });

  it('is 72 real hours across the daylight saving change (the wall clock moves one hour)', () => {
    expect(expedited('2026-10-30T15:00:00-07:00')).toBe('2026-11-02T14:00:00-08:00');
  });
});

describe('on time (DATE-UNITS: action on the due date is on time)', () => {
  it('up to and including the due instant, not a second later', () => {
    const due = routine('2026-11-23T09:15:00-08:00');
    expect(decidedOnTime('2026-12-02T23:59:59-08:00', due)).toBe(true);
    expect(decidedOnTime('2026-12-03T00:00:00-08:00', due)).toBe(false);
    expect(decidedOnTime('2026-12-02T08:00:00Z', due)).toBe(true);
    const hours = expedited('2026-10-09T15:00:00-07:00');
    expect(decidedOnTime('2026-10-12T15:00:00-07:00', hours)).toBe(true);
    expect(decidedOnTime('2026-10-12T15:00:01-07:00', hours)).toBe(false);
  });
});
