import { newResourceId } from '../../fhir/resource-id.ts';
import type { CodeableConcept, Communication } from '@medplum/fhirtypes';
import type { NoticeChannel } from '../settings/settings-profile.ts';
import { CS, EXT, coding, concept, profileUrl, ref } from './vocabulary.ts';

/** ecm-notice-type codes of the notices built here (assignment; referral status, CLR-STATUS). */
export type AssignmentNoticeType = 'assignment' | 'pcp-notice' | 'provider-change' | 'referral-status' | 'referrer-closure';

const MODE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode';
const MEDIUM: Record<NoticeChannel, [string, string]> = {
  mail: ['MAILWRIT', 'mail'],
  phone: ['PHONE', 'telephone'],
  'secure-email': ['EMAILWRIT', 'email'],
  'member-portal': ['ONLINEWRIT', 'online written'],
  'fhir-api': ['ELECTRONIC', 'electronic data'],
  sftp: ['ELECTRONIC', 'electronic data'],
  pcc: ['ELECTRONIC', 'electronic data'],
  'health-connect': ['ELECTRONIC', 'electronic data'],
};

/** The channel as Communication.medium (noticeChannels); the plan's channel name is the text. */
export function medium(channel: NoticeChannel): CodeableConcept {
  const [code, display] = MEDIUM[channel];
  return { coding: [{ system: MODE, code, display }], text: channel };
}

export interface NoticeSpec {
  type: AssignmentNoticeType;
  patient: string;
  recipient: string;
  sender: string;
  channel: NoticeChannel;
  /** What the notice is about: the enrollment and the authorization or referral. */
  about: string[];
  basedOn?: string;
  sent: string;
  text: string;
  /** ASSIGN-CHANGE-ACK: how the member's request reached the plan (ecm-referral-channel). */
  requestChannel?: string;
}

const DISPLAY: Record<AssignmentNoticeType, string> = {
  assignment: 'Assignment notice',
  'pcp-notice': 'PCP notice',
  'provider-change': 'Provider change notice',
  'referral-status': 'Referral status update',
  'referrer-closure': 'Referrer loop-closure notice',
};

/** One ecm-notice Communication to one recipient (AUTH-NOTICE, ASSIGN-PCP-NOTICE, ASSIGN-CHANGE). */
export function notice(spec: NoticeSpec): Communication & { id: string } {
  const c: Communication & { id: string } = {
    resourceType: 'Communication',
    id: newResourceId(),
    meta: { profile: [profileUrl('ecm-notice')] },
    status: 'completed',
    category: [concept(CS.category, 'notice', 'ECM notice'), { coding: [coding(CS.noticeType, spec.type, DISPLAY[spec.type])] }],
    medium: [medium(spec.channel)],
    subject: ref(spec.patient),
    about: spec.about.map((a) => ref(a)),
    sent: spec.sent,
    recipient: [ref(spec.recipient)],
    sender: ref(spec.sender),
    payload: [{ contentString: spec.text }],
  };
  if (spec.basedOn) c.basedOn = [ref(spec.basedOn)];
  if (spec.requestChannel) c.extension = [{ url: EXT.referralChannel, valueCodeableConcept: concept(CS.referralChannel, spec.requestChannel) }];
  return c;
}
