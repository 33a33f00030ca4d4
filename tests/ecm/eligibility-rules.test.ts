import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';
import { TestMember } from './eligibility-fixtures.ts';
import { readEligibility, sorted } from './eligibility-support.ts';

const { fhir } = useFhirServer();
const E = '2026-11-01';
let seq = 0;

async function evaluate(build: (m: TestMember) => void, opts: { birthDate?: string; date?: string; profile?: string; coverage?: { start?: string; end?: string } } = {}) {
  const m = new TestMember(`t${++seq}`, opts.birthDate ?? '1980-01-01', opts.coverage);
  build(m);
  const put = await fhir.post('', m.bundle());
  expect(put.status).toBe(200);
  const res = await fhir.get(`/Patient/${m.id}/$ecm-eligibility?date=${opts.date ?? E}&settingsProfile=${opts.profile ?? 'default'}`);
  expect(res.status).toBe(200);
  return readEligibility(res.body);
}
const monthly = (dates: string[], f: (d: string) => string) => dates.map(f);

describe('ELIG-A-UTIL / ELIG-C-UTIL (thresholds, windows, ELIG-AVOIDABLE)', () => {
  it('ELIG-A-UTIL: 5 avoidable ED visits in 6 months → met; evidence the 5 visits', async () => {
    let ev: string[] = [];
    const r = await evaluate((m) => (ev = monthly(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-11-01'], (d) => m.ed(d))));
    const p = r.population('avoidable-utilization');
    expect(p.met).toBe(true);
    expect(p.rules).toEqual(['ELIG-A-UTIL']);
    expect(sorted(p.evidence)).toEqual(sorted(ev));
    expect(p.reason).toBe('5 avoidable ED visits between 2026-05-01 and 2026-11-01 (threshold 5 in 6 months)');
    expect(r.eligible).toBe(true);
  });
  it('ELIG-A-UTIL: 4 avoidable ED visits → not met', async () => {
    const r = await evaluate((m) => monthly(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01'], (d) => m.ed(d)));
    expect(r.population('avoidable-utilization').met).toBe(false);
    expect(r.eligible).toBe(false);
  });
  it('ELIG-A-UTIL: 5 visits over 7 months (first the day before the window) → not met', async () => {
    const r = await evaluate((m) => monthly(['2026-04-30', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'], (d) => m.ed(d)));
    expect(r.population('avoidable-utilization').met).toBe(false);
  });
  it('ELIG-AVOIDABLE: unmarked visits never count and are cited', async () => {
    const r = await evaluate((m) => {
      monthly(['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01'], (d) => m.ed(d));
      m.ed('2026-09-01', { marked: false });
    });
    const p = r.population('avoidable-utilization');
    expect(p.met).toBe(false);
    expect(sorted(p.rules)).toEqual(['ELIG-A-UTIL', 'ELIG-AVOIDABLE']);
    expect(p.evidence).toHaveLength(5);
  });
  it('ELIG-A-UTIL: 3 unplanned avoidable stays → met; 2 → not; visits and stays are not summed', async () => {
    expect((await evaluate((m) => ['2026-05-10', '2026-07-10', '2026-10-10'].forEach((d) => m.stay(d)))).population('avoidable-utilization').met).toBe(true);
    expect((await evaluate((m) => ['2026-05-10', '2026-07-10'].forEach((d) => m.stay(d)))).population('avoidable-utilization').met).toBe(false);
    const summed = await evaluate((m) => {
      ['2026-05-10', '2026-07-10'].forEach((d) => m.stay(d));
      ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01'].forEach((d) => m.ed(d));
    });
    expect(summed.population('avoidable-utilization').met).toBe(false);
  });
  it('ELIG-C-UTIL: 3 visits in 12 months → met, 2 → not (child)', async () => {
    const child = { birthDate: '2012-01-01' };
    const met = await evaluate((m) => ['2025-11-01', '2026-03-01', '2026-10-01'].forEach((d) => m.ed(d)), child);
    expect(met.population('avoidable-utilization').rules).toEqual(['ELIG-C-UTIL']);
    expect(met.population('avoidable-utilization').met).toBe(true);
    expect((await evaluate((m) => ['2025-10-31', '2026-03-01', '2026-10-01'].forEach((d) => m.ed(d)), child)).population('avoidable-utilization').met).toBe(false);
    expect((await evaluate((m) => ['2026-01-10', '2026-08-01'].forEach((d) => m.stay(d)), child)).population('avoidable-utilization').met).toBe(true);
    expect((await evaluate((m) => ['2026-08-01'].forEach((d) => m.stay(d)), child)).population('avoidable-utilization').met).toBe(false);
  });
  it('DATE-UNITS: the 21st birthday switches to the adult rule (3 visits: child met the day before, adult not met on it)', async () => {
    const visits = (m: TestMember) => ['2026-01-20', '2026-06-01', '2026-09-01'].forEach((d) => m.ed(d));
    const dayBefore = await evaluate(visits, { birthDate: '2005-11-02' });
    expect(dayBefore.population('avoidable-utilization')).toMatchObject({ met: true, rules: ['ELIG-C-UTIL'] });
    const onBirthday = await evaluate(visits, { birthDate: '2005-11-01' });
    expect(onBirthday.population('avoidable-utilization')).toMatchObject({ met: false, rules: ['ELIG-A-UTIL'] });
  });
});

describe('homelessness (ELIG-A-HOMELESS v1/v2, ELIG-A-HOMELESS-NEED, ELIG-FAM-HOMELESS)', () => {
  it('ELIG-A-HOMELESS + NEED: Z59.02 with a complex need → met; without → not met citing ELIG-A-HOMELESS-NEED', async () => {
    const met = await evaluate((m) => { m.dx('Z59.02', '2026-01-01'); m.obs('complex-need', true); });
    expect(sorted(met.population('homelessness').rules)).toEqual(['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED']);
    const not = await evaluate((m) => { m.dx('Z59.02', '2026-01-01'); });
    expect(not.population('homelessness')).toMatchObject({ met: false });
    expect(sorted(not.population('homelessness').rules)).toEqual(['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED']);
  });
  it('homelessAtRisk: Z59.811 counts under kern only', async () => {
    const build = (m: TestMember) => { m.dx('Z59.811', '2026-01-01'); m.obs('complex-need', true); };
    expect((await evaluate(build)).population('homelessness').met).toBe(false);
    expect((await evaluate(build, { profile: 'kern' })).population('homelessness').met).toBe(true);
  });
  it('ELIG-A-HOMELESS HHS (e): housing lost 30 calendar days after E (homelessImminentLossDays) → met; 31 days → not met', async () => {
    let ev: string[] = [];
    const met = await evaluate((m) => (ev = [m.housingLoss('2026-12-01'), m.obs('complex-need', true)]));
    const p = met.population('homelessness');
    expect(p).toMatchObject({ met: true });
    expect(sorted(p.rules)).toEqual(['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED']);
    expect(sorted(p.evidence)).toEqual(sorted(ev));
    expect(p.reason).toBe('Housing loss expected (HHS e) on 2026-12-01, within 30 calendar days of 2026-11-01; complex need the member cannot manage alone');
    const outside = await evaluate((m) => { m.housingLoss('2026-12-02'); m.obs('complex-need', true); });
    expect(outside.population('homelessness').met).toBe(false);
    expect(outside.population('homelessness').reason).toContain('housing loss expected (HHS e) not within 30 calendar days of 2026-11-01 (expected 2026-12-02)');
    // already lost before E, or recorded after E: not criterion (e)
    expect((await evaluate((m) => { m.housingLoss('2026-10-31'); m.obs('complex-need', true); })).population('homelessness').met).toBe(false);
    expect((await evaluate((m) => { m.housingLoss('2026-11-20', '2026-11-02'); m.obs('complex-need', true); })).population('homelessness').met).toBe(false);
  });
  it('ELIG-FAM-HOMELESS HHS (e): a youth whose family loses its housing on E → met', async () => {
    expect((await evaluate((m) => m.housingLoss(E), { birthDate: '2012-01-01' })).population('homelessness')).toMatchObject({ met: true, rules: ['ELIG-FAM-HOMELESS'] });
  });
  it('RULE-EFFECTIVE: an adult caregiver with children needs a complex need under v1 (2023-06-30) but not under ELIG-FAM-HOMELESS (2023-07-01)', async () => {
    const build = (m: TestMember) => { m.dx('Z59.01', '2023-01-01'); m.obs('living-with-dependent-children', true, '2023-01-01'); };
    const v1 = await evaluate(build, { date: '2023-06-30' });
    expect(v1.population('homelessness')).toMatchObject({ met: false });
    expect(v1.population('homelessness').rules).toContain('ELIG-A-HOMELESS');
    const fam = await evaluate(build, { date: '2023-07-01' });
    expect(fam.population('homelessness')).toMatchObject({ met: true, rules: ['ELIG-FAM-HOMELESS'] });
    expect((await evaluate(build, { date: '2023-07-01', profile: 'kern' })).population('homelessness').met).toBe(false);
  });
});

describe('other POF rules at and below their thresholds', () => {
  it('ELIG-A-SMHSUD: access + social factor + 2 ED visits for SMH in 12 months → met; 1 visit → not (with outpatient care, so ED is not the only source)', async () => {
    const build = (visits: number) => (m: TestMember) => { m.program(['smhs'], '2025-01-01'); m.dx('Z59.41', '2026-01-01'); m.officeVisit('2026-09-01'); for (let i = 0; i < visits; i++) m.ed(`2026-0${i + 2}-01`, { marked: false, reason: 'F20.9' }); };
    expect((await evaluate(build(2))).population('smh-sud')).toMatchObject({ met: true, rules: ['ELIG-A-SMHSUD'] });
    expect((await evaluate(build(1))).population('smh-sud').met).toBe(false);
  });
  it('ELIG-A-SMHSUD: ED / inpatient / crisis / urgent care as the only source of care in 12 months → met; one outpatient visit → not', async () => {
    const base = (m: TestMember) => { m.program(['smhs'], '2025-01-01'); m.dx('Z59.41', '2026-01-01'); };
    let ev: string[] = [];
    const met = await evaluate((m) => { base(m); ev = [m.ed('2025-11-01', { marked: false }), m.stay('2026-03-01'), m.crisisService('2026-06-01')]; m.officeVisit('2025-10-31'); });
    const p = met.population('smh-sud');
    expect(p).toMatchObject({ met: true, rules: ['ELIG-A-SMHSUD'] });
    for (const e of ev) expect(p.evidence).toContain(e);
    expect(p.reason).toContain('crisis, ED, urgent care or inpatient as the only source of care: 3 such encounters and no other care between 2025-11-01 and 2026-11-01 (12 months)');
    let office = '';
    const not = await evaluate((m) => { base(m); m.ed('2026-02-01', { marked: false }); m.crisisService('2026-06-01'); office = m.officeVisit('2026-11-01'); });
    expect(not.population('smh-sud').met).toBe(false);
    expect(not.population('smh-sud').evidence).toContain(office);
    expect(not.population('smh-sud').reason).toContain('1 other care encounters besides 2 crisis, ED, urgent care or inpatient ones');
    expect((await evaluate(base)).population('smh-sud').met).toBe(false);
  });
  it('ELIG-C-SMHSUD: SMHS access alone → met for a child, not for an adult', async () => {
    expect((await evaluate((m) => m.program(['smhs'], '2025-01-01'), { birthDate: '2012-01-01' })).population('smh-sud')).toMatchObject({ met: true, rules: ['ELIG-C-SMHSUD'] });
    expect((await evaluate((m) => m.program(['smhs'], '2025-01-01'))).population('smh-sud').met).toBe(false);
  });
  it('ELIG-A-JI: released exactly 12 months before E with SUD → met; a day earlier → not; no health need → not', async () => {
    expect((await evaluate((m) => { m.program(['incarceration'], '2024-01-01', '2025-11-01'); m.dx('F11.20', '2020-01-01'); })).population('incarceration-transition').met).toBe(true);
    expect((await evaluate((m) => { m.program(['incarceration'], '2024-01-01', '2025-10-31'); m.dx('F11.20', '2020-01-01'); })).population('incarceration-transition').met).toBe(false);
    expect((await evaluate((m) => { m.program(['incarceration'], '2026-01-01'); })).population('incarceration-transition').met).toBe(false);
  });
  it('ELIG-C-JI: youth released within 12 months → met; released 12 months and a day before E → not', async () => {
    expect((await evaluate((m) => m.program(['youth-incarceration'], '2026-01-01', '2026-08-01'), { birthDate: '2009-01-01' })).population('incarceration-transition')).toMatchObject({ met: true, rules: ['ELIG-C-JI'] });
    expect((await evaluate((m) => m.program(['youth-incarceration'], '2024-01-01', '2025-11-01'), { birthDate: '2009-01-01' })).population('incarceration-transition').met).toBe(true);
    expect((await evaluate((m) => m.program(['youth-incarceration'], '2024-01-01', '2025-10-31'), { birthDate: '2009-01-01' })).population('incarceration-transition').met).toBe(false);
  });
  it('ELIG-A-LTC: SNF level of care + social factor + community supports → met; without the social factor → not', async () => {
    const build = (social: boolean) => (m: TestMember) => { m.obs('snf-level-of-care', true); if (social) m.dx('Z60.2', '2026-01-01'); m.obs('community-living-with-supports', true); };
    expect((await evaluate(build(true), { birthDate: '1950-01-01' })).population('ltc-risk').met).toBe(true);
    expect((await evaluate(build(false), { birthDate: '1950-01-01' })).population('ltc-risk').met).toBe(false);
  });
  it('ELIG-A-NF: resident with all three assessment components → met; one missing → not', async () => {
    expect((await evaluate((m) => { m.program(['nursing-facility-resident'], '2026-01-01'); m.obs('nf-transition-assessment', true, '2026-10-01', ['wants-to-leave', 'likely-to-succeed', 'community-sustainable']); })).population('nf-transition').met).toBe(true);
    expect((await evaluate((m) => { m.program(['nursing-facility-resident'], '2026-01-01'); m.obs('nf-transition-assessment', true, '2026-10-01', ['wants-to-leave', 'likely-to-succeed']); })).population('nf-transition').met).toBe(false);
  });
  it('ELIG-C-CCS: ACE score 4 → met, 3 → not', async () => {
    const child = { birthDate: '2014-01-01' };
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.obs('ace-score', 4); }, child)).population('ccs-wcm').met).toBe(true);
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.obs('ace-score', 3); }, child)).population('ccs-wcm').met).toBe(false);
  });
  it('ELIG-C-CCS: law-enforcement contact (Z65.3) 12 months before E (ccsRecentContactMonths) → met; 13 months → not', async () => {
    const child = { birthDate: '2012-01-01' };
    let ev: string[] = [];
    const met = await evaluate((m) => (ev = [m.program(['ccs'], '2020-01-01'), m.dx('Z65.3', '2025-11-01')]), child);
    const p = met.population('ccs-wcm');
    expect(p).toMatchObject({ met: true, rules: ['ELIG-C-CCS'] });
    expect(sorted(p.evidence)).toEqual(sorted(ev));
    expect(p.reason).toContain('law-enforcement contact: Z65.3 (2025-11-01)');
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.dx('Z65.3', '2025-10-01'); }, child)).population('ccs-wcm').met).toBe(false);
  });
  it('ELIG-C-CCS: MH/SUD crisis-intervention contact 12 months before E → met; 13 months → not; other Z55-Z65 codes are not CCS social factors', async () => {
    const child = { birthDate: '2012-01-01' };
    const met = await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.crisisService('2025-11-01'); }, child);
    expect(met.population('ccs-wcm')).toMatchObject({ met: true, rules: ['ELIG-C-CCS'] });
    expect(met.population('ccs-wcm').reason).toContain('1 MH/SUD crisis-intervention contacts between 2025-11-01 and 2026-11-01 (threshold 1 in 12 months)');
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.crisisService('2025-10-01'); }, child)).population('ccs-wcm').met).toBe(false);
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.dx('Z59.82', '2026-01-01'); }, child)).population('ccs-wcm').met).toBe(true);
    expect((await evaluate((m) => { m.program(['ccs'], '2020-01-01'); m.dx('Z60.2', '2026-01-01'); }, child)).population('ccs-wcm').met).toBe(false);
  });
  it('ELIG-C-WELFARE: aged out of foster care through the day before the 26th birthday', async () => {
    const agedOut = (m: TestMember) => m.program(['foster-care', 'aged-out-of-foster-care'], '2010-01-01', '2019-01-01');
    expect((await evaluate(agedOut, { birthDate: '2000-11-02' })).population('child-welfare').met).toBe(true);
    expect((await evaluate(agedOut, { birthDate: '2000-11-01' })).population('child-welfare').met).toBe(false);
  });
  it('ELIG-C-WELFARE: Adoption Assistance under 18 → met, at 18 → not', async () => {
    expect((await evaluate((m) => m.program(['adoption-assistance'], '2019-01-01'), { birthDate: '2008-11-02' })).population('child-welfare').met).toBe(true);
    expect((await evaluate((m) => m.program(['adoption-assistance'], '2019-01-01'), { birthDate: '2008-11-01' })).population('child-welfare').met).toBe(false);
  });
  it('ELIG-A-BIRTH: postpartum 12 months to the day + disparity → met; a day more → not; Kern needs the disparity record', async () => {
    expect((await evaluate((m) => { m.dx('Z37.0', '2025-11-01'); m.obs('birth-equity-disparity', true); })).population('birth-equity').met).toBe(true);
    expect((await evaluate((m) => { m.dx('Z37.0', '2025-10-31'); m.obs('birth-equity-disparity', true); })).population('birth-equity').met).toBe(false);
    const otherPof = (m: TestMember) => { m.dx('Z33.1', '2026-06-01'); ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => m.ed(d)); };
    expect((await evaluate(otherPof)).population('birth-equity').met).toBe(true);
    expect((await evaluate(otherPof, { profile: 'kern' })).population('birth-equity').met).toBe(false);
  });
  it('RULE-EFFECTIVE: the birth-equity disparity branch starts 2024-01-01 (partnership)', async () => {
    const build = (m: TestMember) => { m.dx('Z33.1', '2023-09-01'); m.obs('birth-equity-disparity', true, '2023-09-01'); };
    expect((await evaluate(build, { date: '2023-12-31', profile: 'partnership' })).population('birth-equity').met).toBe(false);
    expect((await evaluate(build, { date: '2024-01-01', profile: 'partnership' })).population('birth-equity').met).toBe(true);
  });
  it('ELIG-PREG-ID: pregnancy or delivery on an encounter, a service request or a pregnancy-status result counts for 12 months to the day', async () => {
    const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
    const prenatalVisit = (date: string) => (m: TestMember) => {
      m.resources.push({ resourceType: 'Encounter', id: `${m.id}-visit`, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, reasonCode: [{ coding: [{ system: ICD, code: 'Z34.01' }] }], subject: { reference: `Patient/${m.id}` }, period: { start: date } });
      m.obs('birth-equity-disparity', true);
    };
    const visit = await evaluate(prenatalVisit('2025-11-01'));
    expect(visit.population('birth-equity')).toMatchObject({ met: true, rules: expect.arrayContaining(['ELIG-A-BIRTH', 'ELIG-PREG-ID']) });
    expect(visit.population('birth-equity').evidence.some((e) => e.startsWith('Encounter/'))).toBe(true);
    expect((await evaluate(prenatalVisit('2025-10-31'))).population('birth-equity').met).toBe(false);
    const delivery = await evaluate((m) => {
      m.resources.push({ resourceType: 'ServiceRequest', id: `${m.id}-sr`, status: 'completed', intent: 'order', code: { text: 'postpartum follow-up' }, reasonCode: [{ coding: [{ system: ICD, code: 'Z39.2' }] }], subject: { reference: `Patient/${m.id}` }, authoredOn: '2026-09-15' });
      m.obs('birth-equity-disparity', true);
    });
    expect(delivery.population('birth-equity').met).toBe(true);
    const status = (value: string) => (m: TestMember) => {
      m.resources.push({ resourceType: 'Observation', id: `${m.id}-preg`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '82810-3' }] }, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: value }] }, subject: { reference: `Patient/${m.id}` }, effectiveDateTime: '2026-10-01' });
      m.obs('birth-equity-disparity', true);
    };
    expect((await evaluate(status('77386006'))).population('birth-equity').met).toBe(true);
    expect((await evaluate(status('60001007'))).population('birth-equity').met).toBe(false); // not pregnant
  });
  it('ELIG-C-BIRTH: pregnant youth in a disparity group → met', async () => {
    expect((await evaluate((m) => { m.dx('Z33.1', '2026-07-01'); m.obs('birth-equity-disparity', true); }, { birthDate: '2009-06-01' })).population('birth-equity')).toMatchObject({ met: true, rules: ['ELIG-C-BIRTH'] });
  });
  it('ELIG-C-IDD: off by default, met under partnership (under 21 and another POF), not without another POF', async () => {
    const build = (other: boolean) => (m: TestMember) => { m.dx('F70', '2016-01-01'); if (other) ['2026-01-05', '2026-05-05', '2026-10-05'].forEach((d) => m.ed(d)); };
    const child = { birthDate: '2012-01-01' };
    expect((await evaluate(build(true), child)).population('idd')).toMatchObject({ met: false, rules: ['ELIG-C-IDD'] });
    expect((await evaluate(build(true), { ...child, profile: 'partnership' })).population('idd').met).toBe(true);
    expect((await evaluate(build(false), { ...child, profile: 'partnership' })).population('idd').met).toBe(false);
    const adult = (m: TestMember) => { m.dx('F70', '2016-01-01'); ['2026-05-05', '2026-06-05', '2026-07-05', '2026-08-05', '2026-10-05'].forEach((d) => m.ed(d)); };
    expect((await evaluate(adult, { birthDate: '1990-01-01', profile: 'caloptima' })).population('idd').met).toBe(true);
    expect((await evaluate(adult, { birthDate: '1990-01-01', profile: 'partnership' })).population('idd').met).toBe(false);
  });
  it('POF-MULTI: several POFs at once; a member with no data meets none', async () => {
    const r = await evaluate((m) => {
      m.dx('Z59.02', '2026-01-01'); m.obs('complex-need', true);
      ['2026-05-04', '2026-06-04', '2026-07-04', '2026-08-04', '2026-09-04'].forEach((d) => m.ed(d, { reason: 'F19.20' }));
      m.program(['dmc-ods'], '2025-09-01');
    });
    expect(sorted(r.populations.filter((p) => p.met).map((p) => p.code!))).toEqual(['avoidable-utilization', 'homelessness', 'smh-sud']);
    const none = await evaluate(() => undefined);
    expect(none.populations.every((p) => !p.met)).toBe(true);
    expect(none.eligible).toBe(false);
    expect(none.base.met).toBe(true);
  });
  it('ELIG-BASE: coverage ended before E → not eligible even with a POF met', async () => {
    const r = await evaluate((m) => ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => m.ed(d)), { coverage: { start: '2020-01-01', end: '2026-10-31' } });
    expect(r.base.met).toBe(false);
    expect(r.population('avoidable-utilization').met).toBe(true);
    expect(r.eligible).toBe(false);
  });
});

describe('exclusions (EXCL-*) and continuity (CONT-HIST-K, CONT-HIST-P)', () => {
  const util = (m: TestMember) => ['2026-05-01', '2026-06-01', '2026-07-01', '2026-08-01', '2026-09-01'].forEach((d) => m.ed(d));
  const cases: [string, (m: TestMember) => void][] = [
    ['EXCL-WELL-MANAGED', (m) => m.obs('well-managed', true)],
    ['EXCL-HOSPICE', (m) => m.program(['hospice'], '2026-10-01')],
    ['EXCL-TCM', (m) => m.program(['tcm'], '2025-01-01')],
    ['EXCL-UNSAFE-BEHAVIOR', (m) => m.obs('unsafe-behavior', true)],
    ['EXCL-UNSAFE-ENV', (m) => m.obs('unsafe-environment', true)],
    ['EXCL-CHW', (m) => m.program(['chw'], '2026-01-01')],
    ['EXCL-WAIVER', (m) => m.program(['pace'], '2026-01-01')],
    ['EXCL-PLAN-CM', (m) => m.program(['plan-basic-cm'], '2026-01-01')],
    ['EXCL-UNRESPONSIVE', (m) => { m.failedOutreach('2026-06-01T10:00:00-07:00'); m.failedOutreach('2026-07-01T10:00:00-07:00'); }],
  ];
  it.each(cases)('%s applies: met but excluded, not eligible', async (code, build) => {
    const r = await evaluate((m) => { util(m); build(m); });
    expect(r.population('avoidable-utilization').met).toBe(true);
    expect(r.exclusions.map((x) => x.code)).toEqual([code]);
    expect(r.exclusions[0].rules).toEqual([code]);
    expect(r.exclusions[0].evidence.length).toBeGreaterThan(0);
    expect(r.eligible).toBe(false);
  });
  it('EXCL-HOSPICE ended the day before E, EXCL-UNRESPONSIVE with attempts 29 days apart: no exclusion', async () => {
    const r = await evaluate((m) => { util(m); m.program(['hospice'], '2026-06-01', '2026-10-31'); m.failedOutreach('2026-06-01T10:00:00-07:00'); m.failedOutreach('2026-06-30T10:00:00-07:00'); });
    expect(r.exclusions).toEqual([]);
    expect(r.eligible).toBe(true);
  });
  it('EXCL-TCM: communicable-disease TCM is excepted inside tcmExceptionPeriod only (2025-06-30 vs 2025-07-01)', async () => {
    const build = (m: TestMember) => { m.dx('Z59.02', '2024-01-01'); m.obs('complex-need', true, '2024-01-01'); m.program(['tcm', 'tcm-communicable-disease'], '2024-09-01'); };
    expect((await evaluate(build, { date: '2025-06-30' })).exclusions).toEqual([]);
    expect((await evaluate(build, { date: '2025-07-01' })).exclusions.map((x) => x.code)).toEqual(['EXCL-TCM']);
  });
  it('CONT-HIST: ECM at the previous plan within 6 months (default) but not 90 days (kern) before coverage start', async () => {
    const build = (m: TestMember) => { m.program(['ecm'], '2025-06-01', '2026-03-31', 'Organization/prev-plan'); m.serviceByOrg('2026-03-15', 'Organization/prev-plan'); };
    const coverage = { start: '2026-08-01' };
    const r = await evaluate(build, { coverage });
    expect(sorted(r.continuity!.rules)).toEqual(['CONT-HIST-K', 'CONT-HIST-P']);
    expect(r.continuity!.evidence).toHaveLength(2);
    expect((await evaluate(build, { coverage, profile: 'kern' })).continuity).toBeUndefined();
  });
});
