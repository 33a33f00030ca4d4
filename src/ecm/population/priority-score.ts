import type { Encounter } from '@medplum/fhirtypes';
import { datePart, daysBetween, monthsBefore } from '../eligibility/dates.ts';
import type { EligibilityDecision } from '../eligibility/evaluate-eligibility.ts';
import type { MemberEvidence } from '../eligibility/member-evidence.ts';
import type { PriorityWeights } from '../settings/settings-profile.ts';

export type RiskTier = 'high' | 'medium' | 'low';

export interface Priority {
  score: number;
  tier: RiskTier;
  /** The counts the score was computed from (shown in the NDJSON list). */
  pofsMet: number;
  edVisits: number;
  inpatientStays: number;
  /** Days from the latest ED visit or stay in the window to E; undefined when there is none. */
  daysSinceLastAcute?: number;
}

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ED = new Set(['EMER']);
const INPATIENT = new Set(['IMP', 'ACUTE', 'NONAC']);
const NOT_HAPPENED = new Set(['planned', 'cancelled', 'entered-in-error']);

function classCode(e: Encounter): string | undefined {
  return e.class?.system === ACT_CODE ? e.class.code : undefined;
}

/**
 * ID-STRAT priority score of an eligible member (identification.md "Priority score"): points per
 * POF met, per ED visit and inpatient stay in the utilization window (capped), for a recent ED
 * visit or stay, for homelessness and for a recent release from incarceration (those two POFs
 * met); the tier follows from cut-offs. Every weight is in the settings profile. Pure: the same
 * decision and evidence always give the same score.
 */
export function priorityOf(decision: EligibilityDecision, evidence: MemberEvidence, w: PriorityWeights): Priority {
  const E = decision.date;
  const met = new Set(decision.populations.filter((p) => p.met).map((p) => p.code));
  const from = monthsBefore(E, w.utilizationMonths);
  let edVisits = 0;
  let inpatientStays = 0;
  let latest: string | undefined;
  for (const e of evidence.encounters) {
    const start = datePart(e.period?.start);
    const code = classCode(e);
    if (!start || start < from || start > E || NOT_HAPPENED.has(e.status) || !code) continue;
    if (ED.has(code)) edVisits++;
    else if (INPATIENT.has(code)) inpatientStays++;
    else continue;
    if (!latest || start > latest) latest = start;
  }
  const daysSinceLastAcute = latest ? daysBetween(latest, E) : undefined;
  const score =
    w.perPof * met.size +
    w.edVisit * Math.min(edVisits, w.edVisitsMax) +
    w.inpatientStay * Math.min(inpatientStays, w.inpatientStaysMax) +
    (daysSinceLastAcute !== undefined && daysSinceLastAcute <= w.recentAcuteDays ? w.recentAcute : 0) +
    (met.has('homelessness') ? w.homelessness : 0) +
    (met.has('incarceration-transition') ? w.recentRelease : 0);
  const tier: RiskTier = score >= w.tierHighFrom ? 'high' : score >= w.tierMediumFrom ? 'medium' : 'low';
  return { score, tier, pofsMet: met.size, edVisits, inpatientStays, ...(daysSinceLastAcute !== undefined ? { daysSinceLastAcute } : {}) };
}

/** Most urgent first: score descending, then member id ascending (code-unit order, not locale). */
export function byPriority(a: { score: number; memberId: string }, b: { score: number; memberId: string }): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}
