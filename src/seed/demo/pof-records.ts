import type { Condition, Flag, Resource } from '@medplum/fhirtypes';
import type { MemberExpectation } from './member-builder.ts';
import { PLAN } from './network.ts';
import { EVALUATION_DATE, concept, meta, ref } from './vocabulary.ts';

/**
 * The POFs the plan has already recorded for a few members, as its eligibility run on the
 * evaluation date would: one POF Condition per POF met (ecm-pof-condition, POF-MULTI) with the
 * evidence of seed/demo-expectations.json per rule (DECISION-RECORD), and a POF Flag for the
 * banner (ecm-pof-flag; member 21's is the pre-release coordination flag of JI-AIDCODE). Built from
 * the expectations, so they never claim a POF the data does not meet.
 */
const MEMBERS_WITH_POF_RECORDS = [1, 19, 21, 52];

const FLAG_TEXT: Record<string, string> = {
  'incarceration-transition': 'Justice-involved: coordinate care around release',
};

function records(n: number, e: MemberExpectation): Resource[] {
  if (!e.eligible) throw new Error(`${e.patient} is not eligible on ${EVALUATION_DATE}: no POF records`);
  return e.populations.flatMap((d) => {
    const subject = ref(e.patient);
    const condition: Condition = {
      resourceType: 'Condition',
      id: `demo-m${n}-pof-${d.code}`,
      meta: meta('ecm-pof-condition'),
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [concept('ecm-category', 'pof', 'Population of Focus')],
      code: concept('ecm-population-of-focus', d.code),
      subject,
      recordedDate: EVALUATION_DATE,
      evidence: [{ code: d.rules.map((rule) => concept('ecm-rule', rule)), detail: d.evidence.map((ev) => ref(ev)) }],
      note: [{ text: d.reason }],
    };
    const flag: Flag = {
      resourceType: 'Flag',
      id: `demo-m${n}-pof-flag-${d.code}`,
      meta: meta('ecm-pof-flag'),
      status: 'active',
      category: [concept('ecm-category', 'pof', 'Population of Focus')],
      code: FLAG_TEXT[d.code] ? { ...concept('ecm-population-of-focus', d.code), text: FLAG_TEXT[d.code] } : concept('ecm-population-of-focus', d.code),
      subject,
      period: { start: EVALUATION_DATE },
      author: ref(PLAN),
    };
    return [condition, flag];
  });
}

export function pofRecordResources(expectations: MemberExpectation[]): Resource[] {
  return MEMBERS_WITH_POF_RECORDS.flatMap((n) => {
    const e = expectations.find((x) => x.patient === `Patient/demo-member-${n}`);
    if (!e) throw new Error(`no expectation for member ${n}`);
    return records(n, e);
  });
}
