/**
 * The settings of a plan settings profile (ECM-RULES.md 0.5) and the codes they use. Each key cites
 * the rule that reads it; values live in ./profiles/*.json (settings-profile.ts resolves them).
 */

/** ASSIGN-ORDER step codes. */
export const ASSIGN_STEPS = ['preference', 'ji-prerelease', 'existing-ecm', 'ccs-wcm', 'bh', 'pcp', 'best-fit'] as const;
export type AssignStep = (typeof ASSIGN_STEPS)[number];
/** List and batch cadences (ASSIGN-LISTS); `each` = every item as it happens. */
export const CADENCES = ['each', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];
/** AUTH-NOTICE recipients; `member` = the member or, when one acts for them, their authorized representative. */
export const NOTICE_RECIPIENTS = ['member', 'ecm-provider', 'pcp', 'referrer'] as const;
export type NoticeRecipient = (typeof NOTICE_RECIPIENTS)[number];
export const NOTICE_CHANNELS = ['mail', 'phone', 'member-portal', 'fhir-api', 'sftp', 'secure-email', 'health-connect', 'pcc'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];
/** Serious mental illness, specialty mental health, serious emotional disturbance, substance use disorder. */
export const BH_CONDITIONS = ['SMI', 'SMH', 'SED', 'SUD'] as const;
export type BhCondition = (typeof BH_CONDITIONS)[number];
export const DAY_UNITS = ['calendar', 'business'] as const;
export type DayUnit = (typeof DAY_UNITS)[number];
export const AUTH_CLOCK_STARTS = ['referral-receipt'] as const;
export type AuthClockStart = (typeof AUTH_CLOCK_STARTS)[number];

export interface PlanSettings {
  utilAdult: { edVisits: number; stays: number; months: number };
  utilChild: { edVisits: number; stays: number; months: number };
  homelessAtRisk: boolean;
  homelessImminentLossDays: number;
  familyRequiresComplexNeed: boolean;
  birthEquityLogic: 'other-pof-or-disparity' | 'disparity-only';
  /** null = the disparity branch is undated (always in force). */
  birthEquityDisparityFrom: string | null;
  iddAges: 'off' | 'under-21' | 'all';
  fosterAgedOutMaxAgeExclusive: number;
  ccsRecentContactMonths: number;
  exclusions: string[];
  tcmExceptionPeriod: { start: string; end: string };
  cocLookback: { value: number; unit: 'days' | 'months' };
  cocLookbackAnchor: 'coverage-start';
  unresponsiveMinAttempts: number;
  unresponsiveMinDays: number;
  unresponsiveNotBeforeAuthEnd: boolean;
  /** ID-STRAT priority score weights and tier cut-offs (identification.md "Priority score"). */
  priority: PriorityWeights;
  /** DATE-UNITS: the holiday calendar business days skip (a name in src/ecm/calendar/holiday-calendars.ts). */
  holidayCalendar: string;
  /** DATE-UNITS: what an unqualified "day" in a policy means. */
  unqualifiedDayUnit: DayUnit;
  /** ELIG-CASE-BY-CASE: a member meeting no POF may still be approved on review. */
  caseByCaseAllowed: boolean;
  /** ELIG-NOT-MET-OFFER: a referred member meeting no POF is offered other case management (a Task for plan staff). */
  notMetOffer: boolean;
  /** AUTH-REVIEW, ELIG-CASE-BY-CASE: the ROLES code of the reviewer of requests failing the criteria. */
  caseByCaseReviewerRole: string;
  /** CONT-HIST-K: calendar days from the plan's continuity notification to assignment and outreach start. */
  cocStartDays: number;
  /** CONT-HIST-P: members with ECM in the look-back are authorized without review. */
  cocAutoAuthorize: boolean;
  /** CONT-HIST-P: longest continuity authorization, in calendar months. */
  cocAuthMonths: number;
  /** AUTH-EXPEDITE-COC: a request for a member with prior ECM (continuity of care met) is decided on the expedited clock. */
  cocExpedite: boolean;
  /** AUTH-FLOW: the authorization decision comes before assignment (assigning an unauthorized member is refused). */
  authBeforeAssignment: boolean;
  /** AUTH-TAT: routine decision due this many business days after the clock start. */
  authTatRoutineWorkingDays: number;
  /** AUTH-TAT: expedited decision due this many clock hours after the clock start. */
  authTatExpeditedHours: number;
  /** AUTH-TAT: the event that is day 0 of the decision clock. */
  authClockStart: AuthClockStart;
  /** AUTH-PERIOD: calendar months of the first authorization. */
  initialAuthMonths: number;
  /** AUTH-REAUTH: calendar months of each reauthorization. */
  reauthMonths: number;
  /** AUTH-NOTICE: who is told of an approval. */
  approvalNoticeRecipients: NoticeRecipient[];
  /** AUTH-NOTICE: channels of notices to members and to providers. */
  noticeChannels: { member: NoticeChannel[]; provider: NoticeChannel[] };
  /** ASSIGN-TAT: business days from authorization to the assignment made and communicated to the provider. */
  assignTatBusinessDays: number;
  /** ASSIGN-PCP-NOTICE: business days from authorization to the written notice to the PCP. */
  pcpNoticeBusinessDays: number;
  /** ASSIGN-ORDER: the steps in the order they run; the first yielding a candidate wins. */
  assignOrder: AssignStep[];
  /** ASSIGN-ORDER step `bh`: the conditions for which a behavioral-health provider is the default. */
  bhAssignConditions: BhCondition[];
  /** ASSIGN-CHANGE: the member may ask for another Lead Care Manager, not only another provider. */
  memberMayChangeLcm: boolean;
  /** ASSIGN-CHANGE: calendar days from a change request to the new assignment. */
  changeTatDays: number;
  /** CLR-STATUS: calendar days for a provider to answer a referral; null = no due date. */
  referralResponseDays: number | null;
  /** CLR-LIST-REMOVAL: late responses (escalation notices to the provider) before its list may move. */
  clrListRemovalMinFailures: number;
  /** ASSIGN-LISTS: cadence of the eligible / prioritized list. */
  eligibleListFreq: Cadence;
  /** ASSIGN-LISTS: cadence of the full assigned-member list per provider. */
  assignedListFreq: Cadence;
  /** ASSIGN-PROVIDER-FEED: cadence of new-assignment batches to providers. */
  newAssignmentFreq: Cadence;
}

export interface PriorityWeights {
  /** Points per Population of Focus met. */
  perPof: number;
  /** Points per ED visit (Encounter.class EMER) in the utilization window, counted up to edVisitsMax. */
  edVisit: number;
  edVisitsMax: number;
  /** Points per inpatient stay (class IMP, ACUTE, NONAC) in the window, counted up to inpatientStaysMax. */
  inpatientStay: number;
  inpatientStaysMax: number;
  /** The utilization window: calendar months before E (DATE-UNITS). */
  utilizationMonths: number;
  /** Points when the latest ED visit or stay started at most recentAcuteDays before E. */
  recentAcuteDays: number;
  recentAcute: number;
  /** Points when the homelessness POF is met. */
  homelessness: number;
  /** Points when the incarceration-transition POF is met (release within its look-back). */
  recentRelease: number;
  /** Tier high from this score, medium from tierMediumFrom, else low. */
  tierHighFrom: number;
  tierMediumFrom: number;
}

/** Settings as a profile file gives them: any subset, nested objects partially (merged over the default). */
export type PlanSettingsPatch = { [K in keyof PlanSettings]?: PlanSettings[K] extends unknown[] | null ? PlanSettings[K] : PlanSettings[K] extends object ? Partial<PlanSettings[K]> : PlanSettings[K] };

export interface SettingsProfileFile {
  name: string;
  version: string;
  effectiveFrom: string;
  effectiveTo?: string;
  description?: string;
  /** Coverage.payor references (plan Organizations) this profile applies to. */
  payors: string[];
  settings: PlanSettingsPatch;
}

/** A profile resolved for one evaluation date: its identity and the full settings. */
export interface SettingsProfile {
  name: string;
  version: string;
  settings: PlanSettings;
}

