import type { CareTeam, CareTeamParticipant } from '@medplum/fhirtypes';
import { careTeamId, enrolledWithLcm } from './enrollments.ts';
import { concept, meta, ref } from './vocabulary.ts';

/**
 * One ECM care team (ecm-care-team) per enrolled member (ASSIGN-LCM-RECORD): the member, the Lead
 * Care Manager's PractitionerRole (it carries the phone and email the plan must store), the PCP and
 * the ECM provider Organization, which also manages the team.
 */

/** Family members who are members too and sit on the team (CM-SUPPORT-PERSONS): child → parent. */
const PARENTS: Record<number, number> = { 14: 13 };

const SNOMED = 'http://snomed.info/sct';

export function careTeamResources(pcpOf: (member: number) => string): CareTeam[] {
  return enrolledWithLcm().map((e) => {
    const patient = `Patient/demo-member-${e.member}`;
    const participant: CareTeamParticipant[] = [
      { role: [{ coding: [{ system: SNOMED, code: '116154003', display: 'Patient' }] }], member: ref(patient) },
      { role: [concept('ecm-role', 'lead-care-manager', 'Lead Care Manager')], member: ref(`PractitionerRole/${e.lcm}-role`), period: { start: e.start } },
      // the PCP's role at their practice (network.ts names it `{practitioner id}-pcp`)
      { role: [concept('ecm-role', 'pcp', 'Primary care provider')], member: ref(`${pcpOf(e.member).replace('Practitioner/', 'PractitionerRole/')}-pcp`) },
      // ecm-role has no code for the provider organization itself
      { role: [{ text: 'ECM provider' }], member: ref(`Organization/${e.provider}`), period: { start: e.start } },
    ];
    const parent = PARENTS[e.member];
    if (parent) participant.push({ role: [concept('ecm-role', 'parent-guardian', 'Parent or guardian')], member: ref(`Patient/demo-member-${parent}`) });
    return {
      resourceType: 'CareTeam',
      id: careTeamId(e.member),
      meta: meta('ecm-care-team'),
      status: 'active',
      category: [concept('ecm-category', 'care-team', 'ECM care team')],
      name: 'ECM care team',
      subject: ref(patient),
      period: { start: e.start },
      participant,
      managingOrganization: [ref(`Organization/${e.provider}`)],
    } satisfies CareTeam;
  });
}
