import type {
  CodeableConcept,
  Communication,
  Condition,
  Coverage,
  Encounter,
  EpisodeOfCare,
  Observation,
  ObservationComponent,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { ACT_CODE, BCP47, CIN_SYSTEM, EVALUATION_DATE, HCPCS, ICD10, ageOn, coding, concept, meta, ref } from './vocabulary.ts';
import { PLAN } from './network.ts';

/** One POF, exclusion or continuity determination the data is written to produce on EVALUATION_DATE. */
export interface Determination {
  /** POF code (ecm-population-of-focus) or, for exclusions, the EXCL-* rule ID. */
  code: string;
  rules: string[];
  evidence: string[];
  reason: string;
}

/** A plan settings profile (ECM-RULES 0.5) under which a determination differs from the default. */
export interface SettingsDifference {
  profile: 'kern' | 'partnership';
  setting: string;
  code: string;
  met: boolean;
  rules: string[];
  reason: string;
}

export interface MemberExpectation {
  patient: string;
  cin: string;
  birthDate: string;
  age: number;
  ageGroup: 'adult' | 'child';
  scenario: string;
  base: { met: boolean; rule: 'ELIG-BASE'; evidence: string[] };
  eligible: boolean;
  populations: Determination[];
  notMet: Determination[];
  exclusions: Determination[];
  continuity?: Determination;
  settingsDifferences?: SettingsDifference[];
}

export interface MemberSpec {
  given: string;
  family?: string;
  gender: Patient['gender'];
  birthDate: string;
  language: string;
  city?: string;
  noFixedAddress?: boolean;
  gp?: string;
  coverage?: { start: string; end?: string };
  scenario: string;
}

const HOSPITAL = 'Organization/referrer-kern-medical';
const SNF = 'Organization/nf-oak-meadows';

/** Builds one member's Patient, Coverage and evidence, and records what the evidence is meant to meet. */
export class MemberBuilder {
  readonly id: string;
  readonly resources: Resource[] = [];
  private readonly counters = new Map<string, number>();
  private readonly expectation: MemberExpectation;

  constructor(readonly n: number, spec: MemberSpec) {
    this.id = `demo-member-${n}`;
    const cin = `910000${String(n).padStart(2, '0')}${'ABCDEFGHJK'[(n - 1) % 10]}`;
    const patient: Patient = {
      resourceType: 'Patient',
      id: this.id,
      meta: meta('ecm-member'),
      active: true,
      identifier: [{ system: CIN_SYSTEM, value: cin }],
      name: [{ family: spec.family ?? 'Member', given: [spec.given] }],
      gender: spec.gender,
      birthDate: spec.birthDate,
      address: [
        spec.noFixedAddress
          ? { use: 'temp', text: 'No fixed address', city: spec.city ?? 'Bakersfield', state: 'CA' }
          : { line: [`${100 + n * 7} Demo St`], city: spec.city ?? 'Bakersfield', state: 'CA', postalCode: spec.city === 'Delano' ? '93215' : '93301' },
      ],
      communication: [{ language: { coding: [{ system: BCP47, code: spec.language }] }, preferred: true }],
      generalPractitioner: [ref(spec.gp ?? `Practitioner/demo-practitioner-${((n - 1) % 3) + 1}`)],
    };
    const coverageStart = spec.coverage?.start ?? '2025-01-01';
    const coverage: Coverage = {
      resourceType: 'Coverage',
      id: `demo-coverage-${n}`,
      meta: meta('medi-cal-coverage'),
      status: 'active',
      beneficiary: ref(`Patient/${this.id}`),
      subscriberId: cin,
      relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'self', display: 'Self' }] },
      payor: [ref(PLAN)],
      period: spec.coverage?.end ? { start: coverageStart, end: spec.coverage.end } : { start: coverageStart },
      type: { coding: [{ system: ACT_CODE, code: 'SUBSIDIZ', display: 'subsidized health program' }], text: 'Medi-Cal managed care' },
    };
    this.resources.push(patient, coverage);
    const age = ageOn(spec.birthDate, EVALUATION_DATE);
    const covered = coverageStart <= EVALUATION_DATE && (!spec.coverage?.end || spec.coverage.end >= EVALUATION_DATE);
    this.expectation = {
      patient: `Patient/${this.id}`,
      cin,
      birthDate: spec.birthDate,
      age,
      ageGroup: age >= 21 ? 'adult' : 'child',
      scenario: spec.scenario,
      base: { met: covered, rule: 'ELIG-BASE', evidence: [`Coverage/${coverage.id}`] },
      eligible: false,
      populations: [],
      notMet: [],
      exclusions: [],
    };
  }

  private nextId(kind: string): string {
    const k = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, k);
    return `demo-m${this.n}-${kind}-${k}`;
  }

  private get subject() {
    return ref(`Patient/${this.id}`);
  }

  /** ED visit; `avoidable` false leaves it unmarked (ELIG-AVOIDABLE: unmarked never counts). */
  ed(date: string, opts: { avoidable?: boolean; reason?: [string, string] } = {}): string {
    const id = this.nextId('ed');
    const type: CodeableConcept[] = [{ coding: [{ system: ACT_CODE, code: 'EMER', display: 'emergency' }], text: 'Emergency department visit' }];
    if (opts.avoidable !== false) type.push(concept('ecm-utilization-marker', 'avoidable', 'Avoidable'));
    const enc: Encounter = {
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: ACT_CODE, code: 'EMER', display: 'emergency' },
      type,
      subject: this.subject,
      period: { start: `${date}T09:00:00-07:00`, end: `${date}T15:00:00-07:00` },
      serviceProvider: ref(HOSPITAL),
    };
    if (opts.reason) enc.reasonCode = [{ coding: [{ system: ICD10, code: opts.reason[0], display: opts.reason[1] }] }];
    this.resources.push(enc);
    return `Encounter/${id}`;
  }

  /** Hospital (class IMP) or short-term SNF (class NONAC) stay, marked unplanned and avoidable. */
  stay(kind: 'inpatient' | 'snf', start: string, end: string, opts: { marked?: boolean } = {}): string {
    const id = this.nextId(kind);
    const cls = kind === 'inpatient' ? { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' } : { system: ACT_CODE, code: 'NONAC', display: 'inpatient non-acute' };
    const type: CodeableConcept[] = [{ coding: [cls], text: kind === 'inpatient' ? 'Hospital stay' : 'Short-term skilled nursing facility stay' }];
    if (opts.marked !== false) type.push(concept('ecm-utilization-marker', 'unplanned', 'Unplanned'), concept('ecm-utilization-marker', 'avoidable', 'Avoidable'));
    this.resources.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: cls,
      type,
      subject: this.subject,
      period: { start, end },
      serviceProvider: ref(kind === 'inpatient' ? HOSPITAL : SNF),
    } satisfies Encounter);
    return `Encounter/${id}`;
  }

  /** An ECM service from before the member joined the plan (CONT-HIST-*; ENC-HCPCS). */
  priorEcmService(date: string): string {
    const id = this.nextId('ecm-service');
    this.resources.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
      type: [{ coding: [{ system: HCPCS, code: 'G9008', display: 'Coordinated care fee, physician coordinated care oversight services' }], text: 'ECM service (prior plan)' }],
      subject: this.subject,
      period: { start: date, end: date },
      serviceProvider: ref('Organization/plan-other-health-net'),
    } satisfies Encounter);
    return `Encounter/${id}`;
  }

  /** An outpatient visit at the member's primary care clinic (another source of care than crisis / ED / inpatient). */
  officeVisit(date: string): string {
    const id = this.nextId('office');
    this.resources.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: ACT_CODE, code: 'AMB', display: 'ambulatory' },
      type: [{ text: 'Primary care office visit' }],
      subject: this.subject,
      period: { start: `${date}T10:00:00-07:00`, end: `${date}T10:30:00-07:00` },
      serviceProvider: ref('Organization/pcp-east-bakersfield-clinic'),
    } satisfies Encounter);
    return `Encounter/${id}`;
  }

  /** A mobile crisis team contact for MH/SUD symptoms (marker ecm-utilization-marker#crisis-service; ELIG-C-CCS, ELIG-A-SMHSUD). */
  crisisService(date: string): string {
    const id = this.nextId('crisis');
    this.resources.push({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { system: ACT_CODE, code: 'FLD', display: 'field' },
      type: [concept('ecm-utilization-marker', 'crisis-service', 'Crisis-intervention service (MH/SUD)'), { text: 'Mobile crisis team response (HCPCS H2011)' }],
      subject: this.subject,
      period: { start: `${date}T21:00:00-07:00`, end: `${date}T23:00:00-07:00` },
      serviceProvider: ref('Organization/county-kern-bhrs'),
    } satisfies Encounter);
    return `Encounter/${id}`;
  }

  /** HHS homelessness criterion (e): the member will lose the housing on `lossDate` (Observation Z59.811, valueDateTime). */
  housingLoss(recorded: string, lossDate: string, what: string): string {
    const id = this.nextId('housing-loss');
    this.resources.push({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history', display: 'Social History' }] }],
      code: { coding: [{ system: ICD10, code: 'Z59.811', display: 'Housing instability, housed, with risk of homelessness' }], text: 'Date the member will lose the housing' },
      subject: this.subject,
      effectiveDateTime: recorded,
      performer: [ref('Practitioner/demo-lcm-5')],
      valueDateTime: lossDate,
      note: [{ text: what }],
    } satisfies Observation);
    return `Observation/${id}`;
  }

  /** ICD-10-CM diagnosis or SDOH Z-code. */
  dx(code: string, display: string, onset: string): string {
    const sdoh = /^Z(5[5-9]|6[0-5])/.test(code); // ICD-10-CM Z55-Z65: social determinants of health
    const id = this.nextId(sdoh ? 'sdoh' : 'dx');
    const category: CodeableConcept[] = [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] },
    ];
    if (sdoh) category.push({ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category', code: 'sdoh', display: 'SDOH' }] });
    this.resources.push({
      resourceType: 'Condition',
      id,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category,
      code: { coding: [{ system: ICD10, code, display }] },
      subject: this.subject,
      onsetDateTime: onset,
      recordedDate: onset,
    } satisfies Condition);
    return `Condition/${id}`;
  }

  /** An assessment or screening result (ecm-assessment code) by a care manager. */
  obs(code: string, display: string, date: string, value: boolean | number, components?: [string, string, boolean][]): string {
    const id = this.nextId('obs');
    const o: Observation = {
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey', display: 'Survey' }] }],
      code: concept('ecm-assessment', code, display),
      subject: this.subject,
      effectiveDateTime: date,
      performer: [ref('Practitioner/demo-lcm-1')],
    };
    if (typeof value === 'boolean') o.valueBoolean = value;
    else o.valueInteger = value;
    if (components) {
      o.component = components.map(([c, d, v]): ObservationComponent => ({ code: concept('ecm-assessment', c, d), valueBoolean: v }));
    }
    this.resources.push(o);
    return `Observation/${id}`;
  }

  /** Program enrollment (ecm-program code) as an EpisodeOfCare; no end = active on E. */
  program(codes: [string, string][], org: string, start: string, end?: string): string {
    const id = this.nextId('program');
    this.resources.push({
      resourceType: 'EpisodeOfCare',
      id,
      status: end && end < EVALUATION_DATE ? 'finished' : 'active',
      type: [{ coding: codes.map(([c, d]) => coding('ecm-program', c, d)) }],
      patient: this.subject,
      managingOrganization: ref(`Organization/${org}`),
      period: end ? { start, end } : { start },
    } satisfies EpisodeOfCare);
    return `EpisodeOfCare/${id}`;
  }

  /** An outreach attempt that did not reach the member (OUT-LOG). */
  failedOutreach(sent: string, medium: 'phone' | 'in-person', why: string): string {
    const id = this.nextId('outreach');
    this.resources.push({
      resourceType: 'Communication',
      id,
      meta: meta('ecm-outreach'),
      status: 'not-done',
      statusReason: { text: why },
      category: [
        concept('ecm-category', 'outreach', 'Outreach'),
        concept('ecm-outreach-category', medium === 'phone' ? 'outreach-telephonic-electronic' : 'outreach-in-person'),
      ],
      medium: [concept('ecm-outreach-medium', medium)],
      subject: this.subject,
      recipient: [this.subject],
      sender: ref('Practitioner/demo-lcm-1'),
      sent,
    } satisfies Communication);
    return `Communication/${id}`;
  }

  met(code: string, rules: string[], evidence: string[], reason: string): this {
    this.expectation.populations.push({ code, rules, evidence, reason });
    return this;
  }

  notMet(code: string, rules: string[], evidence: string[], reason: string): this {
    this.expectation.notMet.push({ code, rules, evidence, reason });
    return this;
  }

  excluded(rule: string, evidence: string[], reason: string): this {
    this.expectation.exclusions.push({ code: rule, rules: [rule], evidence, reason });
    return this;
  }

  continuity(rules: string[], evidence: string[], reason: string): this {
    this.expectation.continuity = { code: 'prior-ecm', rules, evidence, reason };
    return this;
  }

  differsUnder(d: SettingsDifference): this {
    (this.expectation.settingsDifferences ??= []).push(d);
    return this;
  }

  expected(): MemberExpectation {
    const e = this.expectation;
    e.eligible = e.base.met && e.populations.length > 0 && e.exclusions.length === 0;
    return e;
  }
}
