import type { AssignStep, PlanSettings } from '../settings/settings-profile.ts';
import type { AssignmentFacts } from './assignment-facts.ts';
import type { NetworkService, ProviderNetwork } from './provider-network.ts';
import { placesLeft, qualify, type QualificationInput, type Rejection } from './provider-qualification.ts';
import { ruleError } from '../rule-error.ts';

/** One provider considered at one step (ASSIGN-RECORD). */
export interface Candidate {
  /** Organization/x */
  provider: string;
  /** HealthcareService/x; absent when the organization has no ECM service. */
  service?: string;
  step: AssignStep | 'override';
  outcome: 'selected' | 'rejected' | 'not-reached';
  reason?: Rejection;
}

export interface Selection {
  service: NetworkService;
  step: AssignStep | 'override';
  /** The POF the member is assigned under (its capacity is used). */
  pof: string;
}

export interface AssignmentDecision {
  selected?: Selection;
  candidates: Candidate[];
  /** The step an override replaced (ASSIGN-OVERRIDE). */
  overridden?: AssignStep;
  rules: string[];
}

export interface DecisionInput {
  facts: AssignmentFacts;
  network: ProviderNetwork;
  settings: PlanSettings;
  date: string;
  /** ASSIGN-ORDER `preference` given as a parameter (Organization/x or HealthcareService/x). */
  preference?: string;
  /** ASSIGN-CHANGE: the provider the member is leaving. */
  currentProvider?: string;
  /** ASSIGN-OVERRIDE: the plan's choice. */
  override?: string;
}

/** Steps whose result the plan may replace by an override (ASSIGN-OVERRIDE: the PCP, BH or CCS default, and the plan's own best fit). */
const OVERRIDABLE: AssignStep[] = ['ccs-wcm', 'bh', 'pcp', 'best-fit'];
/** Default steps that must offer the member's language (culturally appropriate care, ASSIGN-PROVIDER-QUAL). */
const LANGUAGE_STEPS: AssignStep[] = ['ccs-wcm', 'bh', 'pcp'];

/** The ECM services a reference stands for: a service itself, or every ECM service of an organization. */
function servicesFor(network: ProviderNetwork, reference: string): NetworkService[] {
  if (reference.startsWith('HealthcareService/')) {
    const s = network.byService(reference);
    return s ? [s] : [];
  }
  return network.byProvider(reference);
}

/** The references each step proposes, in the order the step tries them (ASSIGN-ORDER 1–7). */
function stepReferences(step: AssignStep, input: DecisionInput): string[] {
  const { facts, network, settings } = input;
  const flagged = (flag: string) => network.services.filter((s) => s.characteristics.includes(flag)).map((s) => `HealthcareService/${s.service.id}`);
  switch (step) {
    case 'preference': {
      const stated = input.preference ?? facts.recordedPreference;
      return stated ? [stated] : [];
    }
    case 'ji-prerelease':
      return facts.jiPrereleaseProviders;
    case 'existing-ecm':
      return facts.existingProviders;
    case 'ccs-wcm':
      return facts.wcm ? [...facts.ccsCaseManagerProviders, ...flagged('ccs-wcm')] : [];
    case 'bh':
      return facts.bhServed && facts.bhConditions.some((c) => settings.bhAssignConditions.includes(c)) ? [...facts.bhProviders, ...flagged('behavioral-health')] : [];
    case 'pcp':
      return facts.pcpProviders;
    case 'best-fit':
      return network.services.filter((s) => s.service.active).map((s) => `HealthcareService/${s.service.id}`);
  }
}

interface Evaluated {
  provider: string;
  service?: NetworkService;
  result: ReturnType<typeof qualify> | { qualified: false; reason: 'not-ecm-provider' };
}

function evaluate(step: AssignStep, refs: string[], input: DecisionInput): Evaluated[] {
  const base: Omit<QualificationInput, 'checkLanguage'> = {
    pofs: input.facts.pofs,
    date: input.date,
    ...(input.facts.language ? { language: input.facts.language } : {}),
    ...(input.currentProvider ? { currentProvider: input.currentProvider } : {}),
  };
  const seen = new Set<string>();
  const out: Evaluated[] = [];
  for (const ref of refs) {
    const services = servicesFor(input.network, ref);
    if (services.length === 0) {
      if (!seen.has(ref)) out.push({ provider: ref, result: { qualified: false, reason: 'not-ecm-provider' } });
      seen.add(ref);
      continue;
    }
    for (const s of services) {
      const key = `HealthcareService/${s.service.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ provider: s.provider, service: s, result: qualify(s, { ...base, checkLanguage: LANGUAGE_STEPS.includes(step) }) });
    }
  }
  return out;
}

/** Best fit (ASSIGN-ORDER 7): most of the member's POFs contracted, language offered, most places left, then id. */
function bestFitOrder(input: DecisionInput): (a: NetworkService, b: NetworkService) => number {
  const pofsContracted = (s: NetworkService) => input.facts.pofs.filter((p) => s.pofs.includes(p)).length;
  const speaks = (s: NetworkService) => (input.facts.language && s.languages.includes(input.facts.language) ? 1 : 0);
  return (a, b) =>
    pofsContracted(b) - pofsContracted(a) ||
    speaks(b) - speaks(a) ||
    Math.sign(placesLeft(b) - placesLeft(a)) ||
    (a.service.id < b.service.id ? -1 : a.service.id > b.service.id ? 1 : 0);
}

function candidate(e: Evaluated, step: AssignStep | 'override', outcome: Candidate['outcome'], reason?: Rejection): Candidate {
  return { provider: e.provider, ...(e.service ? { service: `HealthcareService/${e.service.service.id}` } : {}), step, outcome, ...(reason ? { reason } : {}) };
}

/**
 * ASSIGN-ORDER over the network: the steps of the plan's `assignOrder` in turn, each skipping
 * providers that fail ASSIGN-PROVIDER-QUAL; the first step with a qualified provider wins. Every
 * provider considered is recorded with its outcome and coded reason (ASSIGN-RECORD); providers of
 * later steps are `not-reached` (best fit, the whole network, is listed only when it runs). An
 * override (ASSIGN-OVERRIDE) then replaces a CCS, BH, PCP or best-fit result, or supplies one.
 */
export function decideAssignment(input: DecisionInput): AssignmentDecision {
  const candidates: Candidate[] = [];
  let selected: Selection | undefined;
  for (const step of input.settings.assignOrder) {
    const evaluated = evaluate(step, stepReferences(step, input), input);
    if (selected) {
      if (step !== 'best-fit') for (const e of evaluated) candidates.push(candidate(e, step, 'not-reached'));
      continue;
    }
    let winner: Evaluated | undefined;
    if (step === 'best-fit') {
      const order = bestFitOrder(input);
      winner = evaluated.filter((e) => e.result.qualified && e.service).sort((a, b) => order(a.service!, b.service!))[0];
      for (const e of evaluated) {
        if (e === winner) candidates.push(candidate(e, step, 'selected'));
        else candidates.push(candidate(e, step, 'rejected', e.result.qualified ? 'ranked-lower' : e.result.reason));
      }
    } else {
      for (const e of evaluated) {
        if (winner) candidates.push(candidate(e, step, 'not-reached'));
        else if (e.result.qualified) {
          winner = e;
          candidates.push(candidate(e, step, 'selected'));
        } else candidates.push(candidate(e, step, 'rejected', e.result.reason));
      }
    }
    if (winner?.service && winner.result.qualified) selected = { service: winner.service, step, pof: winner.result.pof };
  }
  const rules = ['ASSIGN-ORDER', 'ASSIGN-PROVIDER-QUAL', 'NET-CAPACITY', 'ASSIGN-RECORD'];
  if (!input.override) return { ...(selected ? { selected } : {}), candidates, rules };
  return applyOverride(input, { ...(selected ? { selected } : {}), candidates, rules: [...rules, 'ASSIGN-OVERRIDE'] });
}

function applyOverride(input: DecisionInput, decision: AssignmentDecision): AssignmentDecision {
  const override = input.override!;
  const step = decision.selected?.step;
  if (step && step !== 'override' && !OVERRIDABLE.includes(step)) {
    throw ruleError(422, 'ASSIGN-OVERRIDE', `the plan may replace a CCS, BH, PCP or best-fit result, not the ${step} result (the member's choice, pre-release provider or existing relationship wins)`, ['override']);
  }
  const services = servicesFor(input.network, override);
  if (services.length === 0) throw ruleError(422, 'ASSIGN-PROVIDER-QUAL', `${override} is not an ECM provider (no ECM HealthcareService)`, ['override']);
  const base = { pofs: input.facts.pofs, date: input.date, checkLanguage: false, ...(input.currentProvider ? { currentProvider: input.currentProvider } : {}) };
  const results = services.map((s) => ({ s, q: qualify(s, base) }));
  const ok = results.find((r) => r.q.qualified);
  if (!ok || !ok.q.qualified) {
    const reason = (results[0].q as { reason: Rejection }).reason;
    const status = reason === 'no-capacity' || reason === 'no-pof-capacity' || reason === 'not-accepting' ? 409 : 422;
    throw ruleError(status, 'ASSIGN-PROVIDER-QUAL', `${override} does not qualify: ${reason}`, ['override']);
  }
  const candidates = decision.candidates.map((c) => (c.outcome === 'selected' ? { ...c, outcome: 'rejected' as const, reason: 'overridden' as const } : c));
  candidates.push({ provider: ok.s.provider, service: `HealthcareService/${ok.s.service.id}`, step: 'override', outcome: 'selected' });
  return {
    selected: { service: ok.s, step: 'override', pof: ok.q.pof },
    candidates,
    ...(step && step !== 'override' ? { overridden: step } : {}),
    rules: decision.rules,
  };
}
