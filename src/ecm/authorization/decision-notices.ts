import type { CodeableConcept, Communication, Patient, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import type { NoticeChannel, NoticeRecipient, SettingsProfile } from '../settings/settings-profile.ts';
import { CATEGORY_SYSTEM, ruleCoding } from './authorization-resource.ts';

/**
 * The notices of a decision (AUTH-NOTICE), pure: on approval one ecm-notice Communication per
 * recipient the plan's `approvalNoticeRecipients` lists; on denial a Notice of Action to the
 * member with grievance and appeal rights and the tracked appeals-and-grievances case, a Task
 * (AUTH-DENIAL-AG). A recipient the request cannot name yet (no ECM provider assigned, no PCP on
 * the member, no referral) is reported as skipped, never guessed.
 */

const NOTICE_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-notice`;
const NOTICE_TYPE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-notice-type`;
export const AUTH_TASK_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-auth-task`;
const PARTICIPATION_MODE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode';

/** noticeChannels → v3 ParticipationMode (the Communication.medium binding). */
const CHANNEL_MODE: Record<NoticeChannel, { code: string; display: string }> = {
  mail: { code: 'MAILWRIT', display: 'mail' },
  phone: { code: 'PHONE', display: 'telephone' },
  'member-portal': { code: 'ONLINEWRIT', display: 'online written' },
  'secure-email': { code: 'EMAILWRIT', display: 'email' },
  'fhir-api': { code: 'ELECTRONIC', display: 'electronic data' },
  sftp: { code: 'ELECTRONIC', display: 'electronic data' },
  'health-connect': { code: 'ELECTRONIC', display: 'electronic data' },
  pcc: { code: 'ELECTRONIC', display: 'electronic data' },
};

/** Who a Communication may go to (R4 Communication.recipient). */
export type NoticeRecipientReference = NonNullable<Communication['recipient']>[number];

export interface NoticeFacts {
  authorization: ServiceRequest & { id: string };
  patient: Patient & { id: string };
  referral?: ServiceRequest & { id: string };
  profile: SettingsProfile;
  decidedAt: string;
  newId: () => string;
}

export interface DecisionNotices {
  notices: (Communication & { id: string })[];
  /** Recipients of `approvalNoticeRecipients` with no one to send to, and why. */
  skipped: string[];
}

/** Communication.medium of a notice to the member or to a provider: the first of the plan's `noticeChannels`. */
export function noticeMedium(profile: SettingsProfile, toMember: boolean): CodeableConcept[] {
  const channel = (toMember ? profile.settings.noticeChannels.member : profile.settings.noticeChannels.provider)[0] ?? (toMember ? 'mail' : 'fhir-api');
  return [{ coding: [{ system: PARTICIPATION_MODE, ...CHANNEL_MODE[channel] }], text: channel }];
}

function notice(f: NoticeFacts, type: string, recipient: Reference, toMember: boolean, text: string): Communication & { id: string } {
  const about: Reference[] = [{ reference: `ServiceRequest/${f.authorization.id}` }];
  if (f.referral) about.push({ reference: `ServiceRequest/${f.referral.id}` });
  return {
    resourceType: 'Communication',
    id: f.newId(),
    meta: { profile: [NOTICE_PROFILE] },
    status: 'completed',
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: 'notice' }] }, { coding: [{ system: NOTICE_TYPE_SYSTEM, code: type }] }],
    medium: noticeMedium(f.profile, toMember),
    subject: { reference: `Patient/${f.patient.id}` },
    about,
    sent: f.decidedAt,
    recipient: [recipient as NoticeRecipientReference],
    ...(f.authorization.requester ? { sender: f.authorization.requester } : {}),
    payload: [{ contentString: text }],
  };
}

/** AUTH-NOTICE, AUTH-APPROVAL-FORM: the approval notices of the plan's recipients. */
export function approvalNotices(f: NoticeFacts, period: { start: string; end: string }): DecisionNotices {
  const auth = `ServiceRequest/${f.authorization.id}`;
  const span = `${period.start} through ${period.end}`;
  const candidates: Record<NoticeRecipient, { to?: Reference; type: string; toMember: boolean; text: string; missing: string }> = {
    member: {
      to: { reference: `Patient/${f.patient.id}` },
      type: 'authorization-approval',
      toMember: true,
      text: `Your Enhanced Care Management (ECM) is approved from ${span}. Your ECM provider will contact you to get started.`,
      missing: '',
    },
    'ecm-provider': {
      to: f.authorization.performer?.[0],
      type: 'authorization-approval',
      toMember: false,
      text: `Outpatient notification form: ECM authorization ${auth} is approved for ${span}. Please begin outreach and enrollment.`,
      missing: 'the authorization names no ECM provider (performer) yet; the provider is told when the member is assigned',
    },
    pcp: {
      to: f.patient.generalPractitioner?.[0],
      type: 'authorization-approval',
      toMember: false,
      text: `Your patient is authorized for Enhanced Care Management from ${span} (${auth}).`,
      missing: 'the member has no PCP (Patient.generalPractitioner)',
    },
    referrer: {
      to: f.referral?.requester,
      type: 'referrer-authorization',
      toMember: false,
      text: `The ECM referral ServiceRequest/${f.referral?.id ?? ''} is approved: authorization ${auth}, ${span}.`,
      missing: 'the authorization is based on no referral with a requester',
    },
  };
  const notices: (Communication & { id: string })[] = [];
  const skipped: string[] = [];
  const sentTo = new Set<string>();
  for (const recipient of f.profile.settings.approvalNoticeRecipients) {
    const c = candidates[recipient];
    if (!c.to?.reference) {
      skipped.push(`${recipient}: ${c.missing}`);
      continue;
    }
    if (sentTo.has(c.to.reference)) {
      skipped.push(`${recipient}: ${c.to.reference} already gets a notice`);
      continue;
    }
    sentTo.add(c.to.reference);
    notices.push(notice(f, c.type, c.to, c.toMember, c.text));
  }
  return { notices, skipped };
}

/** AUTH-DENIAL-AG: the Notice of Action to the member and the tracked appeals-and-grievances case. */
export function denialRecords(f: NoticeFacts, reason: string, provenanceId: string): { notice: Communication & { id: string }; appeal: Task & { id: string } } {
  const appealId = f.newId();
  const day = localDateOf(f.decidedAt);
  const noa = notice(
    f,
    'notice-of-action',
    { reference: `Patient/${f.patient.id}` },
    true,
    `Notice of Action: your request for Enhanced Care Management was denied on ${day}. Reason: ${reason.replace(/\.?$/, '.')} ` +
      'You have the right to ask for an appeal of this decision and to file a grievance with your health plan. ' +
      `Your appeal and grievance case is ${appealId}; call Member Services to ask for an appeal or file a grievance.`,
  );
  const plan = f.authorization.requester;
  const appeal: Task & { id: string } = {
    resourceType: 'Task',
    id: appealId,
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: AUTH_TASK_SYSTEM, code: 'appeal-case', display: 'Appeals and grievances case' }] },
    description: `Appeals and grievances case opened by the denial of ServiceRequest/${f.authorization.id} on ${day} (AUTH-DENIAL-AG)`,
    focus: { reference: `ServiceRequest/${f.authorization.id}` },
    for: { reference: `Patient/${f.patient.id}` },
    authoredOn: f.decidedAt,
    ...(plan ? { requester: plan, owner: plan } : {}),
    reasonCode: { coding: [ruleCoding('AUTH-DENIAL-AG')], text: reason },
    relevantHistory: [{ reference: `Provenance/${provenanceId}` }],
  };
  return { notice: noa, appeal };
}
