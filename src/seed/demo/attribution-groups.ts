import type { Group, GroupMember } from '@medplum/fhirtypes';
import { ENROLLMENTS } from './enrollments.ts';
import { PLAN, PROVIDERS } from './network.ts';
import { authorizationPeriod } from './referrals.ts';
import { BASE, EVALUATION_DATE, coding, meta, ref } from './vocabulary.ts';

/**
 * One attribution list (ecm-attribution-group, ASSIGN-LISTS, X-ATR) per plan–provider contract, as
 * of the evaluation date: every member assigned to the provider (waitlisted or enrolled), attributed
 * for the authorized period. As the profile says, managingEntity is the plan and the provider is in
 * ext-attributed-provider (search parameter `attributed-provider`). Delano (capacity 0) and Asian
 * Pacific have no members assigned: their lists are empty.
 */

/** Kern sends new assignments weekly (ASSIGN-LISTS): a member attributed in the last 7 days is `new`. */
const LIST_WEEK_START = '2026-10-25';

export const attributionGroupId = (provider: string) => `demo-attribution-${provider}`;

export function attributionGroupResources(): Group[] {
  return PROVIDERS.map((p) => {
    const member = ENROLLMENTS.filter((e) => e.provider === p.id).map((e): GroupMember => {
      const period = authorizationPeriod(e.authorization);
      const m: GroupMember = { entity: ref(`Patient/demo-member-${e.member}`), period };
      if (period.start >= LIST_WEEK_START && period.start <= EVALUATION_DATE) {
        m.extension = [{ url: `${BASE}/StructureDefinition/ext-attribution-change`, valueCode: 'new' }];
      }
      return m;
    });
    const group: Group = {
      resourceType: 'Group',
      id: attributionGroupId(p.id),
      meta: meta('ecm-attribution-group'),
      extension: [{ url: `${BASE}/StructureDefinition/ext-attributed-provider`, valueReference: ref(`Organization/${p.id}`) }],
      identifier: [{ system: 'https://ecm-fhir.example.org/sid/attribution-list', value: `plan-kern/${p.id}` }],
      active: true,
      type: 'person',
      actual: true,
      code: { coding: [coding('ecm-category', 'attribution', 'ECM attribution list')] },
      name: `ECM members assigned to ${p.name}`,
      quantity: member.length,
      managingEntity: ref(PLAN),
    };
    if (member.length > 0) group.member = member;
    return group;
  });
}
