import type { Task } from '@medplum/fhirtypes';
import type { EligibilityDecision } from '../eligibility/evaluate-eligibility.ts';
import { planStaffTask } from '../plan-staff-task.ts';
import type { SettingsProfile } from '../settings/plan-settings.ts';

const RULE = 'ELIG-NOT-MET-OFFER';

/** What a referral's eligibility run found, and for whom (referral-eligibility-rule.ts). */
export interface ScreenedReferral {
  patientId: string;
  referralId: string;
  date: string;
  decision: EligibilityDecision;
  profile: SettingsProfile;
  /** The plan paying for the member's coverage: requester and owner of the Task. */
  plan?: string;
  /** The DocumentReference holding the eligibility result. */
  determination: string;
}

/**
 * ELIG-NOT-MET-OFFER (Partnership, setting `notMetOffer`): a referred member who meets no
 * Population of Focus is offered other case management or care coordination (e.g. the plan's
 * complex case management). The offer is a Task for plan staff, owner the plan, focus the
 * referral, the determination as input; staff record the member's answer as its output
 * (`offer-answer`) when they complete it. One per referral (the id is derived from it), and none
 * when the member meets a POF (an exclusion has its own path, e.g. EXCL-PLAN-CM) or the plan does
 * not ask for it. The referral still goes to case-by-case review (ELIG-CASE-BY-CASE).
 */
export function notMetOfferTask(s: ScreenedReferral): (Task & { id: string }) | undefined {
  if (!s.profile.settings.notMetOffer || s.decision.populations.some((p) => p.met)) return undefined;
  return planStaffTask({
    idPrefix: 'ecm-not-met-offer',
    key: `${s.patientId}|${s.referralId}`,
    rule: RULE,
    description:
      `The referred member meets no Population of Focus on ${s.date} (${RULE}, settings profile ${s.profile.name} ${s.profile.version}). ` +
      'Offer other case management or care coordination (e.g. complex case management) and record the member’s answer as the output offer-answer.',
    patientId: s.patientId,
    focus: `ServiceRequest/${s.referralId}`,
    ...(s.plan ? { plan: s.plan } : {}),
    input: [{ type: 'eligibility-determination', reference: s.determination }],
  });
}
