import { HOLIDAY_CALENDARS, type HolidayCalendar, type HolidayRule } from '../calendar/holiday-calendars.ts';
import type { SettingsProfileFile } from './plan-settings.ts';
import { readSettingsProfileDir, SHIPPED_PROFILES_DIR } from './settings-files.ts';

/**
 * The cells of the tables in implementation-guide/plan-settings.md, rendered from the shipped
 * profile files and holiday calendars (a test compares the page with them, so it cannot drift).
 */

/** Profile columns of the settings table, in the order of ECM-RULES.md 0.5. */
export const TABLE_PROFILES = ['default', 'kern', 'partnership', 'caloptima', 'kp'] as const;
export const NOT_GIVEN = '—';

export function renderSettingValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? value.map(renderSettingValue).join(', ') : '(none)';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${renderSettingValue(v)}`)
      .join('; ');
  }
  return String(value);
}

function latestVersions(): Map<string, SettingsProfileFile> {
  const latest = new Map<string, SettingsProfileFile>();
  for (const f of readSettingsProfileDir(SHIPPED_PROFILES_DIR)) {
    const seen = latest.get(f.name);
    if (!seen || f.effectiveFrom > seen.effectiveFrom) latest.set(f.name, f);
  }
  return latest;
}

/** One row per setting of the default profile: the setting, then its value in each profile (— = not given). */
export function settingsTableRows(): { setting: string; values: string[] }[] {
  const files = latestVersions();
  const settingsOf = (name: string) => (files.get(name)?.settings ?? {}) as Record<string, unknown>;
  return Object.keys(settingsOf('default')).map((setting) => ({
    setting,
    values: TABLE_PROFILES.map((p) => (setting in settingsOf(p) ? renderSettingValue(settingsOf(p)[setting]) : NOT_GIVEN)),
  }));
}

/** One row per profile the settings table shows: name, version, effective from, payors. */
export function profileTableRows(): string[][] {
  const files = latestVersions();
  return TABLE_PROFILES.map((p) => {
    const f = files.get(p);
    return [p, f?.version ?? NOT_GIVEN, f?.effectiveFrom ?? NOT_GIVEN, f?.payors.length ? f.payors.join(', ') : NOT_GIVEN];
  });
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ORDINAL: Record<number, string> = { 1: '1st', 2: '2nd', 3: '3rd', 4: '4th', [-1]: 'last' };

function describeRule(rule: HolidayRule): string {
  if ('day' in rule) {
    const saturday = rule.saturday === 'friday' ? '; on a Saturday: the Friday before' : '';
    return `${rule.name} (${rule.day} ${MONTHS[rule.month - 1]}${saturday})`;
  }
  const weekday = rule.weekday[0].toUpperCase() + rule.weekday.slice(1);
  const base = `${ORDINAL[rule.nth]} ${weekday} of ${MONTHS[rule.month - 1]}`;
  return `${rule.name} (${rule.offsetDays ? `${rule.offsetDays} day${rule.offsetDays === 1 ? '' : 's'} after the ${base}` : base})`;
}

function describeWeekend(calendar: HolidayCalendar): string {
  const saturday = calendar.saturday === 'friday' ? 'Friday before' : 'not moved';
  const sunday = calendar.sunday === 'monday' ? 'Monday after' : 'not moved';
  return `Saturday: ${saturday}; Sunday: ${sunday}`;
}

/** One row per holiday calendar: name, holidays, weekend rule. */
export function holidayCalendarRows(): string[][] {
  return HOLIDAY_CALENDARS.map((c) => [c.name, c.holidays.map(describeRule).join(', '), describeWeekend(c)]);
}
