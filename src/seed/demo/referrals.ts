import type { Communication, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { coding, concept, meta, ref } from './vocabulary.ts';
import { PLAN } from './network.ts';

/**
 * ECM referrals (ServiceRequest + Referral Task, one per Task status the Gravity SDOH CC referral
 * workflow allows), the ECM authorizations and a successful outreach. The enrollments these
 * authorizations lead to are in enrollments.ts.
 */

type TaskStatus = Task['status'];

interface ReferralSpec {
  n: number;
  member: number;
  status: TaskStatus;
  srStatus: ServiceRequest['status'];
  requester: string;
  owner: string;
  pof: string;
  authoredOn: string;
  lastModified: string;
  businessStatus: string;
  /** Required by the Gravity Task profile for rejected, cancelled, on-hold and failed. */
  statusReason?: { text: string; code?: string };
  output?: string;
}

/** Every Task status of the Gravity referral workflow (no `received`, `ready`, `entered-in-error`). */
export const WORKFLOW_TASK_STATUSES: TaskStatus[] = ['draft', 'requested', 'accepted', 'rejected', 'cancelled', 'in-progress', 'on-hold', 'completed', 'failed'];

const REFERRALS: ReferralSpec[] = [
  { n: 1, member: 1, status: 'completed', srStatus: 'completed', requester: 'referrer-kern-medical', owner: 'ecm-provider-bakersfield', pof: 'avoidable-utilization', authoredOn: '2026-09-08T10:15:00-07:00', lastModified: '2026-09-20T14:00:00-07:00', businessStatus: 'enrolled', statusReason: { text: 'Member enrolled in ECM', code: 'services-received' }, output: 'EpisodeOfCare/demo-enrollment-1' },
  { n: 2, member: 10, status: 'draft', srStatus: 'draft', requester: 'referrer-flood-ministries', owner: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2026-10-30T09:00:00-07:00', lastModified: '2026-10-30T09:00:00-07:00', businessStatus: 'draft' },
  { n: 3, member: 52, status: 'requested', srStatus: 'active', requester: 'referrer-kern-medical', owner: 'ecm-provider-kern-bh', pof: 'smh-sud', authoredOn: '2026-10-27T16:40:00-07:00', lastModified: '2026-10-27T16:40:00-07:00', businessStatus: 'submitted' },
  { n: 4, member: 16, status: 'accepted', srStatus: 'active', requester: 'referrer-kern-medical', owner: 'ecm-provider-kern-bh', pof: 'smh-sud', authoredOn: '2026-10-14T11:00:00-07:00', lastModified: '2026-10-20T09:30:00-07:00', businessStatus: 'accepted' },
  { n: 5, member: 21, status: 'rejected', srStatus: 'active', requester: 'referrer-kern-probation', owner: 'ecm-provider-delano', pof: 'incarceration-transition', authoredOn: '2026-10-05T08:00:00-07:00', lastModified: '2026-10-07T13:00:00-07:00', businessStatus: 'declined-by-provider', statusReason: { text: 'Provider at capacity and not contracted for the incarceration-transition POF', code: 'provider-capacity' } },
  { n: 6, member: 11, status: 'cancelled', srStatus: 'revoked', requester: 'referrer-flood-ministries', owner: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2026-09-01T10:00:00-07:00', lastModified: '2026-09-03T10:00:00-07:00', businessStatus: 'withdrawn', statusReason: { text: 'Duplicate referral withdrawn by the referrer', code: 'referral-withdrawn' } },
  { n: 7, member: 19, status: 'in-progress', srStatus: 'active', requester: 'referrer-kern-probation', owner: 'ecm-provider-reentry', pof: 'incarceration-transition', authoredOn: '2026-06-01T09:00:00-07:00', lastModified: '2026-06-16T11:00:00-07:00', businessStatus: 'outreach-in-progress' },
  { n: 8, member: 25, status: 'on-hold', srStatus: 'on-hold', requester: 'referrer-kern-dhs', owner: 'ecm-provider-valley-children', pof: 'ccs-wcm', authoredOn: '2026-10-10T09:00:00-07:00', lastModified: '2026-10-12T15:00:00-07:00', businessStatus: 'pending-information', statusReason: { text: 'Waiting for the CCS case manager to share the current care plan' } },
  { n: 9, member: 43, status: 'failed', srStatus: 'revoked', requester: 'referrer-flood-ministries', owner: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2025-08-20T09:00:00-07:00', lastModified: '2026-09-01T09:00:00-07:00', businessStatus: 'unable-to-reach', statusReason: { text: 'Member unable to reach after 3 attempts', code: 'unable-to-reach' } },
  { n: 10, member: 35, status: 'completed', srStatus: 'completed', requester: 'referrer-kern-medical', owner: 'ecm-provider-asian-pacific', pof: 'birth-equity', authoredOn: '2026-03-01T09:00:00-08:00', lastModified: '2026-03-20T09:00:00-07:00', businessStatus: 'member-declined', statusReason: { text: 'Member declined ECM at first outreach', code: 'declined' } },
];

function referral(r: ReferralSpec): [ServiceRequest, Task] {
  const patient = ref(`Patient/demo-member-${r.member}`);
  const sr: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: `demo-referral-${r.n}`,
    meta: meta('ecm-referral'),
    status: r.srStatus,
    intent: 'order',
    category: [concept('ecm-category', 'ecm-referral', 'ECM referral')],
    code: concept('ecm-referral-type', 'ecm', 'Enhanced Care Management'),
    subject: patient,
    authoredOn: r.authoredOn,
    requester: ref(`Organization/${r.requester}`),
    performer: [ref(`Organization/${r.owner}`)],
    reasonCode: [concept('ecm-population-of-focus', r.pof)],
  };
  const task: Task = {
    resourceType: 'Task',
    id: `demo-referral-task-${r.n}`,
    meta: meta('ecm-referral-task'),
    status: r.status,
    businessStatus: concept('ecm-referral-status', r.businessStatus),
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: ref(`ServiceRequest/${sr.id}`),
    for: patient,
    authoredOn: r.authoredOn,
    lastModified: r.lastModified,
    requester: ref(`Organization/${r.requester}`),
    owner: ref(`Organization/${r.owner}`),
  };
  if (r.statusReason) {
    task.statusReason = r.statusReason.code
      ? { coding: [coding('ecm-loop-closure-reason', r.statusReason.code)], text: r.statusReason.text }
      : { text: r.statusReason.text };
  }
  if (r.status === 'requested') task.restriction = { period: { end: '2026-11-10T17:00:00-08:00' } };
  if (r.output) {
    task.output = [
      {
        type: { coding: [{ system: 'http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes', code: 'resulting-activity', display: 'Resulting Activity' }] },
        valueReference: ref(r.output),
      },
    ];
  }
  return [sr, task];
}

interface AuthorizationSpec {
  n: number;
  member: number;
  status: ServiceRequest['status'];
  provider: string;
  pof: string;
  basedOn?: number;
  authoredOn: string;
  start: string;
  end: string;
  priority: ServiceRequest['priority'];
  note?: string;
}

/** Kern authorizes 12 months (AUTH-PERIOD): S through the day before S + 12 months. */
const AUTHORIZATIONS: AuthorizationSpec[] = [
  { n: 1, member: 1, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'avoidable-utilization', basedOn: 1, authoredOn: '2026-09-14T10:00:00-07:00', start: '2026-09-15', end: '2027-09-14', priority: 'routine' },
  { n: 2, member: 19, status: 'active', provider: 'ecm-provider-reentry', pof: 'incarceration-transition', basedOn: 7, authoredOn: '2026-06-18T10:00:00-07:00', start: '2026-06-15', end: '2027-06-14', priority: 'urgent', note: 'Retroactive to the release date (AUTH-JI-RETRO)' },
  { n: 3, member: 43, status: 'completed', provider: 'ecm-provider-bakersfield', pof: 'homelessness', basedOn: 9, authoredOn: '2025-08-28T10:00:00-07:00', start: '2025-09-01', end: '2026-08-31', priority: 'routine' },
  { n: 4, member: 16, status: 'active', provider: 'ecm-provider-kern-bh', pof: 'smh-sud', basedOn: 4, authoredOn: '2026-10-19T10:00:00-07:00', start: '2026-10-20', end: '2027-10-19', priority: 'routine' },
  // identified by the plan (no referral), each followed by an enrollment in enrollments.ts
  { n: 5, member: 2, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'avoidable-utilization', authoredOn: '2026-07-24T10:00:00-07:00', start: '2026-07-27', end: '2027-07-26', priority: 'routine' },
  { n: 6, member: 13, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2026-07-10T10:00:00-07:00', start: '2026-07-13', end: '2027-07-12', priority: 'routine' },
  { n: 7, member: 14, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2026-07-10T10:00:00-07:00', start: '2026-07-13', end: '2027-07-12', priority: 'routine' },
  { n: 8, member: 24, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'nf-transition', authoredOn: '2026-10-02T10:00:00-07:00', start: '2026-10-05', end: '2027-10-04', priority: 'routine' },
  { n: 9, member: 34, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'homelessness', authoredOn: '2026-06-12T10:00:00-07:00', start: '2026-06-15', end: '2027-06-14', priority: 'routine' },
  { n: 10, member: 55, status: 'active', provider: 'ecm-provider-bakersfield', pof: 'avoidable-utilization', authoredOn: '2026-10-23T10:00:00-07:00', start: '2026-10-26', end: '2027-10-25', priority: 'routine' },
  { n: 11, member: 56, status: 'active', provider: 'ecm-provider-kern-bh', pof: 'smh-sud', authoredOn: '2026-09-04T10:00:00-07:00', start: '2026-09-08', end: '2027-09-07', priority: 'routine' },
  { n: 12, member: 23, status: 'active', provider: 'ecm-provider-eastern-kern', pof: 'ltc-risk', authoredOn: '2026-09-11T10:00:00-07:00', start: '2026-09-14', end: '2027-09-13', priority: 'routine' },
  { n: 13, member: 29, status: 'active', provider: 'ecm-provider-valley-children', pof: 'child-welfare', authoredOn: '2026-03-27T10:00:00-07:00', start: '2026-03-30', end: '2027-03-29', priority: 'routine' },
];

/** The authorized period of ServiceRequest/demo-authorization-{n}. */
export function authorizationPeriod(n: number): { start: string; end: string } {
  const a = AUTHORIZATIONS.find((x) => x.n === n);
  if (!a) throw new Error(`no demo authorization ${n}`);
  return { start: a.start, end: a.end };
}

function authorization(a: AuthorizationSpec): ServiceRequest {
  const sr: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: `demo-authorization-${a.n}`,
    meta: meta('ecm-authorization'),
    status: a.status,
    intent: 'order',
    priority: a.priority,
    category: [concept('ecm-category', 'ecm-authorization', 'ECM authorization')],
    code: concept('ecm-referral-type', 'ecm', 'Enhanced Care Management'),
    subject: ref(`Patient/demo-member-${a.member}`),
    occurrencePeriod: { start: a.start, end: a.end },
    authoredOn: a.authoredOn,
    requester: ref(PLAN),
    performer: [ref(`Organization/${a.provider}`)],
    reasonCode: [concept('ecm-population-of-focus', a.pof)],
  };
  if (a.basedOn) sr.basedOn = [ref(`ServiceRequest/demo-referral-${a.basedOn}`)];
  if (a.note) sr.note = [{ text: a.note }];
  return sr;
}

export function referralResources(): Resource[] {
  const out: Resource[] = [];
  for (const r of REFERRALS) out.push(...referral(r));
  for (const a of AUTHORIZATIONS) out.push(authorization(a));
  const firstContact: Communication = {
    resourceType: 'Communication',
    id: 'demo-outreach-1',
    meta: meta('ecm-outreach'),
    status: 'completed',
    category: [concept('ecm-category', 'outreach', 'Outreach'), concept('ecm-outreach-category', 'outreach-in-person')],
    medium: [concept('ecm-outreach-medium', 'in-person')],
    subject: ref('Patient/demo-member-1'),
    recipient: [ref('Patient/demo-member-1')],
    sender: ref('Practitioner/demo-lcm-1'),
    sent: '2026-09-18T10:30:00-07:00',
    basedOn: [ref('ServiceRequest/demo-authorization-1')],
  };
  out.push(firstContact);
  return out;
}
