import type { CodeableConcept, Provenance, ServiceRequest } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { assignmentDueFor, withAssignmentDue } from '../assignment/assignment-due.ts';
import type { SettingsProfile } from '../settings/settings-profile.ts';
import { ruleCoding } from './authorization-resource.ts';
import type { AuthorizationDecision } from './decide-authorization.ts';
import type { DecideInput } from './decide-input.ts';

/**
 * What a decision changes and records (DECISION-RECORD), pure: the authorization's new version and
 * the Provenance naming the reviewer, the decision, the rule IDs, the settings profile and the
 * evidence.
 */

export const DECISION_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-auth-decision`;
const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
const ROLE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-role`;

const PAST: Record<DecideInput['decision'], string> = { approve: 'Approved', deny: 'Denied', 'pend-review': 'Pended for case-by-case review' };

/** The settings profile a decision used, as Provenance.policy: `<base>/settings-profile/<name>|<version>`. */
export function settingsProfilePolicy(profile: { name: string; version: string }): string {
  return `${CANONICAL_BASE}/settings-profile/${profile.name}|${profile.version}`;
}

/**
 * The authorization after the decision: status; on approval the authorized period; on approval or
 * denial authoredOn = the decision time; the priority when `expedited` was given; and a note with
 * the reviewer, the reason, the rules and the settings profile.
 */
export function decidedAuthorization(
  authorization: ServiceRequest & { id: string },
  decision: AuthorizationDecision,
  input: DecideInput,
  profile: SettingsProfile,
): ServiceRequest & { id: string } {
  const next: ServiceRequest & { id: string } = { ...authorization, status: decision.status };
  if (decision.period) next.occurrencePeriod = decision.period;
  if (input.decision !== 'pend-review') next.authoredOn = input.decidedAt;
  if (input.expedited === true && next.priority !== 'asap' && next.priority !== 'stat') next.priority = 'urgent';
  if (input.expedited === false) next.priority = 'routine';
  // ASSIGN-TAT runs from the approval: an approved request not yet assigned carries its
  // assignment due date, so `ServiceRequest?assignment-due=lt<today>&performer:missing=true` finds it
  const assignmentDue = next.performer?.length ? undefined : assignmentDueFor(next, profile.settings);
  const decided = assignmentDue ? withAssignmentDue(next, assignmentDue) : next;
  const period = decision.period ? ` for ${decision.period.start} through ${decision.period.end}` : '';
  const why = input.reason ? `: ${input.reason}` : '';
  decided.note = [
    ...(authorization.note ?? []),
    {
      time: input.decidedAt,
      text: `${PAST[input.decision]} by ${input.reviewer.reference}${period}${why}. ${decision.criteria.reason}. Rules ${decision.rules.join(', ')}; settings profile ${profile.name} ${profile.version}.`,
    },
  ];
  return decided;
}

export interface ProvenanceFacts {
  id: string;
  authorizationId: string;
  /** The version the decision writes (the current one + 1: the write is pinned to the current one). */
  authorizationVersion: number;
  decision: AuthorizationDecision;
  input: DecideInput;
  profile: SettingsProfile;
  /** The plan (the authorization's requester, AUTH-CENTRAL), for whom the reviewer acts. */
  plan?: { reference?: string };
  reviewerRole?: string;
  /** Resources the decision rests on: the referral, a renewed authorization, eligibility evidence. */
  sources: string[];
  revises?: string;
  recordedAt: string;
}

/** DECISION-RECORD: who decided what, when, why, under which settings profile and rules, on which evidence. */
export function decisionProvenance(f: ProvenanceFacts): Provenance & { id: string } {
  const reason: CodeableConcept[] = [...f.decision.rules.map((rule) => ({ coding: [ruleCoding(rule)] })), ...(f.input.reason ? [{ text: f.input.reason }] : [])];
  const entity: Provenance['entity'] = [
    ...[...new Set(f.sources)].map((what) => ({ role: 'source' as const, what: { reference: what } })),
    ...(f.revises ? [{ role: 'revision' as const, what: { reference: f.revises } }] : []),
  ];
  return {
    resourceType: 'Provenance',
    id: f.id,
    target: [{ reference: `ServiceRequest/${f.authorizationId}/_history/${f.authorizationVersion}` }],
    occurredDateTime: f.input.decidedAt,
    recorded: f.recordedAt,
    policy: [settingsProfilePolicy(f.profile)],
    reason,
    activity: { coding: [{ system: DECISION_SYSTEM, code: f.input.decision }] },
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT_TYPE, code: 'author', display: 'Author' }] },
        ...(f.reviewerRole ? { role: [{ coding: [{ system: ROLE_SYSTEM, code: f.reviewerRole }] }] } : {}),
        who: f.input.reviewer,
        ...(f.plan?.reference ? { onBehalfOf: { reference: f.plan.reference } } : {}),
      },
    ],
    ...(entity.length > 0 ? { entity } : {}),
  };
}
