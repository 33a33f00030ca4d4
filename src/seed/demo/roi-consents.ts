import type { Consent, ConsentProvisionActor } from '@medplum/fhirtypes';
import { ENROLLMENTS } from './enrollments.ts';
import { PLAN } from './network.ts';
import { EVALUATION_DATE, concept, meta, monthsLater, ref } from './vocabulary.ts';

/**
 * Release-of-information consents (ecm-roi-consent, CONSENT-ROI) signed on the plan's ROI form at
 * enrollment. Deliberately without one: the waitlisted members 55 (Bakersfield) and 16 (Kern BH),
 * not yet reached. Member 34 limited the time frame to 2026-10-31, so hers is `inactive` on the
 * evaluation date. seed/README.md lists these facts; tests/seed/demo-care-links.test.ts pins them.
 */
interface RoiSpec {
  member: number;
  signed: string;
  /** End of the time frame the member chose; default 12 months. */
  end?: string;
  /** Who signed when not the member (parent/guardian, CONSENT-ROI). */
  signer?: string;
}

const ROI_CONSENTS: RoiSpec[] = [
  { member: 1, signed: '2026-09-18' }, // at the first in-person contact (Communication/demo-outreach-1)
  { member: 19, signed: '2026-06-16' },
  { member: 2, signed: '2026-08-03' },
  { member: 13, signed: '2026-07-20' },
  { member: 14, signed: '2026-07-20', signer: 'Patient/demo-member-13' }, // a child: signed by her mother, member 13
  { member: 24, signed: '2026-10-12' },
  { member: 34, signed: '2026-06-22', end: '2026-10-31' },
  { member: 56, signed: '2026-09-14' },
  { member: 23, signed: '2026-09-21' },
  { member: 29, signed: '2026-04-06' },
];

const recipient = (reference: string): ConsentProvisionActor => ({
  role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
  reference: ref(reference),
});

function roiConsent(c: RoiSpec): Consent {
  const enrollment = ENROLLMENTS.find((e) => e.member === c.member);
  if (!enrollment?.lcm) throw new Error(`ROI consent for member ${c.member} without an enrollment with a Lead Care Manager`);
  const end = c.end ?? monthsLater(c.signed, 12);
  const patient = `Patient/demo-member-${c.member}`;
  return {
    resourceType: 'Consent',
    id: `demo-m${c.member}-roi`,
    meta: meta('ecm-roi-consent'),
    // an ROI whose time frame has ended shares nothing any more (CONSENT-ROI)
    status: end < EVALUATION_DATE ? 'inactive' : 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [concept('ecm-category', 'roi', 'Release of information'), { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: ref(patient),
    dateTime: `${c.signed}T10:00:00-07:00`,
    performer: [ref(c.signer ?? patient)],
    // the ECM provider obtained the signed form and keeps it
    organization: [ref(`Organization/${enrollment.provider}`)],
    sourceAttachment: { contentType: 'application/pdf', title: 'Kern Health Systems ECM release of information form (signed)', creation: c.signed },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentpolicycodes', code: 'hipaa-auth', display: 'HIPAA Authorization' }] },
    provision: {
      type: 'permit',
      period: { start: c.signed, end },
      actor: [recipient(PLAN), recipient(`Organization/${enrollment.provider}`), recipient(`Practitioner/${enrollment.lcm}`)],
    },
  };
}

export function roiConsentResources(): Consent[] {
  return ROI_CONSENTS.map(roiConsent);
}
