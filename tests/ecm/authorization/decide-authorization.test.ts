import type { EpisodeOfCare, ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { authorizationUpdateProblem } from '../../../src/ecm/authorization/authorization-flow.ts';
import { decideAuthorization, type DecisionFacts } from '../../../src/ecm/authorization/decide-authorization.ts';
import type { DecideInput } from '../../../src/ecm/authorization/decide-input.ts';
import { jiReleaseDate } from '../../../src/ecm/authorization/ji-release.ts';
import type { Determination, EligibilityDecision } from '../../../src/ecm/eligibility/evaluate-eligibility.ts';
import { mergeSettings, settingsProfileNamed, type SettingsProfile } from '../../../src/ecm/settings/settings-profile.ts';
import type { FhirError } from '../../../src/fhir/outcome.ts';

// The AUTH-* decision at and around each threshold, pure (no database): decideAuthorization.

const B = 'https://ecm-fhir.example.org/fhir';
const profile = (name: string) => settingsProfileNamed(name, '2026-11-25')!;
const KERN = profile('kern');
const CALOPTIMA = profile('caloptima');
const PARTNERSHIP = profile('partnership');
const withSettings = (p: SettingsProfile, patch: Partial<SettingsProfile['settings']>): SettingsProfile => ({ ...p, settings: mergeSettings(p.settings, patch) });

function eligibility(date: string, opts: { pofs?: string[]; continuity?: boolean; excluded?: string[]; base?: boolean; evidence?: string[] } = {}): EligibilityDecision {
  const pofs = opts.pofs ?? ['homelessness'];
  const populations: Determination[] = ['homelessness', 'avoidable-utilization', 'incarceration-transition'].map((code) => ({
    code,
    met: pofs.includes(code),
    rules: [code === 'homelessness' ? 'ELIG-A-HOMELESS' : code === 'incarceration-transition' ? 'ELIG-A-JI' : 'ELIG-A-UTIL'],
    reason: '',
    evidence: pofs.includes(code) ? (opts.evidence ?? [`Condition/${code}`]) : [],
  }));
  return {
    date,
    age: 46,
    settingsProfile: { name: 'x', version: '0' },
    rulesVersion: '1',
    base: { code: 'ELIG-BASE', met: opts.base ?? true, rules: ['ELIG-BASE'], reason: opts.base === false ? `No active coverage on ${date}` : 'covered', evidence: [] },
    eligible: pofs.length > 0 && (opts.excluded ?? []).length === 0,
    populations,
    exclusions: (opts.excluded ?? []).map((code) => ({ code, met: true, rules: [code], reason: '', evidence: [] })),
    ...(opts.continuity ? { continuity: { code: 'prior-ecm', met: true, rules: ['CONT-HIST-K', 'CONT-HIST-P'], reason: '', evidence: ['EpisodeOfCare/prior'] } } : {}),
  };
}

function request(status: ServiceRequest['status'] = 'draft', extra: Partial<ServiceRequest> = {}): ServiceRequest & { id: string } {
  return {
    resourceType: 'ServiceRequest',
    id: 'auth-1',
    meta: { profile: [`${B}/StructureDefinition/ecm-authorization`] },
    status,
    intent: 'order',
    category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm-authorization' }] }],
    subject: { reference: 'Patient/p' },
    ...extra,
  };
}

const input = (decision: DecideInput['decision'], decidedAt: string, extra: Partial<DecideInput> = {}): DecideInput => ({
  decision,
  decidedAt,
  reviewer: { reference: 'PractitionerRole/nurse' },
  ...extra,
});

function facts(p: SettingsProfile, i: DecideInput, extra: Partial<DecisionFacts> = {}): DecisionFacts {
  return { authorization: request(), input: i, profile: p, eligibility: eligibility(i.decidedAt.slice(0, 10)), ...extra };
}

function refusal(fn: () => unknown): { status: number; rule?: string; text: string } {
  try {
    fn();
  } catch (err) {
    const e = err as FhirError;
    return { status: e.status, rule: e.outcome.issue?.[0].details?.coding?.[0].code, text: e.outcome.issue?.[0].diagnostics ?? '' };
  }
  throw new Error('expected a refusal');
}

describe('AUTH-PERIOD: initialAuthMonths from the decision date (S through the day before S + N months)', () => {
  it('Kern 12 months, CalOptima 6 months, the default 12', () => {
    const at = '2026-11-25T14:00:00-08:00';
    expect(decideAuthorization(facts(KERN, input('approve', at))).period).toEqual({ start: '2026-11-25', end: '2027-11-24' });
    expect(decideAuthorization(facts(CALOPTIMA, input('approve', at))).period).toEqual({ start: '2026-11-25', end: '2027-05-24' });
    expect(decideAuthorization(facts(profile('default'), input('approve', at))).period).toEqual({ start: '2026-11-25', end: '2027-11-24' });
    expect(decideAuthorization(facts(KERN, input('approve', at))).rules).toEqual(['AUTH-FLOW', 'AUTH-PERIOD', 'ELIG-A-HOMELESS', 'AUTH-NOTICE']);
  });

  it('starts on the local decision date: 23:30 Pacific on the 24th, written in UTC, starts on the 24th', () => {
    expect(decideAuthorization(facts(KERN, input('approve', '2026-11-25T07:30:00Z'))).period?.start).toBe('2026-11-24');
  });

  it('clamps the month end: CalOptima from 31 August 2027 ends 28 February 2028 (leap year: the day before 29 February)', () => {
    expect(decideAuthorization(facts(CALOPTIMA, input('approve', '2027-08-31T10:00:00-07:00'))).period).toEqual({ start: '2027-08-31', end: '2028-02-28' });
    expect(decideAuthorization(facts(CALOPTIMA, input('approve', '2026-08-31T10:00:00-07:00'))).period).toEqual({ start: '2026-08-31', end: '2027-02-27' });
  });
});

describe('AUTH-REAUTH: a renewal of an approved authorization gets reauthMonths', () => {
  const renews = request('active', { id: 'old', occurrencePeriod: { start: '2026-07-01', end: '2026-12-31' } }) as ServiceRequest & { id: string };

  it('CalOptima: 6 months from the day after the renewed period ends', () => {
    const d = decideAuthorization(facts(CALOPTIMA, input('approve', '2026-12-20T10:00:00-08:00'), { renews }));
    expect(d.period).toEqual({ start: '2027-01-01', end: '2027-06-30' });
    expect(d.rules).toContain('AUTH-REAUTH');
    expect(d.rules).not.toContain('AUTH-PERIOD');
  });

  it('from the decision date when the renewed period already ended (no retroactive gap filling)', () => {
    expect(decideAuthorization(facts(CALOPTIMA, input('approve', '2027-01-10T10:00:00-08:00'), { renews })).period).toEqual({ start: '2027-01-10', end: '2027-07-09' });
    // decided on the renewed period's last day: starts the day after
    expect(decideAuthorization(facts(CALOPTIMA, input('approve', '2026-12-31T10:00:00-08:00'), { renews })).period?.start).toBe('2027-01-01');
  });

  it('Kern renews for the default reauthMonths (6), not initialAuthMonths (12)', () => {
    expect(KERN.settings.reauthMonths).toBe(6);
    expect(decideAuthorization(facts(KERN, input('approve', '2026-12-20T10:00:00-08:00'), { renews })).period).toEqual({ start: '2027-01-01', end: '2027-06-30' });
  });
});

describe('CONT-HIST-P: a continuity-of-care approval lasts at most cocAuthMonths', () => {
  it('Partnership: prior ECM → 6 months even though initialAuthMonths is 12; no POF needed', () => {
    const d = decideAuthorization(facts(PARTNERSHIP, input('approve', '2026-11-25T10:00:00-08:00'), { eligibility: eligibility('2026-11-25', { pofs: [], continuity: true }) }));
    expect(d.period).toEqual({ start: '2026-11-25', end: '2027-05-24' });
    expect(d.rules).toEqual(expect.arrayContaining(['CONT-HIST-P', 'AUTH-PERIOD']));
    expect(d.criteria.fails).toBe(false);
  });

  it('at the threshold: cocAuthMonths 12 leaves 12; cocAuthMonths 5 gives 5', () => {
    const e = { eligibility: eligibility('2026-11-25', { continuity: true }) };
    expect(decideAuthorization(facts(withSettings(PARTNERSHIP, { cocAuthMonths: 12 }), input('approve', '2026-11-25T10:00:00-08:00'), e)).period?.end).toBe('2027-11-24');
    expect(decideAuthorization(facts(withSettings(PARTNERSHIP, { cocAuthMonths: 5 }), input('approve', '2026-11-25T10:00:00-08:00'), e)).period?.end).toBe('2027-04-24');
  });

  it('without cocAutoAuthorize prior ECM is not a continuity approval: the full initial period, and no POF means case-by-case', () => {
    const off = withSettings(PARTNERSHIP, { cocAutoAuthorize: false });
    const d = decideAuthorization(facts(off, input('approve', '2026-11-25T10:00:00-08:00'), { eligibility: eligibility('2026-11-25', { continuity: true }) }));
    expect(d.period?.end).toBe('2027-11-24');
    expect(d.rules).not.toContain('CONT-HIST-P');
    const noPof = refusal(() => decideAuthorization(facts(off, input('approve', '2026-11-25T10:00:00-08:00'), { eligibility: eligibility('2026-11-25', { pofs: [], continuity: true }) })));
    expect(noPof.rule).toBe('ELIG-CASE-BY-CASE');
  });
});

describe('AUTH-JI-RETRO, JI-START: a JI member is authorized from the release date', () => {
  it('released before the decision: the period starts on the release date (retroactive)', () => {
    const d = decideAuthorization(facts(KERN, input('approve', '2026-11-25T10:00:00-08:00'), { releaseDate: '2026-11-10' }));
    expect(d.period).toEqual({ start: '2026-11-10', end: '2027-11-09' });
    expect(d.rules).toEqual(expect.arrayContaining(['AUTH-JI-RETRO', 'JI-START']));
  });

  it('released on the decision date or later: starts on the release date too', () => {
    expect(decideAuthorization(facts(KERN, input('approve', '2026-11-25T10:00:00-08:00'), { releaseDate: '2026-11-25' })).period?.start).toBe('2026-11-25');
    expect(decideAuthorization(facts(KERN, input('approve', '2026-11-25T10:00:00-08:00'), { releaseDate: '2026-12-01' })).period).toEqual({ start: '2026-12-01', end: '2027-11-30' });
  });

  it('the release date is the end of the incarceration enrollment the JI Population of Focus counted', () => {
    const episode = (id: string, end?: string): EpisodeOfCare => ({ resourceType: 'EpisodeOfCare', id, status: end ? 'finished' : 'active', patient: { reference: 'Patient/p' }, period: { start: '2026-01-01', ...(end ? { end } : {}) } });
    const ji = eligibility('2026-11-25', { pofs: ['incarceration-transition'], evidence: ['EpisodeOfCare/jail', 'Condition/f20'] });
    expect(jiReleaseDate(ji, [episode('jail', '2026-11-10'), episode('other', '2026-11-20')])).toBe('2026-11-10');
    // an end written as a dateTime: its local date
    expect(jiReleaseDate(ji, [episode('jail', '2026-11-10T06:00:00Z')])).toBe('2026-11-09');
    expect(jiReleaseDate(ji, [episode('jail')])).toBeUndefined();
    expect(jiReleaseDate(eligibility('2026-11-25'), [episode('jail', '2026-11-10')])).toBeUndefined();
  });
});

describe('AUTH-REVIEW, ELIG-CASE-BY-CASE: a request failing the criteria is never denied without case-by-case review', () => {
  const noPof = eligibility('2026-11-25', { pofs: [] });
  const at = '2026-11-25T10:00:00-08:00';

  it('deny straight from draft is refused (409 AUTH-REVIEW), whoever reviews', () => {
    for (const roles of [[], ['medical-director']]) {
      const r = refusal(() => decideAuthorization(facts(KERN, input('deny', at, { reason: 'No POF' }), { eligibility: noPof, reviewerRoles: roles })));
      expect(r).toMatchObject({ status: 409, rule: 'AUTH-REVIEW' });
    }
  });

  it('pend-review moves it to on-hold; then only the caseByCaseReviewerRole may deny', () => {
    expect(decideAuthorization(facts(KERN, input('pend-review', at), { eligibility: noPof })).status).toBe('on-hold');
    const onHold = { authorization: request('on-hold'), eligibility: noPof };
    expect(refusal(() => decideAuthorization(facts(KERN, input('deny', at, { reason: 'No POF' }), { ...onHold, reviewerRoles: ['plan-ecm-team'] })))).toMatchObject({ status: 422, rule: 'ELIG-CASE-BY-CASE' });
    const denied = decideAuthorization(facts(KERN, input('deny', at, { reason: 'No POF' }), { ...onHold, reviewerRoles: ['medical-director'] }));
    expect(denied.status).toBe('revoked');
    expect(denied.rules).toEqual(expect.arrayContaining(['AUTH-REVIEW', 'ELIG-CASE-BY-CASE', 'AUTH-DENIAL-AG']));
  });

  it('only the caseByCaseReviewerRole may approve, with a reason; a plan that disallows case-by-case approval refuses', () => {
    expect(refusal(() => decideAuthorization(facts(KERN, input('approve', at, { reason: 'x' }), { eligibility: noPof, reviewerRoles: ['plan-ecm-team'] })))).toMatchObject({ status: 422, rule: 'ELIG-CASE-BY-CASE' });
    expect(refusal(() => decideAuthorization(facts(KERN, input('approve', at), { eligibility: noPof, reviewerRoles: ['medical-director'] })))).toMatchObject({ status: 422, rule: 'ELIG-CASE-BY-CASE' });
    const approved = decideAuthorization(facts(KERN, input('approve', at, { reason: 'Complex needs outside the POFs' }), { eligibility: noPof, reviewerRoles: ['medical-director'] }));
    expect(approved.status).toBe('active');
    expect(approved.rules).toEqual(expect.arrayContaining(['AUTH-REVIEW', 'ELIG-CASE-BY-CASE']));
    const off = withSettings(KERN, { caseByCaseAllowed: false });
    expect(refusal(() => decideAuthorization(facts(off, input('approve', at, { reason: 'x' }), { eligibility: noPof, reviewerRoles: ['medical-director'] })))).toMatchObject({ status: 422, rule: 'ELIG-CASE-BY-CASE' });
  });

  it('the reviewer role is the plan setting: a plan naming another role needs that role', () => {
    const other = withSettings(KERN, { caseByCaseReviewerRole: 'plan-ecm-team' });
    expect(decideAuthorization(facts(other, input('approve', at, { reason: 'x' }), { eligibility: noPof, reviewerRoles: ['plan-ecm-team'] })).status).toBe('active');
    expect(refusal(() => decideAuthorization(facts(other, input('approve', at, { reason: 'x' }), { eligibility: noPof, reviewerRoles: ['medical-director'] }))).rule).toBe('ELIG-CASE-BY-CASE');
  });

  it('an excluded member fails the criteria too; a member meeting a POF is denied by any reviewer with a reason', () => {
    const excluded = eligibility('2026-11-25', { excluded: ['EXCL-HOSPICE'] });
    const r = refusal(() => decideAuthorization(facts(KERN, input('deny', at, { reason: 'In hospice' }), { eligibility: excluded })));
    expect(r).toMatchObject({ status: 409, rule: 'AUTH-REVIEW' });
    expect(r.text).toContain('EXCL-HOSPICE');
    expect(decideAuthorization(facts(KERN, input('deny', at, { reason: 'Declined by member' }))).status).toBe('revoked');
  });
});

describe('refusals that name the rule', () => {
  const at = '2026-11-25T10:00:00-08:00';
  it('deny needs a reason (DECISION-RECORD)', () => {
    expect(refusal(() => decideAuthorization(facts(KERN, input('deny', at))))).toMatchObject({ status: 422, rule: 'DECISION-RECORD' });
  });

  it('an already-decided request → 409 AUTH-FLOW', () => {
    for (const status of ['active', 'revoked', 'completed', 'entered-in-error'] as const) {
      expect(refusal(() => decideAuthorization(facts(KERN, input('approve', at), { authorization: request(status) })))).toMatchObject({ status: 409, rule: 'AUTH-FLOW' });
    }
  });

  it('no coverage on the decision date → 422 ELIG-BASE on approval', () => {
    expect(refusal(() => decideAuthorization(facts(KERN, input('approve', at), { eligibility: eligibility('2026-11-25', { base: false }) })))).toMatchObject({ status: 422, rule: 'ELIG-BASE' });
  });
});

describe('AUTH-FLOW for plain writes (authorizationUpdateProblem)', () => {
  const rule = (prev: ServiceRequest, next: ServiceRequest, byDecision = false) => authorizationUpdateProblem(prev, next, byDecision)?.outcome.issue?.[0].details?.coding?.[0].code;
  const period = { start: '2026-11-25', end: '2027-11-24' };

  it('refuses deciding by a plain write; allows it to $ecm-decide', () => {
    for (const to of ['active', 'revoked', 'on-hold'] as const) {
      expect(rule(request('draft'), request(to, { occurrencePeriod: period }))).toBe('AUTH-FLOW');
      expect(rule(request('draft'), request(to, { occurrencePeriod: period }), true)).toBeUndefined();
    }
    expect(rule(request('on-hold'), request('active', { occurrencePeriod: period }))).toBe('AUTH-FLOW');
  });

  it('allows ending an approval, marking anything entered-in-error, and edits that keep the status', () => {
    expect(rule(request('active', { occurrencePeriod: period }), request('completed', { occurrencePeriod: period }))).toBeUndefined();
    for (const from of ['draft', 'on-hold', 'active', 'revoked', 'completed'] as const) {
      expect(rule(request(from, { occurrencePeriod: period }), request('entered-in-error', { occurrencePeriod: period }))).toBeUndefined();
    }
    expect(rule(request('draft'), request('draft', { note: [{ text: 'more information' }] }))).toBeUndefined();
  });

  it('refuses reopening or changing a decision', () => {
    expect(rule(request('active', { occurrencePeriod: period }), request('draft', { occurrencePeriod: period }))).toBe('AUTH-FLOW');
    expect(rule(request('revoked'), request('active', { occurrencePeriod: period }))).toBe('AUTH-FLOW');
    expect(rule(request('revoked'), request('active', { occurrencePeriod: period }), true)).toBe('AUTH-FLOW');
    // $ecm-decide finding the request decided meanwhile: a conflict with the current state
    expect(authorizationUpdateProblem(request('active', { occurrencePeriod: period }), request('revoked'), true)?.status).toBe(409);
    expect(rule(request('completed', { occurrencePeriod: period }), request('active', { occurrencePeriod: period }))).toBe('AUTH-FLOW');
    expect(rule(request('active', { occurrencePeriod: period }), request('active', { occurrencePeriod: { ...period, end: '2028-11-24' } }))).toBe('AUTH-PERIOD');
    expect(rule(request('active', { occurrencePeriod: period, authoredOn: '2026-11-25' }), request('active', { occurrencePeriod: period, authoredOn: '2026-11-20' }))).toBe('DECISION-RECORD');
  });

  it('an authorization stays one', () => {
    const plain: ServiceRequest = { ...request('draft'), meta: {}, category: [] };
    expect(rule(request('draft'), plain)).toBe('AUTH-FLOW');
  });
});
