import type { Coverage } from '@medplum/fhirtypes';
import type { ValueSetMatcher } from '../rules/value-set-match.ts';
import type { EligibilityRule, RuleSet } from '../rules/rule-types.ts';
import type { SettingsProfile } from '../settings/settings-profile.ts';
import { type EvaluationInput, evaluateAll, evaluateCriterion, setting } from './criteria.ts';
import { ageOn, datePart } from './dates.ts';
import type { MemberEvidence } from './member-evidence.ts';

/** One determination (ELIG-RESULT, DECISION-RECORD): a POF, an exclusion, continuity or ELIG-BASE. */
export interface Determination {
  /** POF code, EXCL-* ID, "prior-ecm" or "ELIG-BASE". */
  code: string;
  met: boolean;
  rules: string[];
  reason: string;
  evidence: string[];
}

export interface EligibilityDecision {
  date: string;
  age: number;
  settingsProfile: { name: string; version: string };
  rulesVersion: string;
  base: Determination;
  eligible: boolean;
  /** One per POF of the CodeSystem, in its order. */
  populations: Determination[];
  /** Only the exclusions that apply. */
  exclusions: Determination[];
  continuity?: Determination;
}

function inForce(rule: EligibilityRule, date: string): boolean {
  return (!rule.effectiveFrom || rule.effectiveFrom <= date) && (!rule.effectiveTo || date <= rule.effectiveTo);
}

const uniq = (xs: string[]) => [...new Set(xs)];

const otherPofRules = new WeakMap<EligibilityRule, boolean>();

/** Whether a rule reads other POFs' results (evaluated in the second pass); computed once per rule. */
function usesOtherPof(rule: EligibilityRule): boolean {
  let uses = otherPofRules.get(rule);
  if (uses === undefined) otherPofRules.set(rule, (uses = JSON.stringify(rule.criteria).includes('"otherPof"')));
  return uses;
}

interface RuleOutcome {
  rule: EligibilityRule;
  met: boolean;
  rules: string[];
  evidence: string[];
  candidates: string[];
  qualifying: string[];
  reason: string;
}

function sentence(parts: string[]): string {
  const text = parts.filter(Boolean).join('; ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : '';
}

function evaluateRule(rule: EligibilityRule, input: EvaluationInput, profile: SettingsProfile): RuleOutcome | undefined {
  if (!inForce(rule, input.date)) return undefined;
  const cites = (extra: string[]) => uniq([rule.id, ...(rule.alsoCites ?? []), ...extra]);
  if (rule.enabledWhen && rule.enabledWhen.notIn.includes(setting(input.settings, rule.enabledWhen.setting) as string)) {
    const r = evaluateAll(rule.criteria, input);
    const value = String(setting(input.settings, rule.enabledWhen.setting));
    return { rule, met: false, rules: cites([]), evidence: [], candidates: uniq([...r.candidates, ...r.evidence]), qualifying: [], reason: `${rule.id} is off in the ${profile.name} settings profile (${rule.enabledWhen.setting} = ${value})` };
  }
  if (rule.appliesWhen && !evaluateCriterion(rule.appliesWhen, input).met) return undefined;
  const r = evaluateAll(rule.criteria, input);
  return {
    rule,
    met: r.met,
    rules: cites(r.cites),
    evidence: r.evidence,
    candidates: uniq([...r.candidates, ...r.evidence]),
    qualifying: r.qualifying.length > 0 ? r.qualifying : r.evidence,
    reason: sentence(r.reasons),
  };
}

function combine(code: string, outcomes: RuleOutcome[]): Determination {
  const met = outcomes.filter((o) => o.met);
  if (met.length > 0) {
    return { code, met: true, rules: uniq(met.flatMap((o) => o.rules)), reason: met.map((o) => o.reason).join(' / '), evidence: uniq(met.flatMap((o) => o.evidence)) };
  }
  if (outcomes.length === 0) return { code, met: false, rules: [], reason: 'No rule of this Population of Focus applies to the member on the evaluation date (age group or effective dates)', evidence: [] };
  return { code, met: false, rules: uniq(outcomes.flatMap((o) => o.rules)), reason: outcomes.map((o) => o.reason).join(' / '), evidence: uniq(outcomes.flatMap((o) => o.candidates)) };
}

/** The coverage on E (ELIG-BASE) or, failing that, the latest one. */
export function coverageOn(coverages: Coverage[], date: string): { current?: Coverage; latest?: Coverage } {
  const usable = coverages.filter((c) => c.status === 'active');
  const current = usable.find((c) => (datePart(c.period?.start) ?? '0000') <= date && (!c.period?.end || datePart(c.period.end)! >= date));
  const latest = [...usable].sort((a, b) => (datePart(b.period?.start) ?? '').localeCompare(datePart(a.period?.start) ?? ''))[0];
  return { current, latest };
}

/**
 * Evaluates every POF, exclusion and continuity rule for one member on `date` under a settings
 * profile. Pure: data in, decision out (no database, no clock).
 */
export function evaluateEligibility(args: {
  evidence: MemberEvidence;
  date: string;
  profile: SettingsProfile;
  rules: RuleSet;
  valueSets: ValueSetMatcher;
  pofCodes: string[];
}): EligibilityDecision {
  const { evidence, date, profile, rules, valueSets, pofCodes } = args;
  const age = evidence.patient.birthDate ? ageOn(evidence.patient.birthDate, date) : -1;
  const { current, latest } = coverageOn(evidence.coverages, date);
  const base: Determination = current
    ? { code: 'ELIG-BASE', met: true, rules: ['ELIG-BASE'], reason: `Medi-Cal coverage active on ${date} (since ${current.period?.start ?? 'unknown'})`, evidence: [`Coverage/${current.id}`] }
    : { code: 'ELIG-BASE', met: false, rules: ['ELIG-BASE'], reason: latest?.period?.end ? `No active coverage on ${date}: coverage ended ${latest.period.end}` : `No active coverage on ${date}`, evidence: latest ? [`Coverage/${latest.id}`] : [] };
  const input: EvaluationInput = {
    date,
    age,
    evidence,
    settings: profile.settings,
    valueSets,
    metPofs: new Map(),
    coverageStart: datePart((current ?? latest)?.period?.start),
  };

  const byPof = new Map<string, RuleOutcome[]>(pofCodes.map((c) => [c, []]));
  const firstPass = rules.populations.filter((r) => !usesOtherPof(r));
  const secondPass = rules.populations.filter((r) => usesOtherPof(r));
  for (const rule of firstPass) {
    const o = evaluateRule(rule, input, profile);
    if (o && rule.pof) byPof.get(rule.pof)?.push(o);
  }
  for (const [pof, outcomes] of byPof) {
    const met = outcomes.filter((o) => o.met);
    if (met.length > 0) input.metPofs.set(pof, uniq(met.flatMap((o) => o.qualifying)));
  }
  for (const rule of secondPass) {
    const o = evaluateRule(rule, input, profile);
    if (o && rule.pof) byPof.get(rule.pof)?.push(o);
  }
  const populations = pofCodes.map((code) => combine(code, byPof.get(code) ?? []));

  const exclusions = rules.exclusions
    .filter((r) => profile.settings.exclusions.includes(r.id))
    .map((r) => evaluateRule(r, input, profile))
    .filter((o): o is RuleOutcome => !!o && o.met)
    .map((o) => ({ code: o.rule.id, met: true, rules: o.rules, reason: o.reason, evidence: o.evidence }));

  const continuityOutcome = rules.continuity.map((r) => evaluateRule(r, input, profile)).find((o) => o?.met);
  const continuity = continuityOutcome
    ? { code: 'prior-ecm', met: true, rules: continuityOutcome.rules, reason: continuityOutcome.reason, evidence: continuityOutcome.evidence }
    : undefined;

  return {
    date,
    age,
    settingsProfile: { name: profile.name, version: profile.version },
    rulesVersion: rules.version,
    base,
    eligible: base.met && populations.some((p) => p.met) && exclusions.length === 0,
    populations,
    exclusions,
    ...(continuity ? { continuity } : {}),
  };
}
