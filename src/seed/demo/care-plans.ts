import type { CarePlan, Goal, Resource } from '@medplum/fhirtypes';
import { ENROLLMENTS, careTeamId } from './enrollments.ts';
import { concept, meta, ref } from './vocabulary.ts';

/**
 * Individualized Care Plans (ecm-care-plan) with member-prioritized goals (ecm-goal) in the ICP
 * domains (CM-ICP-MIN) for a few enrolled members; member 19's is the reentry plan carried into
 * the community (JI-PLAN). Author: the Lead Care Manager; the PCP is the clinical reviewer.
 */
interface GoalSpec {
  domain: string;
  text: string;
  priority: 'high-priority' | 'medium-priority' | 'low-priority';
  due: string;
}

interface IcpSpec {
  member: number;
  start: string;
  goals: GoalSpec[];
  /** Needs the plan addresses (the member's diagnoses in the seed). */
  addresses?: string[];
}

const ICPS: IcpSpec[] = [
  {
    member: 1,
    start: '2026-09-25',
    goals: [
      { domain: 'physical-health', text: 'See my primary care doctor instead of the emergency room for problems that are not emergencies', priority: 'high-priority', due: '2027-03-31' },
      { domain: 'health-promotion', text: 'Know where to get same-day care: the nurse advice line and urgent care', priority: 'medium-priority', due: '2026-12-31' },
    ],
  },
  {
    member: 24,
    start: '2026-10-20',
    goals: [
      { domain: 'transitional-care', text: 'Move home from Oak Meadows with supports in place', priority: 'high-priority', due: '2027-01-31' },
      { domain: 'ltss', text: 'Have in-home personal care arranged before discharge', priority: 'high-priority', due: '2026-12-15' },
    ],
  },
  {
    member: 19,
    start: '2026-06-30',
    goals: [
      { domain: 'sud', text: 'Keep taking medication for opioid use disorder without a gap after release', priority: 'high-priority', due: '2026-12-31' },
      { domain: 'community-and-social-services', text: 'Find stable housing', priority: 'medium-priority', due: '2027-03-31' },
    ],
    addresses: ['Condition/demo-m19-dx-1'],
  },
];

function icp(spec: IcpSpec, pcpOf: (member: number) => string): Resource[] {
  const enrollment = ENROLLMENTS.find((e) => e.member === spec.member && e.lcm);
  if (!enrollment?.lcm) throw new Error(`care plan for member ${spec.member} without an enrollment with a Lead Care Manager`);
  const patient = ref(`Patient/demo-member-${spec.member}`);
  const goals = spec.goals.map(
    (g, i): Goal => ({
      resourceType: 'Goal',
      id: `demo-m${spec.member}-goal-${i + 1}`,
      meta: meta('ecm-goal'),
      lifecycleStatus: 'active',
      category: [concept('ecm-icp-domain', g.domain)],
      priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/goal-priority', code: g.priority }] },
      description: { text: g.text },
      subject: patient,
      startDate: spec.start,
      target: [{ dueDate: g.due }],
      expressedBy: patient,
    }),
  );
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: `demo-m${spec.member}-icp`,
    meta: meta('ecm-care-plan'),
    status: 'active',
    intent: 'plan',
    category: [
      concept('ecm-category', 'care-plan', 'Individualized Care Plan'),
      { coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', code: 'assess-plan', display: 'Assessment and Plan of Treatment' }] },
    ],
    title: 'Individualized Care Plan',
    subject: patient,
    period: { start: spec.start },
    created: spec.start,
    author: ref(`Practitioner/${enrollment.lcm}`),
    contributor: [ref(`Practitioner/${enrollment.lcm}`), ref(pcpOf(spec.member))],
    careTeam: [ref(`CareTeam/${careTeamId(spec.member)}`)],
    supportingInfo: [ref(`EpisodeOfCare/demo-enrollment-${enrollment.n}`)],
    goal: goals.map((g) => ref(`Goal/${g.id}`)),
  };
  if (spec.addresses) plan.addresses = spec.addresses.map((a) => ref(a));
  return [...goals, plan];
}

export function carePlanResources(pcpOf: (member: number) => string): Resource[] {
  return ICPS.flatMap((spec) => icp(spec, pcpOf));
}
