import type { Communication, OperationOutcomeIssue, ServiceRequest, Task } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import type { SettingsProfile } from '../settings/settings-profile.ts';
import { CATEGORY_SYSTEM } from './authorization-resource.ts';
import { noticeMedium, type NoticeRecipientReference } from './decision-notices.ts';

/**
 * CLR-ACK, REF-STANDARDS, pure: the plan's acknowledgement of a referral. The referral Task moves to
 * `accepted` with business status `pending-authorization` when the referral has no errors against
 * the ecm-referral profile, else to `on-hold` with `pending-information` and the errors in
 * `statusReason.text`; the referrer gets an ecm-notice Communication (`referral-acknowledgement`)
 * saying so, listing every error to correct.
 */

const NOTICE_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-notice`;
const NOTICE_TYPE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-notice-type`;
const REFERRAL_STATUS_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-referral-status`;

export interface AcknowledgementFacts {
  task: Task & { id: string };
  referral: ServiceRequest & { id: string };
  /** Error issues of the referral against the ecm-referral profile. */
  errors: OperationOutcomeIssue[];
  profile: SettingsProfile;
  acknowledgedAt: string;
  noticeId: string;
}

export interface Acknowledgement {
  task: Task & { id: string };
  notice: Communication & { id: string };
  accepted: boolean;
}

/** One line per error: where (the FHIRPath expression) and what. */
export function errorLines(errors: OperationOutcomeIssue[]): string[] {
  return errors.map((i) => `${i.expression?.[0] ?? 'ServiceRequest'}: ${i.diagnostics ?? i.details?.text ?? 'invalid'}`);
}

export function acknowledgeReferral(f: AcknowledgementFacts): Acknowledgement {
  const accepted = f.errors.length === 0;
  const lines = errorLines(f.errors);
  const referralRef = `ServiceRequest/${f.referral.id}`;
  const day = localDateOf(f.acknowledgedAt);
  const { statusReason: _previous, ...rest } = f.task;
  const task: Task & { id: string } = {
    ...rest,
    status: accepted ? 'accepted' : 'on-hold',
    businessStatus: { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: accepted ? 'pending-authorization' : 'pending-information' }] },
    ...(accepted ? {} : { statusReason: { text: `The referral has ${lines.length} error${lines.length === 1 ? '' : 's'} to correct (CLR-ACK): ${lines.join('; ')}` } }),
    lastModified: f.acknowledgedAt,
  };
  const text = accepted
    ? `The plan received your ECM referral ${referralRef} on ${day}. It is complete and awaits the plan's authorization decision.`
    : `The plan received your ECM referral ${referralRef} on ${day}. Please correct these errors and send it again:\n${lines.map((l, n) => `${n + 1}. ${l}`).join('\n')}`;
  const notice: Communication & { id: string } = {
    resourceType: 'Communication',
    id: f.noticeId,
    meta: { profile: [NOTICE_PROFILE] },
    status: 'completed',
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: 'notice' }] }, { coding: [{ system: NOTICE_TYPE_SYSTEM, code: 'referral-acknowledgement' }] }],
    medium: noticeMedium(f.profile, false),
    subject: f.task.for as Communication['subject'],
    about: [{ reference: `Task/${f.task.id}` }, { reference: referralRef }],
    sent: f.acknowledgedAt,
    recipient: [f.task.requester as NoticeRecipientReference],
    ...(f.task.owner ? { sender: f.task.owner as Communication['sender'] } : {}),
    payload: [{ contentString: text }],
  };
  return { task, notice, accepted };
}
