import type { PlanSettings, PlanSettingsPatch, SettingsProfile, SettingsProfileFile } from './plan-settings.ts';
import { loadSettingsProfileFiles, SETTINGS_DIR_ENV } from './settings-files.ts';

export * from './plan-settings.ts';

/**
 * Plan settings profiles (ECM-RULES.md 0.5): one JSON file per plan and version in ./profiles,
 * plus `default`. A plan profile holds only the values that differ from the default; a value it
 * leaves out is the default's. Profiles are versioned and effective-dated, and every decision
 * records the name and version it used (DECISION-RECORD). This is the only settings mechanism:
 * later rules add their keys to `PlanSettings` (plan-settings.ts). The operator adds or replaces
 * profiles without code changes in the directory named by ECM_SETTINGS_DIR (settings-files.ts).
 */
export class SettingsProfiles {
  constructor(readonly files: readonly SettingsProfileFile[]) {}

  names(): string[] {
    return [...new Set(this.files.map((f) => f.name))];
  }

  /** The named profile on `date`, merged over the default; undefined when no version is in force. */
  named(name: string, date: string): SettingsProfile | undefined {
    const base = this.versionInForce('default', date);
    if (!base) throw new Error(`no default settings profile is in force on ${date}`);
    const file = name === 'default' ? base : this.versionInForce(name, date);
    if (!file) return undefined;
    return { name: file.name, version: file.version, settings: mergeSettings(base.settings as PlanSettings, file.settings) };
  }

  /** The profile of the plan that pays the member's coverage (Coverage.payor), else the default. */
  forPayors(payors: string[], date: string): SettingsProfile {
    const match = this.files.find((f) => f.name !== 'default' && inForce(f, date) && f.payors.some((p) => payors.includes(p)));
    return this.named(match?.name ?? 'default', date)!;
  }

  /** The version of the named profile in force on `date`: the latest effectiveFrom wins. */
  private versionInForce(name: string, date: string): SettingsProfileFile | undefined {
    return this.files
      .filter((f) => f.name === name && inForce(f, date))
      .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  }
}

function inForce(file: SettingsProfileFile, date: string): boolean {
  return file.effectiveFrom <= date && (!file.effectiveTo || date <= file.effectiveTo);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A plan value replaces the default's; a nested object replaces only the keys it gives (lists are replaced whole). */
export function mergeSettings(base: PlanSettings, patch: PlanSettingsPatch): PlanSettings {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? { ...current, ...value } : value;
  }
  return merged as unknown as PlanSettings;
}

let loaded: SettingsProfiles | undefined;

/** The shipped profiles plus the operator's (ECM_SETTINGS_DIR), read and checked once. */
export function settingsProfiles(): SettingsProfiles {
  loaded ??= new SettingsProfiles(loadSettingsProfileFiles(process.env[SETTINGS_DIR_ENV] || undefined));
  return loaded;
}

export function settingsProfileFiles(): readonly SettingsProfileFile[] {
  return settingsProfiles().files;
}

export function settingsProfileNames(): string[] {
  return settingsProfiles().names();
}

export function settingsProfileNamed(name: string, date: string): SettingsProfile | undefined {
  return settingsProfiles().named(name, date);
}

export function settingsProfileForPayors(payors: string[], date: string): SettingsProfile {
  return settingsProfiles().forPayors(payors, date);
}
