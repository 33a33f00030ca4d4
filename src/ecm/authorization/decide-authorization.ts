import type { ServiceRequest } from '@medplum/fhirtypes';
import { authorizationPeriod } from '../calendar/deadlines.ts';
import { localDateOf, plusDays } from '../calendar/local-dates.ts';
import type { EligibilityDecision } from '../eligibility/evaluate-eligibility.ts';
import type { SettingsProfile } from '../settings/settings-profile.ts';
import { isUndecided } from './authorization-resource.ts';
import { ruleError } from '../rule-error.ts';
import type { DecideInput } from './decide-input.ts';

/**
 * The authorization decision of `$ecm-decide`, pure: the request, the reviewer's input, the
 * member's eligibility on the decision date and the plan's settings in, the new status, the
 * authorized period and the rule IDs out; a refusal is thrown as an OperationOutcome naming the
 * rule. Nothing here reads the database or the clock.
 */

export interface DecisionFacts {
  authorization: ServiceRequest & { id: string };
  input: DecideInput;
  profile: SettingsProfile;
  /** $ecm-eligibility's evaluation of the member on the decision date under `profile`. */
  eligibility: EligibilityDecision;
  /** The approved authorization this request renews (`replaces` / `basedOn`), AUTH-REAUTH. */
  renews?: ServiceRequest & { id: string };
  /** The member's release date when they are in the JI Population of Focus (AUTH-JI-RETRO, JI-START). */
  releaseDate?: string;
  /** ROLES codes (ecm-role) of the reviewer; looked up when the member fails the criteria. */
  reviewerRoles?: string[];
}

export interface AuthorizationDecision {
  status: 'active' | 'revoked' | 'on-hold';
  /** The authorized period (approve only): N months from S cover S through the day before S + N months. */
  period?: { start: string; end: string };
  rules: string[];
  criteria: CriteriaOutcome;
}

export interface CriteriaOutcome {
  /** AUTH-REVIEW: the request fails the criteria (no POF met and no continuity, or an exclusion applies). */
  fails: boolean;
  /** A sentence saying why the member meets or fails the criteria on the decision date. */
  reason: string;
  /** The eligibility rule IDs the approval rests on (POF rules met, or continuity). */
  basis: string[];
}

const uniq = (xs: string[]) => [...new Set(xs)];

/** Whether the member meets the ECM criteria on the decision date (ELIG-RESULT, CONT-HIST-P). */
export function criteriaOutcome(eligibility: EligibilityDecision, profile: SettingsProfile): CriteriaOutcome {
  const met = eligibility.populations.filter((p) => p.met);
  const continuity = eligibility.continuity?.met === true && profile.settings.cocAutoAuthorize;
  const excluded = eligibility.exclusions.filter((e) => e.met);
  const on = `on ${eligibility.date}`;
  if (excluded.length > 0) {
    return { fails: true, reason: `The member is excluded ${on} (${excluded.map((e) => e.code).join(', ')})`, basis: [] };
  }
  if (met.length === 0 && !continuity) return { fails: true, reason: `The member meets no Population of Focus ${on}`, basis: [] };
  const basis = uniq([...met.flatMap((p) => p.rules), ...(continuity ? (eligibility.continuity?.rules ?? []) : [])]);
  const what = [...met.map((p) => p.code), ...(continuity ? ['continuity of care (prior ECM)'] : [])].join(', ');
  return { fails: false, reason: `The member meets ${what} ${on}`, basis };
}

/** AUTH-FLOW: only a request in draft or on-hold can be decided (409 otherwise). */
export function assertUndecided(authorization: ServiceRequest & { id: string }): void {
  if (!isUndecided(authorization)) {
    throw ruleError(409, 'AUTH-FLOW', `ServiceRequest/${authorization.id} was already decided (status ${authorization.status}); only a draft or on-hold request can be decided`);
  }
}

export function decideAuthorization(f: DecisionFacts): AuthorizationDecision {
  const { authorization, input, profile, eligibility } = f;
  const settings = profile.settings;
  assertUndecided(authorization);
  const criteria = criteriaOutcome(eligibility, profile);
  const reviewRules = criteria.fails ? ['AUTH-REVIEW', 'ELIG-CASE-BY-CASE'] : [];
  const reviewerRole = settings.caseByCaseReviewerRole;
  const isCaseByCaseReviewer = (f.reviewerRoles ?? []).includes(reviewerRole);

  if (input.decision === 'pend-review') {
    return { status: 'on-hold', rules: uniq(['AUTH-FLOW', 'AUTH-REVIEW', ...reviewRules]), criteria };
  }

  if (input.decision === 'deny') {
    if (!input.reason) throw ruleError(422, 'DECISION-RECORD', `A denial needs a reason: it is stored and sent to the member in the Notice of Action (AUTH-DENIAL-AG)`, ['reason']);
    if (criteria.fails) {
      if (authorization.status !== 'on-hold') {
        throw ruleError(409, 'AUTH-REVIEW', `${criteria.reason}: a request failing the criteria is never denied without case-by-case review; pend it for review first (decision pend-review), then the ${reviewerRole} decides`);
      }
      if (!isCaseByCaseReviewer) {
        throw ruleError(422, 'ELIG-CASE-BY-CASE', `${criteria.reason}: only a reviewer with the role ${reviewerRole} (caseByCaseReviewerRole of settings profile ${profile.name}) may deny it on case-by-case review; ${input.reviewer.reference} has no such role`, ['reviewer']);
      }
    }
    return { status: 'revoked', rules: uniq(['AUTH-FLOW', ...reviewRules, 'AUTH-NOTICE', 'AUTH-DENIAL-AG']), criteria };
  }

  if (!eligibility.base.met) throw ruleError(422, 'ELIG-BASE', `${eligibility.base.reason}: only a member with active Medi-Cal coverage with the plan can be authorized`);
  if (criteria.fails) {
    if (!settings.caseByCaseAllowed) {
      throw ruleError(422, 'ELIG-CASE-BY-CASE', `${criteria.reason}, and settings profile ${profile.name} does not allow approval outside every Population of Focus (caseByCaseAllowed = false)`);
    }
    if (!isCaseByCaseReviewer) {
      throw ruleError(422, 'ELIG-CASE-BY-CASE', `${criteria.reason}: only a reviewer with the role ${reviewerRole} (caseByCaseReviewerRole of settings profile ${profile.name}) may approve it on case-by-case review (AUTH-REVIEW); ${input.reviewer.reference} has no such role`, ['reviewer']);
    }
    if (!input.reason) throw ruleError(422, 'ELIG-CASE-BY-CASE', 'A case-by-case approval needs the reviewer\'s reason (decision, reviewer and reason are stored)', ['reason']);
  }
  const { period, rules } = authorizedPeriod(f, criteria);
  return { status: 'active', period, rules: uniq(['AUTH-FLOW', ...rules, ...reviewRules, ...criteria.basis, 'AUTH-NOTICE']), criteria };
}

/**
 * AUTH-PERIOD / AUTH-REAUTH / CONT-HIST-P / AUTH-JI-RETRO: `initialAuthMonths` from the decision
 * date; a renewal `reauthMonths` from the day after the renewed period ends (or the decision date
 * if later); a JI member from the release date, even before the decision date; a continuity of
 * care approval at most `cocAuthMonths`.
 */
function authorizedPeriod(f: DecisionFacts, criteria: CriteriaOutcome): { period: { start: string; end: string }; rules: string[] } {
  const settings = f.profile.settings;
  const decisionDate = localDateOf(f.input.decidedAt);
  const rules: string[] = [];
  let start = decisionDate;
  let months: number;
  const renewedEnd = f.renews?.occurrencePeriod?.end;
  if (f.renews) {
    months = settings.reauthMonths;
    rules.push('AUTH-REAUTH');
    if (renewedEnd) {
      const next = plusDays(renewedEnd.slice(0, 10), 1);
      if (next > start) start = next;
    }
  } else {
    months = settings.initialAuthMonths;
    rules.push('AUTH-PERIOD');
    if (f.releaseDate) {
      start = f.releaseDate;
      rules.push('AUTH-JI-RETRO', 'JI-START');
    }
  }
  const continuity = f.eligibility.continuity?.met === true && settings.cocAutoAuthorize && !criteria.fails;
  if (continuity) {
    months = Math.min(months, settings.cocAuthMonths);
    rules.push('CONT-HIST-P');
  }
  return { period: authorizationPeriod(start, months), rules };
}
