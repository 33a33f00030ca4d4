import type { Communication, Task } from '@medplum/fhirtypes';
import { notice } from '../assignment/assignment-notices.ts';
import type { NoticeChannel, PlanSettings } from '../settings/settings-profile.ts';
import { businessStatusOf, referenceKey } from './referral-task.ts';
import { roleFor } from './task-lifecycle.ts';

/** Statuses the member hears about (X-CLR-NOTICES): the referral taken up and the loop closed. */
const MEMBER_STATUSES = new Set<Task['status']>(['accepted', 'completed', 'failed']);
const CLOSED = new Set<Task['status']>(['completed', 'failed', 'rejected']);

const channelOf = (channels: NoticeChannel[], fallback: NoticeChannel): NoticeChannel => channels[0] ?? fallback;

/**
 * CLR-STATUS: the plan keeps the referrer and the member informed of a referral's progress. When
 * the referrer's own Task (one with no `partOf`) moves to a status its owner sets, the referrer gets
 * a `referral-status` notice (a `referrer-closure` notice, with the closure reason, when the loop
 * closes), and the member one when the referral is accepted or closed. A move the requester made
 * itself (draft, requested, cancelled) tells no one. Sent electronically on the plan's provider
 * channel (X-CLR-NOTICES: fax does not count).
 */
export function statusNotices(task: Task & { id: string }, settings: PlanSettings, now: string): (Communication & { id: string })[] {
  if (roleFor(task.status) !== 'owner' || (task.partOf?.length ?? 0) > 0) return [];
  const patient = referenceKey(task.for);
  const referrer = referenceKey(task.requester);
  const sender = referenceKey(task.owner);
  if (!patient || !referrer || !sender) return [];
  const about = [`Task/${task.id}`, ...(referenceKey(task.focus) ? [referenceKey(task.focus) as string] : [])];
  const reason = task.statusReason?.text ?? task.statusReason?.coding?.[0]?.display ?? task.statusReason?.coding?.[0]?.code;
  const business = businessStatusOf(task);
  const state = `${task.status}${business ? ` (${business})` : ''}${reason ? `; reason: ${reason}` : ''}`;
  const out = [
    notice({
      type: CLOSED.has(task.status) ? 'referrer-closure' : 'referral-status',
      patient,
      recipient: referrer,
      sender,
      channel: channelOf(settings.noticeChannels.provider, 'fhir-api'),
      about,
      sent: now,
      text: `Your ECM referral Task/${task.id} is now ${state}.`,
    }),
  ];
  if (MEMBER_STATUSES.has(task.status)) {
    out.push(
      notice({
        type: 'referral-status',
        patient,
        recipient: patient,
        sender,
        channel: channelOf(settings.noticeChannels.member, 'mail'),
        about,
        sent: now,
        text: task.status === 'accepted' ? 'Your referral for Enhanced Care Management was accepted. Your care team will contact you.' : `Your referral for Enhanced Care Management is closed: ${reason ?? task.status}.`,
      }),
    );
  }
  return out;
}
