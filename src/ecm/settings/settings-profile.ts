import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Plan settings profiles (ECM-RULES.md 0.5): one JSON file per plan and version in ./profiles,
 * plus `default`. A plan profile holds only the values that differ from the default; a value it
 * leaves out is the default's. Profiles are versioned and effective-dated, and every decision
 * records the name and version it used (DECISION-RECORD). This is the only settings mechanism:
 * later rules (authorization, assignment, outreach) add their keys to `PlanSettings`.
 */
export interface PlanSettings {
  utilAdult: { edVisits: number; stays: number; months: number };
  utilChild: { edVisits: number; stays: number; months: number };
  homelessAtRisk: boolean;
  homelessImminentLossDays: number;
  familyRequiresComplexNeed: boolean;
  birthEquityLogic: 'other-pof-or-disparity' | 'disparity-only';
  /** null = the disparity branch is undated (always in force). */
  birthEquityDisparityFrom: string | null;
  iddAges: 'off' | 'under-21' | 'all';
  fosterAgedOutMaxAgeExclusive: number;
  ccsRecentContactMonths: number;
  exclusions: string[];
  tcmExceptionPeriod: { start: string; end: string };
  cocLookback: { value: number; unit: 'days' | 'months' };
  cocLookbackAnchor: 'coverage-start';
  unresponsiveMinAttempts: number;
  unresponsiveMinDays: number;
  unresponsiveNotBeforeAuthEnd: boolean;
  /** ID-STRAT priority score weights and tier cut-offs (identification.md "Priority score"). */
  priority: PriorityWeights;
}

export interface PriorityWeights {
  /** Points per Population of Focus met. */
  perPof: number;
  /** Points per ED visit (Encounter.class EMER) in the utilization window, counted up to edVisitsMax. */
  edVisit: number;
  edVisitsMax: number;
  /** Points per inpatient stay (class IMP, ACUTE, NONAC) in the window, counted up to inpatientStaysMax. */
  inpatientStay: number;
  inpatientStaysMax: number;
  /** The utilization window: calendar months before E (DATE-UNITS). */
  utilizationMonths: number;
  /** Points when the latest ED visit or stay started at most recentAcuteDays before E. */
  recentAcuteDays: number;
  recentAcute: number;
  /** Points when the homelessness POF is met. */
  homelessness: number;
  /** Points when the incarceration-transition POF is met (release within its look-back). */
  recentRelease: number;
  /** Tier high from this score, medium from tierMediumFrom, else low. */
  tierHighFrom: number;
  tierMediumFrom: number;
}

export interface SettingsProfileFile {
  name: string;
  version: string;
  effectiveFrom: string;
  effectiveTo?: string;
  description?: string;
  /** Coverage.payor references (plan Organizations) this profile applies to. */
  payors: string[];
  settings: Partial<PlanSettings>;
}

/** A profile resolved for one evaluation date: its identity and the full settings. */
export interface SettingsProfile {
  name: string;
  version: string;
  settings: PlanSettings;
}

const PROFILES_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

let cached: SettingsProfileFile[] | undefined;

export function settingsProfileFiles(): SettingsProfileFile[] {
  cached ??= readdirSync(PROFILES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(`${PROFILES_DIR}${f}`, 'utf8')) as SettingsProfileFile);
  return cached;
}

function inForce(file: SettingsProfileFile, date: string): boolean {
  return file.effectiveFrom <= date && (!file.effectiveTo || date <= file.effectiveTo);
}

/** The version of the named profile in force on `date` (the latest effectiveFrom), if any. */
function versionInForce(name: string, date: string): SettingsProfileFile | undefined {
  return settingsProfileFiles()
    .filter((f) => f.name === name && inForce(f, date))
    .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
}

export function settingsProfileNames(): string[] {
  return [...new Set(settingsProfileFiles().map((f) => f.name))];
}

/** The named profile on `date`, merged over the default; undefined when no version is in force. */
export function settingsProfileNamed(name: string, date: string): SettingsProfile | undefined {
  const base = versionInForce('default', date);
  if (!base) throw new Error(`no default settings profile is in force on ${date}`);
  const file = name === 'default' ? base : versionInForce(name, date);
  if (!file) return undefined;
  return { name: file.name, version: file.version, settings: { ...(base.settings as PlanSettings), ...file.settings } };
}

/** The profile of the plan that pays the member's coverage (Coverage.payor), else the default. */
export function settingsProfileForPayors(payors: string[], date: string): SettingsProfile {
  const match = settingsProfileFiles().find((f) => f.name !== 'default' && inForce(f, date) && f.payors.some((p) => payors.includes(p)));
  return settingsProfileNamed(match?.name ?? 'default', date)!;
}
