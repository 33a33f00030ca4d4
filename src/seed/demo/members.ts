import { MemberBuilder } from './member-builder.ts';

/**
 * The demo members and their evidence, each written against the evaluation date 2026-11-01
 * (adult trailing 6 months = 2026-05-01..2026-11-01, trailing 12 months = 2025-11-01..2026-11-01,
 * DATE-UNITS). Determinations are for the default settings profile (ECM-RULES 0.5); where the
 * Kern or Partnership profile decides otherwise, `differsUnder` says so.
 */

const F20 = ['F20.9', 'Schizophrenia, unspecified'] as [string, string];
const F19 = ['F19.20', 'Other psychoactive substance dependence, uncomplicated'] as [string, string];

function complexNeed(m: MemberBuilder, date: string): string {
  return m.obs('complex-need', 'Complex need the member cannot manage alone (ELIG-A-HOMELESS-NEED)', date, true);
}

export function buildMembers(): MemberBuilder[] {
  const members: MemberBuilder[] = [];
  const add = (m: MemberBuilder) => members.push(m);

  // --- avoidable utilization -------------------------------------------------------------
  {
    const m = new MemberBuilder(1, { given: 'Alex', gender: 'female', birthDate: '1984-03-12', language: 'es', gp: 'Practitioner/demo-practitioner-1', scenario: 'adult, 5 avoidable ED visits in 6 months (first on the window start)' });
    const ev = ['2026-05-01', '2026-06-10', '2026-07-15', '2026-08-20', '2026-10-30'].map((d) => m.ed(d));
    add(m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '5 avoidable ED visits between 2026-05-01 and 2026-11-01 (threshold 5 in 6 months)'));
  }
  {
    const m = new MemberBuilder(2, { given: 'Jordan', gender: 'male', birthDate: '1990-07-30', language: 'en', gp: 'Practitioner/demo-practitioner-2', scenario: 'adult, 3 unplanned avoidable stays (2 hospital, 1 short-term SNF) in 6 months' });
    const ev = [m.stay('inpatient', '2026-05-20', '2026-05-24'), m.stay('inpatient', '2026-07-02', '2026-07-06'), m.stay('snf', '2026-07-06', '2026-07-20')];
    add(m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '3 unplanned avoidable hospital/SNF stays between 2026-05-01 and 2026-11-01 (threshold 3 in 6 months)'));
  }
  {
    const m = new MemberBuilder(3, { given: 'Sam', gender: 'other', birthDate: '2009-11-02', language: 'vi', gp: 'Practitioner/demo-practitioner-3', scenario: 'child, 3 avoidable ED visits in 12 months (first on the window start)' });
    const ev = ['2025-11-01', '2026-03-10', '2026-09-05'].map((d) => m.ed(d));
    add(m.met('avoidable-utilization', ['ELIG-C-UTIL'], ev, '3 avoidable ED visits between 2025-11-01 and 2026-11-01 (threshold 3 in 12 months)'));
  }
  {
    const m = new MemberBuilder(4, { given: 'Chris', gender: 'male', birthDate: '1978-02-14', language: 'en', scenario: 'adult, 4 avoidable ED visits in 6 months (one below threshold)' });
    const ev = ['2026-05-15', '2026-06-15', '2026-08-01', '2026-09-20'].map((d) => m.ed(d));
    add(m.notMet('avoidable-utilization', ['ELIG-A-UTIL'], ev, '4 avoidable ED visits in the trailing 6 months; threshold 5'));
  }
  {
    const m = new MemberBuilder(5, { given: 'Rosa', gender: 'female', birthDate: '1969-09-09', language: 'es', scenario: 'adult, 5 avoidable ED visits spread over 7 months' });
    const ev = ['2026-04-15', '2026-05-20', '2026-07-01', '2026-08-12', '2026-10-01'].map((d) => m.ed(d));
    add(m.notMet('avoidable-utilization', ['ELIG-A-UTIL'], ev, '5 avoidable ED visits, but the first (2026-04-15) is before 2026-05-01: 4 in the trailing 6 months'));
  }
  {
    const m = new MemberBuilder(6, { given: 'Taylor', gender: 'female', birthDate: '1988-12-01', language: 'en', scenario: 'adult, 6 ED visits in 6 months, only 4 marked avoidable' });
    const marked = ['2026-05-05', '2026-06-06', '2026-07-07', '2026-08-08'].map((d) => m.ed(d));
    const unmarked = ['2026-09-09', '2026-10-10'].map((d) => m.ed(d, { avoidable: false }));
    add(m.notMet('avoidable-utilization', ['ELIG-A-UTIL', 'ELIG-AVOIDABLE'], [...marked, ...unmarked], '6 ED visits in the trailing 6 months but only 4 marked avoidable; unmarked visits never count'));
  }
  {
    const m = new MemberBuilder(7, { given: 'Morgan', gender: 'male', birthDate: '1975-06-30', language: 'en', scenario: 'adult, 2 stays + 4 ED visits (prongs are never summed)' });
    const ev = [
      m.stay('inpatient', '2026-06-01', '2026-06-05'),
      m.stay('inpatient', '2026-09-01', '2026-09-03'),
      ...['2026-05-10', '2026-07-10', '2026-08-10', '2026-10-10'].map((d) => m.ed(d)),
    ];
    add(m.notMet('avoidable-utilization', ['ELIG-A-UTIL'], ev, '4 avoidable ED visits (threshold 5) and 2 unplanned stays (threshold 3) in 6 months; visits and stays are not summed'));
  }
  {
    const m = new MemberBuilder(8, { given: 'Mateo', gender: 'male', birthDate: '2015-04-04', language: 'es', city: 'Delano', scenario: 'child, 2 unplanned avoidable hospital stays in 12 months' });
    const ev = [m.stay('inpatient', '2026-01-10', '2026-01-14'), m.stay('inpatient', '2026-08-02', '2026-08-05')];
    add(m.met('avoidable-utilization', ['ELIG-C-UTIL'], ev, '2 unplanned avoidable hospital stays between 2025-11-01 and 2026-11-01 (threshold 2 in 12 months)'));
  }
  {
    const m = new MemberBuilder(9, { given: 'Lily', gender: 'female', birthDate: '2012-08-08', language: 'en', scenario: 'child, 2 avoidable ED visits in 12 months plus one older visit' });
    const ev = [m.ed('2025-10-15'), m.ed('2026-02-02'), m.ed('2026-06-06')];
    add(m.notMet('avoidable-utilization', ['ELIG-C-UTIL'], ev, '2 avoidable ED visits in the trailing 12 months (the 2025-10-15 visit is outside); threshold 3'));
  }

  // --- homelessness --------------------------------------------------------------------
  {
    const m = new MemberBuilder(10, { given: 'Ray', gender: 'male', birthDate: '1970-01-20', language: 'en', noFixedAddress: true, scenario: 'adult, unsheltered, complex need' });
    const ev = [m.dx('Z59.02', 'Unsheltered homelessness', '2026-03-01'), complexNeed(m, '2026-09-15')];
    add(m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], ev, 'Unsheltered (HHS a) with a recorded complex need'));
  }
  {
    const m = new MemberBuilder(11, { given: 'Elena', gender: 'female', birthDate: '1982-05-05', language: 'es', noFixedAddress: true, scenario: 'adult, in a shelter, no complex-need assessment' });
    const ev = [m.dx('Z59.01', 'Sheltered homelessness', '2026-04-01')];
    add(m.notMet('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], ev, 'In a shelter (HHS c) but no complex-need assessment is recorded'));
  }
  {
    const m = new MemberBuilder(12, { given: 'Walter', gender: 'male', birthDate: '1960-10-10', language: 'en', scenario: 'adult, housed but at risk of homelessness, complex need' });
    const ev = [m.dx('Z59.811', 'Housing instability, housed, with risk of homelessness', '2026-08-01'), complexNeed(m, '2026-08-15')];
    m.notMet('homelessness', ['ELIG-A-HOMELESS'], ev, 'At risk of homelessness only: no HHS condition (no imminent loss date); "at risk" does not count under the default profile');
    add(m.differsUnder({ profile: 'kern', setting: 'homelessAtRisk', code: 'homelessness', met: true, rules: ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], reason: 'Kern counts members at risk of homelessness' }));
  }
  {
    const m = new MemberBuilder(13, { given: 'Luz', gender: 'female', birthDate: '1991-03-03', language: 'es', noFixedAddress: true, scenario: 'adult caregiver in a shelter with her child (member 14), no complex need' });
    const ev = [m.dx('Z59.01', 'Sheltered homelessness', '2026-07-01'), m.obs('living-with-dependent-children', 'Lives with dependent children/youth', '2026-07-01', true)];
    m.met('homelessness', ['ELIG-FAM-HOMELESS'], ev, 'Homeless family: caregiver living with a dependent child in an emergency shelter');
    add(m.differsUnder({ profile: 'kern', setting: 'familyRequiresComplexNeed', code: 'homelessness', met: false, rules: ['ELIG-FAM-HOMELESS'], reason: 'Kern requires a complex health or BH condition for homeless families' }));
  }
  {
    const m = new MemberBuilder(14, { given: 'Ana Sofia', gender: 'female', birthDate: '2018-07-07', language: 'es', noFixedAddress: true, scenario: 'child of member 13, in a shelter' });
    const ev = [m.dx('Z59.01', 'Sheltered homelessness', '2026-07-01')];
    m.met('homelessness', ['ELIG-FAM-HOMELESS'], ev, 'Child of a homeless family in an emergency shelter');
    add(m.differsUnder({ profile: 'kern', setting: 'familyRequiresComplexNeed', code: 'homelessness', met: false, rules: ['ELIG-FAM-HOMELESS'], reason: 'Kern requires a complex health or BH condition for homeless families' }));
  }
  {
    const m = new MemberBuilder(15, { given: 'Jayden', gender: 'male', birthDate: '2007-01-15', language: 'en', noFixedAddress: true, scenario: 'unaccompanied youth (19), unsheltered, complex need' });
    const ev = [
      m.dx('Z59.02', 'Unsheltered homelessness', '2026-05-01'),
      m.obs('unaccompanied-youth', 'Unaccompanied child or youth', '2026-05-01', true),
      complexNeed(m, '2026-06-01'),
    ];
    add(m.met('homelessness', ['ELIG-FAM-HOMELESS'], ev, 'Unaccompanied youth without a nighttime residence (HHS a); complex need recorded, so Kern agrees'));
  }

  // --- serious mental health / SUD -----------------------------------------------------
  {
    const m = new MemberBuilder(16, { given: 'Devon', gender: 'male', birthDate: '1985-11-11', language: 'en', scenario: 'adult, SMHS access + food insecurity + 2 ED visits for SMH in 12 months' });
    const ev = [
      m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2025-06-01'),
      m.dx('F20.9', 'Schizophrenia, unspecified', '2024-02-01'),
      m.dx('Z59.41', 'Food insecurity', '2026-04-01'),
      m.ed('2026-01-15', { avoidable: false, reason: F20 }),
      m.ed('2026-08-20', { avoidable: false, reason: F20 }),
    ];
    add(m.met('smh-sud', ['ELIG-A-SMHSUD'], ev, 'Meets SMHS access criteria, a complex social factor (food insecurity) and 2 ED visits for SMH in the trailing 12 months'));
  }
  {
    const m = new MemberBuilder(17, { given: 'Kim', gender: 'female', birthDate: '1979-04-01', language: 'en', scenario: 'adult, DMC-ODS access, no complex social factor' });
    const ev = [m.program([['dmc-ods', 'Drug Medi-Cal Organized Delivery System']], 'county-kern-bhrs', '2026-01-01'), m.dx('F11.20', 'Opioid dependence, uncomplicated', '2025-12-01')];
    add(m.notMet('smh-sud', ['ELIG-A-SMHSUD'], ev, 'Meets DMC-ODS access criteria but no complex social factor and no further risk criterion'));
  }
  {
    const m = new MemberBuilder(18, { given: 'Nico', gender: 'male', birthDate: '2011-02-02', language: 'es', scenario: 'child, SMHS access' });
    const ev = [m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2026-02-01'), m.dx('F32.2', 'Major depressive disorder, single episode, severe', '2026-01-15')];
    add(m.met('smh-sud', ['ELIG-C-SMHSUD'], ev, 'Meets SMHS access criteria (under 21: nothing more needed)'));
  }

  // --- justice involved ----------------------------------------------------------------
  const jail = 'kern-county-jail';
  {
    const m = new MemberBuilder(19, { given: 'Marcus', gender: 'male', birthDate: '1987-08-18', language: 'en', scenario: 'adult, released 2026-06-15, opioid dependence' });
    const ev = [m.program([['incarceration', 'Incarceration (adult correctional facility)']], jail, '2024-05-01', '2026-06-15'), m.dx('F11.20', 'Opioid dependence, uncomplicated', '2023-01-01')];
    add(m.met('incarceration-transition', ['ELIG-A-JI'], ev, 'Released 2026-06-15 (within 12 months) with a substance use disorder'));
  }
  {
    const m = new MemberBuilder(20, { given: 'Oscar', gender: 'male', birthDate: '1983-12-12', language: 'es', scenario: 'adult, released 2025-10-15 (more than 12 months ago)' });
    const ev = [m.program([['incarceration', 'Incarceration (adult correctional facility)']], jail, '2023-01-01', '2025-10-15'), m.dx('F31.9', 'Bipolar disorder, unspecified', '2022-01-01')];
    add(m.notMet('incarceration-transition', ['ELIG-A-JI'], ev, 'Released 2025-10-15, before the 12-month window starting 2025-11-01'));
  }
  {
    const m = new MemberBuilder(21, { given: 'Trevor', gender: 'male', birthDate: '1990-01-01', language: 'en', scenario: 'adult, pre-release (still incarcerated), diabetes' });
    const ev = [m.program([['incarceration', 'Incarceration (adult correctional facility)']], jail, '2026-02-01'), m.dx('E11.9', 'Type 2 diabetes mellitus without complications', '2019-01-01')];
    add(m.met('incarceration-transition', ['ELIG-A-JI'], ev, 'Pre-release at a correctional facility with a chronic condition'));
  }
  {
    const m = new MemberBuilder(22, { given: 'Andre', gender: 'male', birthDate: '2009-05-05', language: 'en', scenario: 'youth (17), released from a youth facility 2026-08-01' });
    const ev = [m.program([['youth-incarceration', 'Youth correctional facility']], 'kern-juvenile-hall', '2026-01-10', '2026-08-01')];
    add(m.met('incarceration-transition', ['ELIG-C-JI'], ev, 'Released from a youth correctional facility on 2026-08-01 (within 12 months)'));
  }

  // --- LTC risk and nursing-facility transition ----------------------------------------
  {
    const m = new MemberBuilder(23, { given: 'Helen', gender: 'female', birthDate: '1948-06-06', language: 'en', city: 'Ridgecrest', scenario: 'adult in the community at SNF level of care, lives alone' });
    const ev = [
      m.obs('snf-level-of-care', 'Meets skilled nursing facility level of care', '2026-09-01', true),
      m.dx('Z60.2', 'Problems related to living alone', '2026-09-01'),
      m.obs('community-living-with-supports', 'Can keep living in the community with wraparound supports', '2026-09-01', true),
    ];
    add(m.met('ltc-risk', ['ELIG-A-LTC'], ev, 'In the community at SNF level of care, lives alone, can stay home with wraparound supports'));
  }
  {
    const m = new MemberBuilder(24, { given: 'Frank', gender: 'male', birthDate: '1952-02-29', language: 'en', scenario: 'nursing-facility resident who wants to move home (leap-day birthday)' });
    const ev = [
      m.program([['nursing-facility-resident', 'Nursing facility resident']], 'nf-oak-meadows', '2026-03-01'),
      m.obs('nf-transition-assessment', 'Nursing facility transition assessment', '2026-10-01', true, [
        ['wants-to-leave', 'Wants to leave the facility', true],
        ['likely-to-succeed', 'Likely to succeed in the community', true],
        ['community-sustainable', 'Can stay in the community without a break', true],
      ]),
    ];
    add(m.met('nf-transition', ['ELIG-A-NF'], ev, 'Nursing-facility resident who wants to leave, is likely to succeed and could stay in the community'));
  }

  // --- CCS -----------------------------------------------------------------------------
  {
    const m = new MemberBuilder(25, { given: 'Emma', gender: 'female', birthDate: '2014-09-09', language: 'es', scenario: 'child in CCS with ACE score 4' });
    const ev = [m.program([['ccs', 'California Children’s Services']], 'county-kern-ccs', '2020-01-01'), m.obs('ace-score', 'Adverse childhood experiences score', '2026-06-01', 4)];
    add(m.met('ccs-wcm', ['ELIG-C-CCS'], ev, 'In CCS with an ACE score of 4 (threshold 4)'));
  }
  {
    const m = new MemberBuilder(26, { given: 'Owen', gender: 'male', birthDate: '2016-03-03', language: 'en', scenario: 'child in CCS WCM with ACE score 3 and no other social factor' });
    const ev = [m.program([['ccs-wcm', 'CCS Whole Child Model']], 'county-kern-ccs', '2022-01-01'), m.obs('ace-score', 'Adverse childhood experiences score', '2026-06-01', 3)];
    add(m.notMet('ccs-wcm', ['ELIG-C-CCS'], ev, 'In CCS WCM but ACE score 3 (threshold 4) and no other complex social factor'));
  }
  {
    const m = new MemberBuilder(27, { given: 'Pa Houa', gender: 'female', birthDate: '2010-10-10', language: 'hmn', scenario: 'child in CCS with food insecurity' });
    const ev = [m.program([['ccs', 'California Children’s Services']], 'county-kern-ccs', '2018-05-01'), m.dx('Z59.41', 'Food insecurity', '2026-03-01')];
    add(m.met('ccs-wcm', ['ELIG-C-CCS'], ev, 'In CCS with no access to food'));
  }

  // --- child welfare -------------------------------------------------------------------
  const dhs = 'referrer-kern-dhs';
  {
    const m = new MemberBuilder(28, { given: 'Aiden', gender: 'male', birthDate: '2014-12-12', language: 'en', scenario: 'child in California foster care now' });
    const ev = [m.program([['foster-care', 'California foster care']], dhs, '2024-03-01')];
    add(m.met('child-welfare', ['ELIG-C-WELFARE'], ev, 'Under 21 and in California foster care (criterion 1)'));
  }
  {
    const m = new MemberBuilder(29, { given: 'Brianna', gender: 'female', birthDate: '2003-06-15', language: 'en', scenario: 'adult (23) who aged out of foster care' });
    const ev = [m.program([['foster-care', 'California foster care'], ['aged-out-of-foster-care', 'Aged out of foster care']], dhs, '2010-01-01', '2021-06-15')];
    add(m.met('child-welfare', ['ELIG-C-WELFARE'], ev, 'Aged out of foster care, 23 years old (criterion 3, through the day before the 26th birthday)'));
  }
  {
    const m = new MemberBuilder(30, { given: 'Carlos', gender: 'male', birthDate: '2000-10-31', language: 'es', scenario: 'aged out of foster care, turned 26 the day before E' });
    const ev = [m.program([['foster-care', 'California foster care'], ['aged-out-of-foster-care', 'Aged out of foster care']], dhs, '2008-01-01', '2018-10-31')];
    add(m.notMet('child-welfare', ['ELIG-C-WELFARE'], ev, 'Aged out of foster care but 26 on 2026-11-01 (26th birthday 2026-10-31)'));
  }
  {
    const m = new MemberBuilder(31, { given: 'Grace', gender: 'female', birthDate: '2016-01-01', language: 'es', scenario: 'child (10) in the Adoption Assistance Program' });
    const ev = [m.program([['adoption-assistance', 'California Adoption Assistance Program']], dhs, '2019-01-01')];
    add(m.met('child-welfare', ['ELIG-C-WELFARE'], ev, 'Under 18 and in the Adoption Assistance Program (criterion 4)'));
  }
  {
    const m = new MemberBuilder(32, { given: 'Tyler', gender: 'male', birthDate: '2011-07-07', language: 'en', scenario: 'child (15) with Family Maintenance services ended 2026-03-01' });
    const ev = [m.program([['family-maintenance', 'California Family Maintenance services']], dhs, '2025-05-01', '2026-03-01')];
    add(m.met('child-welfare', ['ELIG-C-WELFARE'], ev, 'Under 18 and received Family Maintenance services within the trailing 12 months (criterion 5)'));
  }

  // --- I/DD ----------------------------------------------------------------------------
  {
    const m = new MemberBuilder(33, { given: 'Isabella', gender: 'female', birthDate: '2012-12-24', language: 'es', scenario: 'child with intellectual disability who also meets ELIG-C-UTIL' });
    const ed = ['2026-01-05', '2026-05-05', '2026-10-05'].map((d) => m.ed(d));
    const dx = m.dx('F70', 'Mild intellectual disabilities', '2016-01-01');
    m.met('avoidable-utilization', ['ELIG-C-UTIL'], ed, '3 avoidable ED visits in the trailing 12 months');
    m.notMet('idd', ['ELIG-C-IDD'], [dx, ...ed], 'I/DD is off in the default profile (iddAges = off)');
    add(m.differsUnder({ profile: 'partnership', setting: 'iddAges', code: 'idd', met: true, rules: ['ELIG-C-IDD'], reason: 'Partnership: I/DD under 21 and eligible under another POF (avoidable-utilization)' }));
  }

  // --- birth equity --------------------------------------------------------------------
  {
    const m = new MemberBuilder(34, { given: 'Maribel', gender: 'female', birthDate: '1996-04-20', language: 'es', noFixedAddress: true, scenario: 'pregnant adult, unsheltered with complex need, no disparity record' });
    const home = [m.dx('Z59.02', 'Unsheltered homelessness', '2026-05-01'), complexNeed(m, '2026-06-01')];
    const preg = m.dx('Z33.1', 'Pregnant state, incidental', '2026-06-01');
    m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], home, 'Unsheltered (HHS a) with a recorded complex need');
    m.met('birth-equity', ['ELIG-A-BIRTH'], [preg, ...home], 'Pregnant and eligible under another POF (homelessness)');
    add(m.differsUnder({ profile: 'kern', setting: 'birthEquityLogic', code: 'birth-equity', met: false, rules: ['ELIG-A-BIRTH'], reason: 'Kern counts only the disparity condition, which is not recorded' }));
  }
  {
    const m = new MemberBuilder(35, { given: 'Keisha', gender: 'female', birthDate: '1994-09-30', language: 'en', scenario: 'postpartum adult (delivery 2026-02-10) in a disparity group' });
    const ev = [m.dx('Z37.0', 'Single live birth', '2026-02-10'), m.obs('birth-equity-disparity', 'Subject to racial or ethnic disparities in maternal outcomes', '2026-02-10', true)];
    add(m.met('birth-equity', ['ELIG-A-BIRTH'], ev, 'Postpartum (delivery 2026-02-10, within 12 months) and in a disparity group'));
  }
  {
    const m = new MemberBuilder(36, { given: 'Yesenia', gender: 'female', birthDate: '1993-03-15', language: 'es', scenario: 'delivery 2025-10-20, more than 12 months before E' });
    const ev = [m.dx('Z37.0', 'Single live birth', '2025-10-20'), m.obs('birth-equity-disparity', 'Subject to racial or ethnic disparities in maternal outcomes', '2025-10-20', true)];
    add(m.notMet('birth-equity', ['ELIG-A-BIRTH'], ev, 'Delivery 2025-10-20 is outside the trailing 12 months'));
  }
  {
    const m = new MemberBuilder(37, { given: 'Jasmine', gender: 'female', birthDate: '2009-06-01', language: 'en', scenario: 'pregnant youth (17) in a disparity group' });
    const ev = [m.dx('Z33.1', 'Pregnant state, incidental', '2026-07-01'), m.obs('birth-equity-disparity', 'Subject to racial or ethnic disparities in maternal outcomes', '2026-07-01', true)];
    add(m.met('birth-equity', ['ELIG-C-BIRTH'], ev, 'Pregnant, under 21, in a disparity group'));
  }

  // --- the 21st birthday ---------------------------------------------------------------
  {
    const m = new MemberBuilder(38, { given: 'Ethan', gender: 'male', birthDate: '2005-11-01', language: 'en', scenario: '21st birthday on E: adult rule, 3 avoidable ED visits in 12 months' });
    const ev = ['2026-01-20', '2026-06-01', '2026-09-01'].map((d) => m.ed(d));
    add(m.notMet('avoidable-utilization', ['ELIG-A-UTIL'], ev, 'Adult from the 21st birthday (2026-11-01): 2 avoidable ED visits in the trailing 6 months; threshold 5'));
  }
  {
    const m = new MemberBuilder(39, { given: 'Olivia', gender: 'female', birthDate: '2005-11-02', language: 'en', scenario: 'turns 21 the day after E: child rule, 3 avoidable ED visits in 12 months' });
    const ev = ['2026-01-20', '2026-06-01', '2026-09-01'].map((d) => m.ed(d));
    add(m.met('avoidable-utilization', ['ELIG-C-UTIL'], ev, 'Still 20 on 2026-11-01: 3 avoidable ED visits in the trailing 12 months'));
  }

  // --- exclusions (each member also meets a POF: met but excluded) -----------------------
  {
    const m = new MemberBuilder(40, { given: 'George', gender: 'male', birthDate: '1950-05-05', language: 'en', scenario: '3 unplanned stays, in hospice since 2026-10-01' });
    const ev = [m.stay('inpatient', '2026-05-10', '2026-05-14'), m.stay('inpatient', '2026-07-01', '2026-07-05'), m.stay('inpatient', '2026-09-10', '2026-09-15')];
    m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '3 unplanned avoidable hospital stays in the trailing 6 months');
    add(m.excluded('EXCL-HOSPICE', [m.program([['hospice', 'Hospice']], 'hospice-golden-empire', '2026-10-01')], 'In hospice on 2026-11-01'));
  }
  {
    const m = new MemberBuilder(41, { given: 'Veronica', gender: 'female', birthDate: '1980-08-08', language: 'es', scenario: 'meets ELIG-A-SMHSUD, in county targeted case management' });
    const ev = [
      m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2025-03-01'),
      m.dx('Z59.41', 'Food insecurity', '2026-01-10'),
      m.ed('2026-02-02', { avoidable: false, reason: ['F25.0', 'Schizoaffective disorder, bipolar type'] }),
      m.ed('2026-07-07', { avoidable: false, reason: ['F25.0', 'Schizoaffective disorder, bipolar type'] }),
    ];
    m.met('smh-sud', ['ELIG-A-SMHSUD'], ev, 'SMHS access, food insecurity and 2 ED visits for SMH in 12 months');
    add(m.excluded('EXCL-TCM', [m.program([['tcm', 'County targeted case management']], 'county-kern-public-health', '2025-01-01')], 'In county targeted case management'));
  }
  {
    const m = new MemberBuilder(42, { given: 'Samuel', gender: 'male', birthDate: '1977-07-17', language: 'en', noFixedAddress: true, scenario: 'homeless, in TCM for a communicable disease only (exception window has ended)' });
    const ev = [m.dx('Z59.02', 'Unsheltered homelessness', '2026-02-01'), complexNeed(m, '2026-03-01')];
    m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], ev, 'Unsheltered (HHS a) with a recorded complex need');
    const tcm = m.program([['tcm', 'County targeted case management'], ['tcm-communicable-disease', 'TCM for a communicable disease only']], 'county-kern-public-health', '2024-09-01');
    add(m.excluded('EXCL-TCM', [tcm], 'TCM for a communicable disease only; the exception applied only 2024-07-01..2025-06-30 (tcmExceptionPeriod)'));
  }
  {
    const m = new MemberBuilder(43, { given: 'Paula', gender: 'female', birthDate: '1986-06-16', language: 'en', noFixedAddress: true, scenario: 'homeless, authorized 2025-09-01..2026-08-31, never reached' });
    const ev = [m.dx('Z59.01', 'Sheltered homelessness', '2025-08-01'), complexNeed(m, '2025-08-15')];
    m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], ev, 'In a shelter (HHS c) with a recorded complex need');
    const attempts = [
      m.failedOutreach('2026-06-02T10:00:00-07:00', 'phone', 'No answer; voicemail left'),
      m.failedOutreach('2026-06-20T15:30:00-07:00', 'in-person', 'Not found at the shelter'),
      m.failedOutreach('2026-07-15T18:00:00-07:00', 'phone', 'Number disconnected'),
    ];
    add(m.excluded('EXCL-UNRESPONSIVE', [...attempts, 'ServiceRequest/demo-authorization-3'], '3 failed outreach attempts over 43 days (≥ 2 attempts, ≥ 30 days); the authorization ended 2026-08-31'));
  }
  {
    const m = new MemberBuilder(44, { given: 'Dwayne', gender: 'male', birthDate: '1989-09-19', language: 'en', scenario: 'released 2026-09-01 with alcohol dependence, unsafe behavior recorded' });
    const ev = [m.program([['incarceration', 'Incarceration (adult correctional facility)']], jail, '2025-12-01', '2026-09-01'), m.dx('F10.20', 'Alcohol dependence, uncomplicated', '2020-01-01')];
    m.met('incarceration-transition', ['ELIG-A-JI'], ev, 'Released 2026-09-01 with a substance use disorder');
    add(m.excluded('EXCL-UNSAFE-BEHAVIOR', [m.obs('unsafe-behavior', 'Unsafe or threatening behavior toward staff', '2026-10-01', true)], 'Unsafe or threatening behavior recorded 2026-10-01'));
  }
  {
    const m = new MemberBuilder(45, { given: 'Ramon', gender: 'male', birthDate: '1972-02-02', language: 'es', scenario: '5 avoidable ED visits, unsafe physical environment' });
    const ev = ['2026-05-03', '2026-06-03', '2026-07-03', '2026-08-03', '2026-09-03'].map((d) => m.ed(d));
    m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '5 avoidable ED visits in the trailing 6 months');
    add(m.excluded('EXCL-UNSAFE-ENV', [m.obs('unsafe-environment', 'Physical environment is a safety or security risk', '2026-09-20', true)], 'Unsafe physical environment recorded 2026-09-20'));
  }
  {
    const m = new MemberBuilder(46, { given: 'Camila', gender: 'female', birthDate: '2013-03-13', language: 'es', scenario: 'child in CCS with ACE 5, receiving CHW services' });
    const ev = [m.program([['ccs', 'California Children’s Services']], 'county-kern-ccs', '2019-01-01'), m.obs('ace-score', 'Adverse childhood experiences score', '2026-05-01', 5)];
    m.met('ccs-wcm', ['ELIG-C-CCS'], ev, 'In CCS with an ACE score of 5');
    add(m.excluded('EXCL-CHW', [m.program([['chw', 'Community Health Worker benefit']], 'chw-valley-promotoras', '2026-04-01')], 'Receiving the CHW benefit'));
  }
  {
    const m = new MemberBuilder(47, { given: 'Dorothy', gender: 'female', birthDate: '1945-01-31', language: 'en', city: 'Ridgecrest', scenario: 'meets ELIG-A-LTC, enrolled in MSSP' });
    const ev = [
      m.obs('snf-level-of-care', 'Meets skilled nursing facility level of care', '2026-08-01', true),
      m.dx('Z60.2', 'Problems related to living alone', '2026-08-01'),
      m.obs('community-living-with-supports', 'Can keep living in the community with wraparound supports', '2026-08-01', true),
    ];
    m.met('ltc-risk', ['ELIG-A-LTC'], ev, 'SNF level of care in the community, lives alone, can stay home with supports');
    add(m.excluded('EXCL-WAIVER', [m.program([['mssp', 'Multipurpose Senior Services Program']], 'mssp-kern', '2025-11-15')], 'In MSSP, a duplicative program'));
  }
  {
    const m = new MemberBuilder(48, { given: 'Kevin', gender: 'male', birthDate: '1981-01-11', language: 'en', scenario: '5 avoidable ED visits, in the plan’s complex case management' });
    const ev = ['2026-05-11', '2026-06-11', '2026-07-11', '2026-08-11', '2026-10-11'].map((d) => m.ed(d));
    m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '5 avoidable ED visits in the trailing 6 months');
    add(m.excluded('EXCL-PLAN-CM', [m.program([['plan-complex-cm', 'Plan complex case management']], 'plan-kern', '2026-09-01')], 'In the plan’s complex case management (a care-coordination Task follows)'));
  }
  {
    const m = new MemberBuilder(49, { given: 'Linda', gender: 'female', birthDate: '1984-04-04', language: 'en', scenario: 'meets ELIG-A-SMHSUD via overdose risk; staff found her well managed' });
    const ev = [
      m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2024-01-01'),
      m.dx('Z59.41', 'Food insecurity', '2026-02-01'),
      m.obs('high-risk-overdose-suicide', 'High risk of institutionalization, overdose or suicide', '2026-03-01', true),
    ];
    m.met('smh-sud', ['ELIG-A-SMHSUD'], ev, 'SMHS access, food insecurity and a high overdose/suicide risk');
    add(m.excluded('EXCL-WELL-MANAGED', [m.obs('well-managed', 'Managed well by the member or another care management program (staff determination)', '2026-10-15', true)], 'Staff determination of 2026-10-15'));
  }

  // --- no data, several POFs, no coverage, continuity, a lapsed exclusion ----------------
  add(new MemberBuilder(50, { given: 'Quinn', gender: 'unknown', birthDate: '1992-02-20', language: 'en', scenario: 'adult with coverage and no other data' }));
  add(new MemberBuilder(51, { given: 'Mia', gender: 'female', birthDate: '2017-05-15', language: 'es', city: 'Delano', scenario: 'child with coverage and no other data' }));
  {
    const m = new MemberBuilder(52, { given: 'Victor', gender: 'male', birthDate: '1974-10-04', language: 'en', noFixedAddress: true, scenario: 'homeless, 5 avoidable ED visits for SUD, DMC-ODS: three POFs' });
    const home = [m.dx('Z59.02', 'Unsheltered homelessness', '2026-01-01'), complexNeed(m, '2026-02-01')];
    const ed = ['2026-05-04', '2026-06-04', '2026-07-04', '2026-08-04', '2026-09-04'].map((d) => m.ed(d, { reason: F19 }));
    const dmc = m.program([['dmc-ods', 'Drug Medi-Cal Organized Delivery System']], 'county-kern-bhrs', '2025-09-01');
    m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], home, 'Unsheltered (HHS a) with a recorded complex need');
    m.met('avoidable-utilization', ['ELIG-A-UTIL'], ed, '5 avoidable ED visits in the trailing 6 months');
    add(m.met('smh-sud', ['ELIG-A-SMHSUD'], [dmc, home[0], ...ed], 'DMC-ODS access, homelessness as social factor, 5 ED visits for SUD in 12 months'));
  }
  {
    const m = new MemberBuilder(53, { given: 'Harold', gender: 'male', birthDate: '1965-03-03', language: 'en', coverage: { start: '2025-01-01', end: '2026-06-30' }, scenario: 'meets ELIG-A-UTIL but Medi-Cal coverage ended 2026-06-30' });
    const ev = ['2026-05-02', '2026-05-12', '2026-05-22', '2026-06-02', '2026-06-12'].map((d) => m.ed(d));
    add(m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '5 avoidable ED visits in the trailing 6 months, but no coverage on 2026-11-01 (ELIG-BASE)'));
  }
  {
    const m = new MemberBuilder(54, { given: 'Lucia', gender: 'female', birthDate: '1988-08-28', language: 'es', coverage: { start: '2026-09-01' }, scenario: 'joined the plan 2026-09-01 after ECM at a previous plan' });
    const ev = [m.priorEcmService('2026-07-15'), m.program([['ecm', 'Enhanced Care Management (previous plan)']], 'plan-other-health-net', '2025-12-01', '2026-08-31')];
    add(m.continuity(['CONT-HIST-K', 'CONT-HIST-P'], ev, 'ECM service 2026-07-15, within 90 days (Kern) and 6 months (default) before coverage start 2026-09-01; Kern needs G9008 in ecmServiceCodes (ENC-HCPCS ships empty)'));
  }
  {
    const m = new MemberBuilder(55, { given: 'Arthur', gender: 'male', birthDate: '1958-11-30', language: 'en', scenario: '3 unplanned stays; hospice ended 2026-09-30 (no exclusion on E)' });
    const ev = [m.stay('inpatient', '2026-05-02', '2026-05-06'), m.stay('snf', '2026-05-06', '2026-05-30'), m.stay('inpatient', '2026-10-02', '2026-10-08')];
    m.program([['hospice', 'Hospice']], 'hospice-golden-empire', '2026-06-15', '2026-09-30');
    add(m.met('avoidable-utilization', ['ELIG-A-UTIL'], ev, '3 unplanned avoidable stays in the trailing 6 months; hospice ended before 2026-11-01'));
  }
  {
    const m = new MemberBuilder(56, { given: 'Sofia', gender: 'female', birthDate: '1998-01-01', language: 'es', scenario: 'pregnant adult meeting ELIG-A-SMHSUD' });
    const smhs = m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2025-10-01');
    const food = m.dx('Z59.41', 'Food insecurity', '2026-05-01');
    const preg = m.dx('Z33.1', 'Pregnant state, incidental', '2026-08-01');
    m.met('smh-sud', ['ELIG-A-SMHSUD'], [smhs, food, preg], 'SMHS access, food insecurity and pregnancy');
    m.met('birth-equity', ['ELIG-A-BIRTH'], [preg, smhs], 'Pregnant and eligible under another POF (smh-sud)');
    add(m.differsUnder({ profile: 'kern', setting: 'birthEquityLogic', code: 'birth-equity', met: false, rules: ['ELIG-A-BIRTH'], reason: 'Kern counts only the disparity condition, which is not recorded' }));
  }

  // --- dated criteria: imminent housing loss (HHS e), acute care as the only source, recent contacts ---
  {
    const m = new MemberBuilder(57, { given: 'Denise', gender: 'female', birthDate: '1976-04-14', language: 'en', scenario: 'adult, housed, eviction court order: housing lost 2026-11-25 (24 days after E), complex need' });
    const ev = [m.housingLoss('2026-10-20', '2026-11-25', 'Unlawful-detainer judgment: must leave the apartment by 2026-11-25'), complexNeed(m, '2026-10-22')];
    add(m.met('homelessness', ['ELIG-A-HOMELESS', 'ELIG-A-HOMELESS-NEED'], ev, 'Will imminently lose housing (HHS e): eviction on 2026-11-25, within 30 days of 2026-11-01, with a recorded complex need'));
  }
  {
    const m = new MemberBuilder(58, { given: 'Gilbert', gender: 'male', birthDate: '1966-08-02', language: 'es', scenario: 'adult, notice to vacate by 2026-12-15 (44 days after E), complex need' });
    const ev = [m.housingLoss('2026-10-01', '2026-12-15', '60-day notice to vacate: the building is being sold'), complexNeed(m, '2026-10-05')];
    add(m.notMet('homelessness', ['ELIG-A-HOMELESS'], ev, 'Housing loss expected 2026-12-15, more than 30 days (homelessImminentLossDays) after 2026-11-01: not HHS (e) yet'));
  }
  {
    const m = new MemberBuilder(59, { given: 'Terrence', gender: 'male', birthDate: '1983-01-25', language: 'en', scenario: 'adult, SMHS access + food insecurity; one ED visit and a mobile crisis contact are his only care in 12 months' });
    const ev = [
      m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2025-08-01'),
      m.dx('F31.9', 'Bipolar disorder, unspecified', '2024-06-01'),
      m.dx('Z59.41', 'Food insecurity', '2026-02-01'),
      m.ed('2026-03-14', { avoidable: false, reason: ['F31.9', 'Bipolar disorder, unspecified'] }),
      m.crisisService('2026-07-30'),
    ];
    add(m.met('smh-sud', ['ELIG-A-SMHSUD'], ev, 'SMHS access, food insecurity, and crisis / ED care as the only source of care in the trailing 12 months'));
  }
  {
    const m = new MemberBuilder(60, { given: 'Marisol', gender: 'female', birthDate: '1987-10-09', language: 'es', scenario: 'adult, SMHS access + food insecurity, one ED visit and one primary care visit in 12 months' });
    const ev = [
      m.program([['smhs', 'County specialty mental health services']], 'county-kern-bhrs', '2025-08-01'),
      m.dx('Z59.41', 'Food insecurity', '2026-02-01'),
      m.ed('2026-04-02', { avoidable: false, reason: F20 }),
      m.officeVisit('2026-09-10'),
    ];
    add(m.notMet('smh-sud', ['ELIG-A-SMHSUD'], ev, 'The ED is not her only source of care (a primary care visit on 2026-09-10), and one ED visit for SMH is below 2'));
  }
  {
    const m = new MemberBuilder(61, { given: 'Diego', gender: 'male', birthDate: '2011-05-30', language: 'es', scenario: 'child in CCS, mobile crisis contact for MH symptoms on 2026-04-10' });
    const ev = [m.program([['ccs', 'California Children’s Services']], 'county-kern-ccs', '2017-03-01'), m.crisisService('2026-04-10')];
    add(m.met('ccs-wcm', ['ELIG-C-CCS'], ev, 'In CCS with a recent MH/SUD crisis-intervention contact (2026-04-10, within ccsRecentContactMonths = 12)'));
  }
  {
    const m = new MemberBuilder(62, { given: 'Kayla', gender: 'female', birthDate: '2009-12-19', language: 'en', scenario: 'youth in CCS WCM, arrested 2025-09-15 (more than 12 months before E), no other social factor' });
    const ev = [m.program([['ccs-wcm', 'CCS Whole Child Model']], 'county-kern-ccs', '2021-01-01'), m.dx('Z65.3', 'Problems related to other legal circumstances', '2025-09-15')];
    add(m.notMet('ccs-wcm', ['ELIG-C-CCS'], ev, 'The law-enforcement contact of 2025-09-15 is older than ccsRecentContactMonths (12 months before 2026-11-01)'));
  }
  return members;
}
