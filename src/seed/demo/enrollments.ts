import type { EpisodeOfCare } from '@medplum/fhirtypes';
import { concept, meta, ref } from './vocabulary.ts';

/**
 * Who is assigned to which ECM provider: one ECM enrollment (EpisodeOfCare, ecm-enrollment) per
 * member. `waitlist` = assigned and in outreach, not yet enrolled (no Lead Care Manager yet);
 * `active` = enrolled, with the LCM as careManager and the care team in `team`. The care teams,
 * ROI consents and attribution Groups are all derived from this table.
 */
export interface EnrollmentSpec {
  /** EpisodeOfCare/demo-enrollment-{n} */
  n: number;
  member: number;
  /** The ECM provider Organization id. */
  provider: string;
  status: 'active' | 'waitlist';
  /** Enrollment date (active) or assignment date (waitlist). */
  start: string;
  /** ServiceRequest/demo-authorization-{n} (ecm-authorization). */
  authorization: number;
  /** Lead Care Manager Practitioner id (ASSIGN-LCM); only once enrolled. */
  lcm?: string;
}

export const ENROLLMENTS: EnrollmentSpec[] = [
  { n: 1, member: 1, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-09-20', authorization: 1, lcm: 'demo-lcm-1' },
  { n: 2, member: 19, provider: 'ecm-provider-reentry', status: 'active', start: '2026-06-16', authorization: 2, lcm: 'demo-lcm-4' },
  { n: 3, member: 2, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-08-03', authorization: 5, lcm: 'demo-lcm-1' },
  { n: 4, member: 13, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-07-20', authorization: 6, lcm: 'demo-lcm-1' },
  { n: 5, member: 14, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-07-20', authorization: 7, lcm: 'demo-lcm-1' },
  { n: 6, member: 24, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-10-12', authorization: 8, lcm: 'demo-lcm-1' },
  { n: 7, member: 34, provider: 'ecm-provider-bakersfield', status: 'active', start: '2026-06-22', authorization: 9, lcm: 'demo-lcm-1' },
  { n: 8, member: 55, provider: 'ecm-provider-bakersfield', status: 'waitlist', start: '2026-10-26', authorization: 10 },
  { n: 9, member: 56, provider: 'ecm-provider-kern-bh', status: 'active', start: '2026-09-14', authorization: 11, lcm: 'demo-lcm-2' },
  { n: 10, member: 16, provider: 'ecm-provider-kern-bh', status: 'waitlist', start: '2026-10-20', authorization: 4 },
  { n: 11, member: 23, provider: 'ecm-provider-eastern-kern', status: 'active', start: '2026-09-21', authorization: 12, lcm: 'demo-lcm-6' },
  { n: 12, member: 29, provider: 'ecm-provider-valley-children', status: 'active', start: '2026-04-06', authorization: 13, lcm: 'demo-lcm-3' },
];

export const careTeamId = (member: number) => `demo-m${member}-care-team`;

/** Enrolled members with a Lead Care Manager: the ones with a care team. */
export function enrolledWithLcm(): (EnrollmentSpec & { lcm: string })[] {
  return ENROLLMENTS.filter((e): e is EnrollmentSpec & { lcm: string } => e.status === 'active' && e.lcm !== undefined);
}

function enrollment(e: EnrollmentSpec): EpisodeOfCare {
  const eoc: EpisodeOfCare = {
    resourceType: 'EpisodeOfCare',
    id: `demo-enrollment-${e.n}`,
    meta: meta('ecm-enrollment'),
    status: e.status,
    type: [concept('ecm-category', 'enrollment', 'ECM enrollment')],
    patient: ref(`Patient/demo-member-${e.member}`),
    managingOrganization: ref(`Organization/${e.provider}`),
    period: { start: e.start },
    referralRequest: [ref(`ServiceRequest/demo-authorization-${e.authorization}`)],
  };
  if (e.lcm) {
    eoc.careManager = ref(`Practitioner/${e.lcm}`);
    eoc.team = [ref(`CareTeam/${careTeamId(e.member)}`)];
  }
  return eoc;
}

export function enrollmentResources(): EpisodeOfCare[] {
  return ENROLLMENTS.map(enrollment);
}
