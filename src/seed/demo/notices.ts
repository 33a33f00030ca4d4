import type { Communication } from '@medplum/fhirtypes';
import { PLAN } from './network.ts';
import { coding, concept, meta, ref } from './vocabulary.ts';

/**
 * Notices (ecm-notice): assignment letters to members and providers (X-CLR-NOTICES, ASSIGN-TAT), a
 * welcome letter (ASSIGN-WELCOME) and a Notice of Action on discontinuation (DISC-NOTICE).
 */
interface NoticeSpec {
  n: number;
  member: number;
  type: 'assignment' | 'welcome-letter' | 'notice-of-action';
  recipient: string;
  sender: string;
  medium: 'MAILWRIT' | 'ELECTRONIC';
  sent: string;
  about: string[];
  text: string;
}

const MEDIUM = { MAILWRIT: 'mail', ELECTRONIC: 'electronic data' } as const;

const NOTICES: NoticeSpec[] = [
  {
    n: 1, member: 55, type: 'assignment', recipient: 'Patient/demo-member-55', sender: PLAN, medium: 'MAILWRIT', sent: '2026-10-27T09:00:00-07:00',
    about: ['EpisodeOfCare/demo-enrollment-8', 'ServiceRequest/demo-authorization-10'],
    text: 'You have been assigned to Bakersfield Community Care for Enhanced Care Management. Your care team will contact you; you can also call them at 661-555-0101.',
  },
  {
    n: 2, member: 55, type: 'assignment', recipient: 'Organization/ecm-provider-bakersfield', sender: PLAN, medium: 'ELECTRONIC', sent: '2026-10-26T15:00:00-07:00',
    about: ['EpisodeOfCare/demo-enrollment-8', 'ServiceRequest/demo-authorization-10'],
    text: 'New ECM assignment (Population of Focus: avoidable utilization), authorized 2026-10-26 to 2027-10-25. Please begin outreach.',
  },
  {
    n: 3, member: 16, type: 'assignment', recipient: 'Patient/demo-member-16', sender: PLAN, medium: 'MAILWRIT', sent: '2026-10-21T09:00:00-07:00',
    about: ['EpisodeOfCare/demo-enrollment-10', 'ServiceRequest/demo-authorization-4'],
    text: 'You have been assigned to Kern Behavioral Health Partners for Enhanced Care Management. Your care team will contact you; you can also call them at 661-555-0102.',
  },
  {
    n: 4, member: 2, type: 'welcome-letter', recipient: 'Patient/demo-member-2', sender: PLAN, medium: 'MAILWRIT', sent: '2026-08-04T09:00:00-07:00',
    about: ['EpisodeOfCare/demo-enrollment-3'],
    text: 'Welcome to Enhanced Care Management with Bakersfield Community Care. Your Lead Care Manager is Maria Castillo. You may ask for another ECM provider or Lead Care Manager at any time by calling Member Services.',
  },
  {
    n: 5, member: 43, type: 'notice-of-action', recipient: 'Patient/demo-member-43', sender: PLAN, medium: 'MAILWRIT', sent: '2026-09-02T09:00:00-07:00',
    about: ['ServiceRequest/demo-authorization-3', 'Task/demo-referral-task-9'],
    text: 'Notice of Action: your Enhanced Care Management authorization ended on 2026-08-31 and was not renewed because the provider could not reach you after several attempts. You have the right to ask for an appeal or file a grievance; call Member Services to learn how.',
  },
];

function notice(s: NoticeSpec): Communication {
  return {
    resourceType: 'Communication',
    id: `demo-notice-${s.n}`,
    meta: meta('ecm-notice'),
    status: 'completed',
    category: [concept('ecm-category', 'notice', 'ECM notice'), { coding: [coding('ecm-notice-type', s.type)] }],
    medium: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: s.medium, display: MEDIUM[s.medium] }] }],
    subject: ref(`Patient/demo-member-${s.member}`),
    about: s.about.map((a) => ref(a)),
    sent: s.sent,
    recipient: [ref(s.recipient)],
    sender: ref(s.sender),
    payload: [{ contentString: s.text }],
  };
}

export function noticeResources(): Communication[] {
  return NOTICES.map(notice);
}
