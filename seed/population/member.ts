import type {
  Communication, Condition, Coverage, Encounter, Observation, Patient, Resource, Task,
} from '@medplum/fhirtypes';
import { HISTORY_DAYS, dateBefore, dateTimeBefore } from './dates.ts';
import { PLAN_IDS, PROVIDER_IDS } from './organizations.ts';
import { Prng, memberSeed } from './prng.ts';
import {
  CONDITIONS, type ConditionGroup, FAMILY_NAMES, GIVEN_NAMES, ICD10, LANGUAGES, LOINC, OBSERVATIONS, OUTREACH_MEDIA,
  PLACES, REFERRAL_STATUS, STREETS, TASK_STATUS_REASON, TASK_STATUSES, UCUM,
} from './vocabulary.ts';

export const CIN_SYSTEM = 'https://ecm-fhir.example.org/sid/medi-cal-cin';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ECM_CS = 'https://ecm-fhir.example.org/fhir/CodeSystem';

/** The Patient id of member `n` (other resources are `pop-<n>-<kind>-<k>`). */
export function patientId(n: number): string {
  return `pop-${n}`;
}

/** Member `n`'s Medi-Cal CIN: 9 characters, 8 digits and a check letter; unique for n < 10^7. */
export function cinOf(n: number): string {
  return `9${String(n).padStart(7, '0')}${'ABCDEFGHJK'[n % 10]}`;
}

const ref = (type: string, id: string): { reference: string } => ({ reference: `${type}/${id}` });

const ENCOUNTER_CLASS = {
  EMER: { display: 'emergency', text: 'Emergency department visit', hours: [2, 12] },
  IMP: { display: 'inpatient encounter', text: 'Inpatient admission', hours: [24, 24 * 8] },
  AMB: { display: 'ambulatory', text: 'Office visit', hours: [1, 1] },
} as const;

/**
 * The resources of member `n` (about 20: Patient, Coverage, Encounters, Conditions, Observations,
 * referral Tasks, outreach Communications), references as `Type/id` among themselves and to the
 * population Organizations. Pure: the same (seed, n) always gives the same resources.
 */
export function memberResources(n: number, seed: number): Resource[] {
  const rng = new Prng(memberSeed(seed, n));
  const pid = patientId(n);
  const patient = ref('Patient', pid);
  const plan = rng.pick(PLAN_IDS);
  const id = (kind: string, k: number) => `${pid}-${kind}-${k}`;

  const gender = rng.pick(['female', 'female', 'male', 'male', 'other'] as const);
  const [city, postalCode] = rng.pick(PLACES);
  const cin = cinOf(n);
  const out: Resource[] = [];

  out.push({
    resourceType: 'Patient',
    id: pid,
    active: true,
    identifier: [{ system: CIN_SYSTEM, value: cin }],
    name: [{ use: 'official', family: rng.pick(FAMILY_NAMES), given: [rng.pick(GIVEN_NAMES[gender])] }],
    gender,
    birthDate: dateBefore(rng.int(365 * 1, 365 * 85)),
    address: [{ use: 'home', line: [`${rng.int(100, 9999)} ${rng.pick(STREETS)}`], city, state: 'CA', postalCode }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: rng.pick(LANGUAGES) }] }, preferred: true }],
  } satisfies Patient);

  out.push({
    resourceType: 'Coverage',
    id: `${pid}-cov-1`,
    status: 'active',
    type: { coding: [{ system: ACT_CODE, code: 'SUBSIDIZ', display: 'subsidized health program' }], text: 'Medi-Cal managed care' },
    subscriberId: cin,
    beneficiary: patient,
    payor: [ref('Organization', plan)],
    period: { start: dateBefore(rng.int(HISTORY_DAYS, HISTORY_DAYS + 2000)) },
  } satisfies Coverage);

  // Encounters: mostly ambulatory, some emergency visits, a few inpatient stays, over 18 months.
  const classes: (keyof typeof ENCOUNTER_CLASS)[] = [];
  for (let k = rng.int(0, 3); k > 0; k--) classes.push('EMER');
  if (rng.chance(0.3)) classes.push('IMP');
  for (let k = rng.int(2, 4); k > 0; k--) classes.push('AMB');
  const encounterIds: string[] = [];
  classes.forEach((cls, i) => {
    const c = ENCOUNTER_CLASS[cls];
    const day = rng.int(0, HISTORY_DAYS - 1);
    const startMinute = rng.int(6 * 60, 22 * 60);
    const hours = rng.int(c.hours[0], c.hours[1]);
    const eid = id('enc', i + 1);
    encounterIds.push(eid);
    out.push({
      resourceType: 'Encounter',
      id: eid,
      status: 'finished',
      class: { system: ACT_CODE, code: cls, display: c.display },
      type: [{ coding: [{ system: ACT_CODE, code: cls, display: c.display }], text: c.text }],
      subject: patient,
      period: { start: dateTimeBefore(day, startMinute), end: dateTimeBefore(day, startMinute + hours * 60) },
      serviceProvider: ref('Organization', rng.pick(PROVIDER_IDS)),
    } satisfies Encounter);
  });

  // Conditions: one chronic always; housing, substance use and mental health at ECM-like rates.
  const groups: ConditionGroup[] = ['chronic'];
  if (rng.chance(0.5)) groups.push('chronic');
  if (rng.chance(0.35)) groups.push('homelessness');
  if (rng.chance(0.3)) groups.push('substanceUse');
  if (rng.chance(0.35)) groups.push('mentalHealth');
  const usedCodes = new Set<string>();
  let conditionCount = 0;
  for (const group of groups) {
    const choices: readonly (readonly [string, string])[] = CONDITIONS[group];
    const [code, display] = rng.pick(choices);
    if (usedCodes.has(code)) continue;
    usedCodes.add(code);
    conditionCount++;
    const encounterId = rng.pick(encounterIds);
    const onsetDays = rng.int(30, HISTORY_DAYS + 1000);
    out.push({
      resourceType: 'Condition',
      id: id('cond', conditionCount),
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' }] }],
      code: { coding: [{ system: ICD10, code, display }], text: display },
      subject: patient,
      encounter: ref('Encounter', encounterId),
      onsetDateTime: dateBefore(onsetDays),
      recordedDate: dateBefore(Math.max(0, onsetDays - rng.int(0, 30))),
    } satisfies Condition);
  }

  // Observations: vitals, screenings and labs with a UCUM valueQuantity.
  const observationCount = rng.int(5, 7);
  for (let k = 1; k <= observationCount; k++) {
    const kind = rng.pick(OBSERVATIONS);
    const scale = 10 ** kind.decimals;
    const value = Math.round((kind.min + rng.next() * (kind.max - kind.min)) * scale) / scale;
    out.push({
      resourceType: 'Observation',
      id: id('obs', k),
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: kind.category }] }],
      code: { coding: [{ system: LOINC, code: kind.code, display: kind.display }], text: kind.display },
      subject: patient,
      encounter: ref('Encounter', rng.pick(encounterIds)),
      effectiveDateTime: dateTimeBefore(rng.int(0, HISTORY_DAYS - 1), rng.int(8 * 60, 18 * 60)),
      valueQuantity: { value, unit: kind.human, system: UCUM, code: kind.unit },
    } satisfies Observation);
  }

  // Referral Tasks to ECM providers, and outreach Communications about them.
  const taskCount = rng.int(1, 3);
  const taskIds: string[] = [];
  const taskOwners: string[] = [];
  for (let k = 1; k <= taskCount; k++) {
    const status = rng.pick(TASK_STATUSES);
    const authoredDay = rng.int(5, HISTORY_DAYS - 1);
    const authoredMinute = rng.int(8 * 60, 17 * 60);
    const owner = rng.pick(PROVIDER_IDS);
    const tid = id('task', k);
    taskIds.push(tid);
    taskOwners.push(owner);
    const reason = TASK_STATUS_REASON[status];
    out.push({
      resourceType: 'Task',
      id: tid,
      status,
      businessStatus: { coding: [{ system: `${ECM_CS}/ecm-referral-status`, code: REFERRAL_STATUS[status] }] },
      ...(reason ? { statusReason: { ...(reason.code ? { coding: [{ system: `${ECM_CS}/ecm-loop-closure-reason`, code: reason.code }] } : {}), text: reason.text } } : {}),
      intent: 'order',
      priority: rng.chance(0.15) ? 'urgent' : 'routine',
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' }] },
      description: 'Enhanced Care Management referral',
      for: patient,
      authoredOn: dateTimeBefore(authoredDay, authoredMinute),
      // Task inv-1: lastModified >= authoredOn.
      lastModified: dateTimeBefore(authoredDay, authoredMinute + rng.int(0, 4 * 24 * 60)),
      requester: ref('Organization', plan),
      owner: ref('Organization', owner),
    } satisfies Task);
  }
  const communicationCount = rng.int(1, 4);
  for (let k = 1; k <= communicationCount; k++) {
    const t = rng.int(0, taskIds.length - 1);
    const [medium, category] = rng.pick(OUTREACH_MEDIA);
    const reached = rng.chance(0.6);
    out.push({
      resourceType: 'Communication',
      id: id('comm', k),
      status: reached ? 'completed' : 'not-done',
      ...(reached ? {} : { statusReason: { text: 'No answer' } }),
      category: [
        { coding: [{ system: `${ECM_CS}/ecm-category`, code: 'outreach', display: 'Outreach' }] },
        { coding: [{ system: `${ECM_CS}/ecm-outreach-category`, code: category }] },
      ],
      medium: [{ coding: [{ system: `${ECM_CS}/ecm-outreach-medium`, code: medium }] }],
      subject: patient,
      about: [ref('Task', taskIds[t])],
      recipient: [patient],
      sender: ref('Organization', taskOwners[t]),
      sent: dateTimeBefore(rng.int(0, HISTORY_DAYS - 1), rng.int(8 * 60, 18 * 60)),
    } satisfies Communication);
  }
  return out;
}
