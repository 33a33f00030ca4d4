import type { Coding } from '@medplum/fhirtypes';

/**
 * The shape of the rule data in eligibility-rules.json. A rule is data: its ID (ECM-RULES.md),
 * the POF it decides (or an EXCL-* / CONT-HIST-* ID), effective dates (RULE-EFFECTIVE), when it
 * applies, and criteria over evidence. Code sets are ValueSets in profiles/ (or single codes of
 * our own CodeSystems); numbers that differ by plan are `{ "setting": "<path>" }` into the
 * settings profile (ECM-RULES.md 0.5).
 */
export type NumberOrSetting = number | { setting: string };

interface CriterionBase {
  /** Shown in the reason sentence. */
  label?: string;
  /** A second rule ID this criterion stands for (e.g. ELIG-A-HOMELESS-NEED), cited when it decides. */
  cite?: string;
  /** false: evidence only (never fails the rule); `{setting}`: required when that setting is true. Default true. */
  required?: boolean | { setting: string };
  /** Its evidence is what another rule cites when it needs "eligible under another POF". */
  qualifying?: boolean;
}

export type Criterion = CriterionBase &
  (
    | { kind: 'allOf' | 'anyOf'; of: Criterion[] }
    | { kind: 'not'; of: Criterion }
    /** Completed years on E (DATE-UNITS). */
    | { kind: 'age'; min?: NumberOrSetting; maxExclusive?: NumberOrSetting }
    /** Encounters of a class (or a type), all markers present, optionally for a reason, counted in a trailing window. */
    | {
        kind: 'encounters';
        /** Encounter.class codes (v3-ActCode), e.g. EMER for ED visits; absent = any class. */
        classes?: Coding[];
        /** A value set one of Encounter.type / serviceType must be in (e.g. crisis services). */
        typeIn?: string;
        markers?: Coding[];
        reasonIn?: string;
        windowMonths: NumberOrSetting;
        threshold: NumberOrSetting;
        /** Cited when the threshold is missed and unmarked encounters in the window did not count (ELIG-AVOIDABLE). */
        unmarkedCite?: string;
      }
    /** Active Conditions (on E) with a code in `valueSet`; `alsoWhen` adds a value set under a setting. */
    | { kind: 'condition'; valueSet: string; alsoWhen?: { setting: string; valueSet: string }; onsetWithinMonths?: NumberOrSetting }
    /**
     * ELIG-PREG-ID: a code of `valueSets` recorded, in the trailing `withinMonths`, on a record
     * other than a Condition: an Encounter's reasonCode (a visit or claim for it), a
     * ServiceRequest's code or reasonCode, a final Observation's valueCodeableConcept (a
     * pregnancy-status result).
     */
    | { kind: 'codedRecord'; valueSets: string[]; withinMonths: NumberOrSetting }
    /** A final Observation with this code on or before E: true, or an integer at least `min`; components all true. */
    | { kind: 'observation'; code: Coding; min?: NumberOrSetting; components?: Coding[] }
    /**
     * An expected event: a final Observation (code in `valueSet`, recorded on or before E) whose
     * valueDateTime, the date the event is expected, lies from E through E + `withinDays` calendar
     * days (HHS homelessness criterion (e), housing lost within homelessImminentLossDays).
     */
    | { kind: 'expectedEvent'; valueSet: string; withinDays: NumberOrSetting }
    /**
     * Acute care as the only source of care: in the trailing window at least `min` Encounters of
     * `classes` or with a type in `typeIn`, and no other Encounter (ELIG-A-SMHSUD crisis, ED,
     * urgent care or inpatient as the sole source of care).
     */
    | { kind: 'onlyAcuteCare'; classes: Coding[]; typeIn: string; windowMonths: NumberOrSetting; min: NumberOrSetting }
    /** A program enrollment (EpisodeOfCare.type) active on E, ended within the trailing months, or ever. */
    | { kind: 'program'; valueSet?: string; codes?: Coding[]; when: 'active' | 'active-or-ended-within' | 'ended-within' | 'any'; months?: number }
    /** A settings-profile value is one of `in`. */
    | { kind: 'setting'; setting: string; in: (string | number | boolean)[] }
    /** E is on or after the date in a setting (null = always). */
    | { kind: 'settingDateReached'; setting: string }
    /** E lies within the {start, end} period in a setting. */
    | { kind: 'settingPeriodContains'; setting: string }
    /** Met under another POF (the qualifying evidence of its rules). */
    | { kind: 'otherPof'; excluding: string[] }
    /** EXCL-UNRESPONSIVE: failed outreach attempts over a span of days (thresholds as `unable-to-engage`). */
    | {
        kind: 'unresponsiveOutreach';
        outreachCategory: Coding;
        authorizationCategory: Coding;
        minAttempts: NumberOrSetting;
        minDays: NumberOrSetting;
        notBeforeAuthEnd: { setting: string };
      }
    /** CONT-HIST-*: prior ECM within the look-back before the current coverage start. */
    | { kind: 'priorEcm'; program: Coding; serviceCodes: string; lookback: { setting: string } }
  );

export interface EligibilityRule {
  id: string;
  /** POF code (ecm-population-of-focus) for POF rules. */
  pof?: string;
  /** Version label when a rule ID has versions in force at different dates (RULE-EFFECTIVE). */
  version?: string;
  effectiveFrom?: string;
  effectiveTo?: string;
  source: string;
  /** When false on the member, the rule does not apply (age group, family status). */
  appliesWhen?: Criterion;
  /** When false under the settings profile, the rule is off: reported as not met, naming the setting. */
  enabledWhen?: { setting: string; notIn: (string | number | boolean)[] };
  /** Every required criterion must hold (allOf). */
  criteria: Criterion[];
  /** Extra rule IDs cited whenever this rule is reported (CONT-HIST-K and CONT-HIST-P together). */
  alsoCites?: string[];
}

export interface RuleSet {
  version: string;
  populations: EligibilityRule[];
  exclusions: EligibilityRule[];
  continuity: EligibilityRule[];
}
