import type { CodeSystem, Reference } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { eligibilityRules } from '../rules/eligibility-rules.ts';
import { valueSetMatcherFor } from '../rules/value-set-match.ts';
import { settingsProfileForPayors, settingsProfileNamed, type SettingsProfile } from '../settings/settings-profile.ts';
import { POF_SYSTEM } from './eligibility-parameters.ts';
import { coverageOn, evaluateEligibility, type EligibilityDecision } from './evaluate-eligibility.ts';
import type { MemberEvidence } from './member-evidence.ts';

export interface MemberDecision {
  decision: EligibilityDecision;
  profile: SettingsProfile;
  /** Coverage.payor references of the coverage that decided the settings profile. */
  payors: string[];
}

/**
 * The decision for one member from its loaded evidence: the settings profile (named, or the one
 * of the plan paying the current or latest coverage), then evaluateEligibility. Shared by the
 * per-member and the population operations so both give identical determinations. Returns
 * undefined when the named profile has no version in force on `date`.
 */
export function decideMember(evidence: MemberEvidence, date: string, conformance: Conformance, profileName?: string): MemberDecision | undefined {
  const { current, latest } = coverageOn(evidence.coverages, date);
  const payors = ((current ?? latest)?.payor ?? []).map((p: Reference) => p.reference).filter((r): r is string => !!r);
  const profile = profileName ? settingsProfileNamed(profileName, date) : settingsProfileForPayors(payors, date);
  if (!profile) return undefined;
  const pofCodes = (conformance.get<CodeSystem>('CodeSystem', POF_SYSTEM)?.concept ?? []).map((c) => c.code);
  const decision = evaluateEligibility({ evidence, date, profile, rules: eligibilityRules(), valueSets: valueSetMatcherFor(conformance), pofCodes });
  return { decision, profile, payors };
}
