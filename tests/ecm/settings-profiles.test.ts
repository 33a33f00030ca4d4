import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lexer, type Tokens } from 'marked';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PlanSettings } from '../../src/ecm/settings/plan-settings.ts';
import { loadSettingsProfileFiles, SettingsProfileError, SHIPPED_PROFILES_DIR } from '../../src/ecm/settings/settings-files.ts';
import { SettingsProfiles, settingsProfileForPayors, settingsProfileNamed } from '../../src/ecm/settings/settings-profile.ts';
import { holidayCalendarRows, profileTableRows, settingsTableRows } from '../../src/ecm/settings/settings-table.ts';
import { IG_DIR } from '../../src/http/ig-routes.ts';

// ECM-RULES.md 0.5: one settings mechanism, per-plan profiles over the default, operator override.

const D = '2026-01-15';
const settingsOf = (name: string, date = D) => settingsProfileNamed(name, date)!.settings;

/** Every key of PlanSettings; the compiler fails this file when a key is added without being listed. */
const ALL_KEYS: Record<keyof PlanSettings, true> = {
  utilAdult: true, utilChild: true, homelessAtRisk: true, homelessImminentLossDays: true, familyRequiresComplexNeed: true,
  birthEquityLogic: true, birthEquityDisparityFrom: true, iddAges: true, fosterAgedOutMaxAgeExclusive: true, ccsRecentContactMonths: true,
  exclusions: true, tcmExceptionPeriod: true, cocLookback: true, cocLookbackAnchor: true, unresponsiveMinAttempts: true,
  unresponsiveMinDays: true, unresponsiveNotBeforeAuthEnd: true, priority: true, holidayCalendar: true, unqualifiedDayUnit: true,
  caseByCaseAllowed: true, notMetOffer: true, caseByCaseReviewerRole: true, cocStartDays: true, cocAutoAuthorize: true, cocAuthMonths: true, cocExpedite: true,
  authBeforeAssignment: true, authTatRoutineWorkingDays: true, authTatExpeditedHours: true, authClockStart: true, initialAuthMonths: true,
  reauthMonths: true, approvalNoticeRecipients: true, noticeChannels: true, assignTatBusinessDays: true, pcpNoticeBusinessDays: true,
  assignOrder: true, bhAssignConditions: true, memberMayChangeLcm: true, changeTatDays: true, referralResponseDays: true, clrListRemovalMinFailures: true,
  eligibleListFreq: true, assignedListFreq: true, newAssignmentFreq: true,
};

/** The default column of 0.5 for the intake, authorization and assignment settings (sections 3 and 4). */
const DEFAULTS_3_4: Partial<PlanSettings> = {
  holidayCalendar: 'ca-state',
  unqualifiedDayUnit: 'calendar',
  caseByCaseAllowed: true,
  caseByCaseReviewerRole: 'medical-director',
  cocStartDays: 30,
  cocAutoAuthorize: true,
  cocAuthMonths: 6,
  authBeforeAssignment: true,
  authTatRoutineWorkingDays: 5,
  authTatExpeditedHours: 72,
  authClockStart: 'referral-receipt',
  initialAuthMonths: 12,
  reauthMonths: 6,
  approvalNoticeRecipients: ['member', 'ecm-provider', 'pcp', 'referrer'],
  noticeChannels: { member: ['mail'], provider: ['fhir-api'] },
  assignTatBusinessDays: 10,
  pcpNoticeBusinessDays: 10,
  assignOrder: ['preference', 'ji-prerelease', 'existing-ecm', 'ccs-wcm', 'bh', 'pcp', 'best-fit'],
  bhAssignConditions: ['SMI', 'SMH', 'SED', 'SUD'],
  memberMayChangeLcm: true,
  changeTatDays: 30,
  referralResponseDays: null,
  eligibleListFreq: 'monthly',
  assignedListFreq: 'weekly',
  newAssignmentFreq: 'weekly',
};
const pick = (s: PlanSettings) => Object.fromEntries(Object.keys(DEFAULTS_3_4).map((k) => [k, s[k as keyof PlanSettings]]));

describe('the shipped profiles (ECM-RULES.md 0.5)', () => {
  it('default gives every PlanSettings key, and nothing else', () => {
    const file = JSON.parse(readFileSync(join(SHIPPED_PROFILES_DIR, 'default.json'), 'utf8')) as { settings: object };
    expect(Object.keys(file.settings).sort()).toEqual(Object.keys(ALL_KEYS).sort());
  });

  it('default values of the section 3 and 4 settings are the default column', () => {
    expect(pick(settingsOf('default'))).toEqual(DEFAULTS_3_4);
  });

  it('each plan file gives exactly the section 3 and 4 values its column states ("—" left out)', () => {
    const given = (name: string) => {
      const s = JSON.parse(readFileSync(join(SHIPPED_PROFILES_DIR, `${name}.json`), 'utf8')).settings as Record<string, unknown>;
      return Object.fromEntries(Object.entries(s).filter(([k]) => k in DEFAULTS_3_4));
    };
    expect(given('kern')).toEqual({
      caseByCaseAllowed: true,
      caseByCaseReviewerRole: 'medical-director',
      cocStartDays: 30,
      // the table leaves it "—", but CONT-HIST-K states "No automatic authorization"
      cocAutoAuthorize: false,
      authBeforeAssignment: true,
      authTatRoutineWorkingDays: 5,
      authTatExpeditedHours: 72,
      initialAuthMonths: 12,
      approvalNoticeRecipients: ['member', 'ecm-provider', 'pcp'],
      noticeChannels: { provider: ['sftp'] },
      assignTatBusinessDays: 10,
      pcpNoticeBusinessDays: 10,
      bhAssignConditions: ['SUD', 'SMI'],
      memberMayChangeLcm: true,
      changeTatDays: 30,
      eligibleListFreq: 'monthly',
      assignedListFreq: 'weekly',
      newAssignmentFreq: 'weekly',
      // the seeds say only "timely"; each shipped plan profile carries the server's documented value (CLR-STATUS)
      referralResponseDays: 5,
    });
    expect(given('partnership')).toEqual({
      caseByCaseAllowed: true,
      cocAutoAuthorize: true,
      cocAuthMonths: 6,
      authBeforeAssignment: false,
      approvalNoticeRecipients: ['member', 'ecm-provider'],
      noticeChannels: { member: ['phone', 'mail', 'member-portal'], provider: ['pcc'] },
      assignTatBusinessDays: 10,
      bhAssignConditions: ['SED', 'SUD', 'SMH'],
      memberMayChangeLcm: false,
      changeTatDays: 30,
      eligibleListFreq: 'monthly',
      newAssignmentFreq: 'each',
      // the seeds say only "timely"; each shipped plan profile carries the server's documented value (CLR-STATUS)
      referralResponseDays: 5,
    });
    expect(given('caloptima')).toEqual({
      authBeforeAssignment: true,
      initialAuthMonths: 6,
      reauthMonths: 6,
      approvalNoticeRecipients: ['member'],
      noticeChannels: { provider: ['sftp', 'secure-email', 'health-connect'] },
      eligibleListFreq: 'monthly',
      // the seeds say only "timely"; each shipped plan profile carries the server's documented value (CLR-STATUS)
      referralResponseDays: 5,
    });
    expect(given('kp')).toEqual({ holidayCalendar: 'kp-major', referralResponseDays: 5 });
  });

  it('AUTH-FLOW: Kern authorizes before assignment, Partnership assigns first', () => {
    expect(settingsOf('kern').authBeforeAssignment).toBe(true);
    expect(settingsOf('partnership').authBeforeAssignment).toBe(false);
    expect(settingsOf('caloptima').authBeforeAssignment).toBe(true);
    expect(settingsOf('kp').authBeforeAssignment).toBe(true);
  });

  it('AUTH-PERIOD and AUTH-REAUTH: CalOptima 6 + 6 months, Kern and default 12', () => {
    expect(settingsOf('caloptima').initialAuthMonths).toBe(6);
    expect(settingsOf('caloptima').reauthMonths).toBe(6);
    expect(settingsOf('kern').initialAuthMonths).toBe(12);
    expect(settingsOf('partnership').initialAuthMonths).toBe(12);
  });

  it('KP runs on its major-holiday calendar, every other plan on the California state calendar', () => {
    expect(settingsOf('kp').holidayCalendar).toBe('kp-major');
    for (const plan of ['default', 'kern', 'partnership', 'caloptima']) expect(settingsOf(plan).holidayCalendar, plan).toBe('ca-state');
  });

  it('a plan object patches the default’s keys; lists replace whole; what a plan leaves out is the default', () => {
    expect(settingsOf('kern').noticeChannels).toEqual({ member: ['mail'], provider: ['sftp'] });
    expect(settingsOf('caloptima').noticeChannels).toEqual({ member: ['mail'], provider: ['sftp', 'secure-email', 'health-connect'] });
    expect(settingsOf('kern').bhAssignConditions).toEqual(['SUD', 'SMI']);
    expect(settingsOf('partnership').newAssignmentFreq).toBe('each');
    expect(settingsOf('partnership').memberMayChangeLcm).toBe(false);
    expect(settingsOf('kern').assignOrder).toEqual(DEFAULTS_3_4.assignOrder);
    expect(settingsOf('kern').referralResponseDays).toBe(5);
    expect(settingsOf('default').referralResponseDays).toBeNull();
    expect(settingsOf('partnership').caseByCaseReviewerRole).toBe('medical-director');
  });

  it('the member’s Coverage.payor selects the plan profile; an unknown payor gets the default', () => {
    expect(settingsProfileForPayors(['Organization/plan-partnership'], D)).toMatchObject({ name: 'partnership', version: '0.1.0' });
    expect(settingsProfileForPayors(['Organization/plan-kp'], D).settings.holidayCalendar).toBe('kp-major');
    expect(settingsProfileForPayors(['Organization/elsewhere'], D).name).toBe('default');
  });
});

describe('operator override directory (ECM_SETTINGS_DIR)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function dirWith(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'ecm-settings-'));
    dirs.push(dir);
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
    return dir;
  }
  const profile = (name: string, version: string, effectiveFrom: string, settings: object, payors = [`Organization/plan-${name}`]) => ({
    name,
    version,
    effectiveFrom,
    payors,
    settings,
  });

  const override = dirWith({
    'kern.json': profile('kern', '0.1.0', '2022-01-01', { authTatRoutineWorkingDays: 3 }),
    'partnership-2026.json': profile('partnership', '0.2.0', '2026-01-01', { authBeforeAssignment: false, assignTatBusinessDays: 7 }),
    'lacare.json': profile('lacare', '1', '2025-01-01', { initialAuthMonths: 9 }, ['Organization/plan-lacare']),
  });
  const profiles = new SettingsProfiles(loadSettingsProfileFiles(override));

  it('a file with a shipped name and version replaces the shipped file whole', () => {
    const kern = profiles.named('kern', D)!;
    expect(kern).toMatchObject({ name: 'kern', version: '0.1.0' });
    expect(kern.settings.authTatRoutineWorkingDays).toBe(3);
    expect(kern.settings.homelessAtRisk).toBe(false); // the shipped Kern value is gone: default applies
    expect(profiles.files.filter((f) => f.name === 'kern')).toHaveLength(1);
  });

  it('a new version wins from its effectiveFrom on; the earlier version still decides earlier dates', () => {
    expect(profiles.named('partnership', '2025-12-31')).toMatchObject({ version: '0.1.0' });
    expect(profiles.named('partnership', '2025-12-31')!.settings.assignTatBusinessDays).toBe(10);
    expect(profiles.named('partnership', '2026-01-01')).toMatchObject({ version: '0.2.0' });
    expect(profiles.named('partnership', '2026-01-01')!.settings.assignTatBusinessDays).toBe(7);
  });

  it('a new name is a new profile, chosen by its payors', () => {
    expect(profiles.names()).toContain('lacare');
    expect(profiles.forPayors(['Organization/plan-lacare'], D)).toMatchObject({ name: 'lacare', version: '1' });
    expect(profiles.forPayors(['Organization/plan-lacare'], D).settings.initialAuthMonths).toBe(9);
    expect(profiles.forPayors(['Organization/plan-lacare'], '2024-12-31').name).toBe('default');
  });

  it('the shipped profiles are untouched without the variable', () => {
    expect(new SettingsProfiles(loadSettingsProfileFiles()).named('kern', D)!.settings.authTatRoutineWorkingDays).toBe(5);
  });

  it('settings-profile.ts reads the directory named by ECM_SETTINGS_DIR', async () => {
    const before = process.env.ECM_SETTINGS_DIR;
    process.env.ECM_SETTINGS_DIR = override;
    try {
      vi.resetModules();
      const fresh = await import('../../src/ecm/settings/settings-profile.ts');
      expect(fresh.settingsProfileNamed('kern', D)!.settings.authTatRoutineWorkingDays).toBe(3);
      expect(fresh.settingsProfileNames()).toContain('lacare');
    } finally {
      if (before === undefined) delete process.env.ECM_SETTINGS_DIR;
      else process.env.ECM_SETTINGS_DIR = before;
      vi.resetModules();
    }
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown setting', { 'x.json': profile('kern', '9', '2026-01-01', { authTatRoutineWorkingDay: 3 }) }, /x\.json.*unknown setting "authTatRoutineWorkingDay"/],
    ['a wrong JSON type', { 'x.json': profile('kern', '9', '2026-01-01', { authBeforeAssignment: 'yes' }) }, /authBeforeAssignment must be of JSON type boolean/],
    ['an unknown holiday calendar', { 'x.json': profile('kp', '9', '2026-01-01', { holidayCalendar: 'us-federal' }) }, /holidayCalendar "us-federal" is not one of ca-state, kp-major/],
    ['an unknown assignment step', { 'x.json': profile('kern', '9', '2026-01-01', { assignOrder: ['pcp', 'random'] }) }, /assignOrder item "random"/],
    ['a step listed twice', { 'x.json': profile('kern', '9', '2026-01-01', { assignOrder: ['pcp', 'pcp'] }) }, /assignOrder lists an item twice/],
    ['an unknown key in an object setting', { 'x.json': profile('kern', '9', '2026-01-01', { noticeChannels: { fax: ['mail'] } }) }, /noticeChannels has no key "fax"/],
    ['an unknown channel', { 'x.json': profile('kern', '9', '2026-01-01', { noticeChannels: { member: ['pigeon'] } }) }, /noticeChannels\.member item "pigeon"/],
    ['a negative number', { 'x.json': profile('kern', '9', '2026-01-01', { changeTatDays: -1 }) }, /changeTatDays must not be negative/],
    ['null where null is not allowed', { 'x.json': profile('kern', '9', '2026-01-01', { initialAuthMonths: null }) }, /initialAuthMonths must be of JSON type number/],
    ['a default missing settings', { 'x.json': profile('default', '9', '2026-01-01', { holidayCalendar: 'ca-state' }, []) }, /a default profile must give every setting; missing utilAdult/],
    ['a bad effectiveFrom', { 'x.json': profile('kern', '9', '2026-02-30', {}) }, /effectiveFrom must be a date/],
    ['an unknown file key', { 'x.json': { ...profile('kern', '9', '2026-01-01', {}), setting: {} } }, /unknown key "setting"/],
    ['two files with one name and version', { 'a.json': profile('kern', '9', '2026-01-01', {}), 'b.json': profile('kern', '9', '2026-01-01', {}) }, /b\.json: kern@9 is also in .*a\.json/],
    ['a file that is not JSON', { 'x.json': '{ "name": ' }, /x\.json: not JSON/],
  ];
  it.each(refused)('refuses %s, naming the file and the problem', (_what, files, message) => {
    const dir = dirWith(files);
    expect(() => loadSettingsProfileFiles(dir)).toThrow(SettingsProfileError);
    expect(() => loadSettingsProfileFiles(dir)).toThrow(message);
  });

  it('the example file of the IG page loads and wins from its effectiveFrom', () => {
    const page = readFileSync(join(IG_DIR, 'plan-settings.md'), 'utf8');
    const example = new Lexer({ gfm: true }).lex(page).find((t): t is Tokens.Code => t.type === 'code' && (t as Tokens.Code).text.startsWith('{'));
    expect(example).toBeDefined();
    const p = new SettingsProfiles(loadSettingsProfileFiles(dirWith({ 'kp.json': example!.text })));
    expect(p.named('kp', '2025-12-31')).toMatchObject({ version: '0.1.0' });
    expect(p.named('kp', '2026-01-01')).toMatchObject({ version: '0.2.0', settings: { authTatRoutineWorkingDays: 3, holidayCalendar: 'kp-major' } });
  });

  it('refuses a directory that does not exist', () => {
    expect(() => loadSettingsProfileFiles(join(tmpdir(), 'no-such-ecm-settings-dir'))).toThrow(/cannot be read/);
  });

  it('accepts null where the setting allows it, and a number for referralResponseDays', () => {
    const dir = dirWith({ 'x.json': profile('kern', '9', '2027-01-01', { birthEquityDisparityFrom: null, referralResponseDays: 14 }) });
    const p = new SettingsProfiles(loadSettingsProfileFiles(dir)).named('kern', '2027-01-01')!;
    expect(p.settings.referralResponseDays).toBe(14);
    expect(p.settings.birthEquityDisparityFrom).toBeNull();
  });
});

describe('implementation-guide/plan-settings.md shows the shipped files (no drift)', () => {
  const tables = new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, 'plan-settings.md'), 'utf8')).filter((t): t is Tokens.Table => t.type === 'table');
  const table = (firstHeader: string) => {
    const t = tables.find((x) => x.header[0].text === firstHeader);
    expect(t, `a table headed "${firstHeader}"`).toBeDefined();
    return { header: t!.header.map((c) => c.text), rows: t!.rows.map((r) => r.map((c) => c.text.replaceAll('`', ''))) };
  };

  it('the settings table: one row per default setting, in file order, with each profile’s value', () => {
    const { header, rows } = table('setting');
    expect(header).toEqual(['setting', 'meaning', 'default', 'kern', 'partnership', 'caloptima', 'kp']);
    const expected = settingsTableRows();
    expect(rows.map((r) => r[0])).toEqual(expected.map((r) => r.setting));
    expect(rows.map((r) => [r[0], ...r.slice(2)])).toEqual(expected.map((r) => [r.setting, ...r.values]));
    for (const r of rows) expect(r[1].trim(), `meaning of ${r[0]}`).not.toBe('');
  });

  it('the profiles table', () => {
    expect(table('profile').rows).toEqual(profileTableRows());
  });

  it('the holiday calendars table', () => {
    expect(table('calendar').rows).toEqual(holidayCalendarRows());
  });
});
