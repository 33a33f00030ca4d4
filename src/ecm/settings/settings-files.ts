import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOLIDAY_CALENDAR_NAMES } from '../calendar/holiday-calendars.ts';
import { isLocalDate } from '../calendar/local-dates.ts';
import {
  ASSIGN_STEPS,
  AUTH_CLOCK_STARTS,
  BH_CONDITIONS,
  CADENCES,
  DAY_UNITS,
  NOTICE_CHANNELS,
  NOTICE_RECIPIENTS,
  type PlanSettings,
  type SettingsProfileFile,
} from './plan-settings.ts';

/**
 * Reading and checking settings profile files. The shipped profiles are ./profiles/*.json; the
 * operator may name a directory of more profile files in ECM_SETTINGS_DIR, read after the shipped
 * ones: a file with the name and version of a shipped one replaces it, a new version of a profile
 * (later effectiveFrom) wins from its effectiveFrom on, and a new name is a new profile. Every
 * file is checked against the shipped default, so a typo fails at load instead of silently
 * falling back to a default.
 */
export const SETTINGS_DIR_ENV = 'ECM_SETTINGS_DIR';
export const SHIPPED_PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

export class SettingsProfileError extends Error {
  override name = 'SettingsProfileError';
}

const PROFILE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const FILE_KEYS = new Set(['name', 'version', 'effectiveFrom', 'effectiveTo', 'description', 'payors', 'settings']);

type SettingPath = `${keyof PlanSettings}` | `${keyof PlanSettings}.${string}`;

/** Allowed values of code-valued settings (strings, or each item of a list), by path. */
const DOMAINS: Partial<Record<SettingPath, readonly string[]>> = {
  holidayCalendar: HOLIDAY_CALENDAR_NAMES,
  unqualifiedDayUnit: DAY_UNITS,
  authClockStart: AUTH_CLOCK_STARTS,
  approvalNoticeRecipients: NOTICE_RECIPIENTS,
  'noticeChannels.member': NOTICE_CHANNELS,
  'noticeChannels.provider': NOTICE_CHANNELS,
  assignOrder: ASSIGN_STEPS,
  bhAssignConditions: BH_CONDITIONS,
  eligibleListFreq: CADENCES,
  assignedListFreq: CADENCES,
  newAssignmentFreq: CADENCES,
  iddAges: ['off', 'under-21', 'all'] satisfies PlanSettings['iddAges'][],
  birthEquityLogic: ['other-pof-or-disparity', 'disparity-only'] satisfies PlanSettings['birthEquityLogic'][],
  'cocLookback.unit': ['days', 'months'] satisfies PlanSettings['cocLookback']['unit'][],
  cocLookbackAnchor: ['coverage-start'] satisfies PlanSettings['cocLookbackAnchor'][],
};
/** Settings that may be null, with the kind of their non-null value. */
const NULLABLE: Partial<Record<SettingPath, string>> = { birthEquityDisparityFrom: 'string', referralResponseDays: 'number' };
const DATES = new Set<string>(['birthEquityDisparityFrom', 'tcmExceptionPeriod.start', 'tcmExceptionPeriod.end']);

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** The profile files of one directory, by file name; each checked for shape (not yet for its settings). */
export function readSettingsProfileDir(dir: string): SettingsProfileFile[] {
  return readProfileEntries(dir).map((e) => e.file);
}

function readProfileEntries(dir: string): { file: SettingsProfileFile; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (err) {
    throw new SettingsProfileError(`settings profile directory ${dir} cannot be read: ${(err as Error).message}`);
  }
  const seen = new Map<string, string>();
  return names.map((f) => {
    const path = join(dir, f);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new SettingsProfileError(`${path}: not JSON (${(err as Error).message})`);
    }
    const file = checkShape(parsed, path);
    const id = `${file.name}@${file.version}`;
    if (seen.has(id)) throw new SettingsProfileError(`${path}: ${id} is also in ${seen.get(id)}`);
    seen.set(id, path);
    return { file, path };
  });
}

function checkShape(v: unknown, path: string): SettingsProfileFile {
  const fail = (problem: string): never => {
    throw new SettingsProfileError(`${path}: ${problem}`);
  };
  if (kindOf(v) !== 'object') fail('not a JSON object');
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!FILE_KEYS.has(key)) fail(`unknown key "${key}"`);
  if (typeof o.name !== 'string' || !PROFILE_NAME.test(o.name)) fail('name must be lowercase letters, digits and hyphens');
  if (typeof o.version !== 'string' || !o.version) fail('version must be a non-empty string');
  if (typeof o.effectiveFrom !== 'string' || !isLocalDate(o.effectiveFrom)) fail('effectiveFrom must be a date (YYYY-MM-DD)');
  if (o.effectiveTo !== undefined && (typeof o.effectiveTo !== 'string' || !isLocalDate(o.effectiveTo) || o.effectiveTo < (o.effectiveFrom as string))) {
    fail('effectiveTo must be a date (YYYY-MM-DD) not before effectiveFrom');
  }
  if (o.description !== undefined && typeof o.description !== 'string') fail('description must be a string');
  if (!Array.isArray(o.payors) || o.payors.some((p) => typeof p !== 'string')) fail('payors must be a list of Organization references');
  if (kindOf(o.settings) !== 'object') fail('settings must be an object');
  return o as unknown as SettingsProfileFile;
}

/** Every setting a file gives exists in the reference default and has its kind and, for codes, an allowed value. */
function checkSettings(file: SettingsProfileFile, reference: Record<string, unknown>, path: string): void {
  const fail = (problem: string): never => {
    throw new SettingsProfileError(`${path} (${file.name} ${file.version}): ${problem}`);
  };
  const checkValue = (key: string, value: unknown, ref: unknown): void => {
    const nullable = NULLABLE[key as SettingPath];
    const expected = nullable ?? kindOf(ref);
    if (value === null ? !nullable : kindOf(value) !== expected) fail(`${key} must be ${nullable ? `a ${nullable} or null` : `of JSON type ${expected}`}`);
    const domain = DOMAINS[key as SettingPath];
    if (typeof value === 'number' && value < 0) fail(`${key} must not be negative`);
    if (typeof value === 'string' && DATES.has(key) && !isLocalDate(value)) fail(`${key} must be a date (YYYY-MM-DD)`);
    if (typeof value === 'string' && domain && !domain.includes(value)) fail(`${key} "${value}" is not one of ${domain.join(', ')}`);
    if (Array.isArray(value)) {
      const itemKind = Array.isArray(ref) && ref.length ? kindOf(ref[0]) : 'string';
      for (const item of value) {
        if (kindOf(item) !== itemKind) fail(`${key} must list ${itemKind}s`);
        if (domain && !domain.includes(item as string)) fail(`${key} item "${String(item)}" is not one of ${domain.join(', ')}`);
      }
      if (domain && new Set(value).size !== value.length) fail(`${key} lists an item twice`);
    }
    if (kindOf(value) === 'object') {
      const refObject = ref as Record<string, unknown>;
      for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
        if (!(sub in refObject)) fail(`${key} has no key "${sub}" (known: ${Object.keys(refObject).join(', ')})`);
        checkValue(`${key}.${sub}`, subValue, refObject[sub]);
      }
    }
  };
  for (const [key, value] of Object.entries(file.settings)) {
    if (!(key in reference)) fail(`unknown setting "${key}"`);
    checkValue(key, value, reference[key]);
  }
  if (file.name === 'default') {
    const missing = Object.keys(reference).filter((k) => !(k in file.settings));
    if (missing.length) fail(`a default profile must give every setting; missing ${missing.join(', ')}`);
  }
}

/**
 * The shipped profiles, then the operator's directory (if any) over them, all checked against the
 * shipped default in force last (the settings this server version knows).
 */
export function loadSettingsProfileFiles(operatorDir?: string): SettingsProfileFile[] {
  const sources = new Map<string, { file: SettingsProfileFile; path: string }>();
  const add = (dir: string) => {
    for (const entry of readProfileEntries(dir)) sources.set(`${entry.file.name}@${entry.file.version}`, entry);
  };
  add(SHIPPED_PROFILES_DIR);
  const reference = [...sources.values()]
    .map((s) => s.file)
    .filter((f) => f.name === 'default')
    .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  if (!reference) throw new SettingsProfileError(`${SHIPPED_PROFILES_DIR} has no default profile`);
  if (operatorDir) add(resolve(operatorDir));
  for (const { file, path } of sources.values()) checkSettings(file, reference.settings as Record<string, unknown>, path);
  return [...sources.values()].map((s) => s.file);
}
