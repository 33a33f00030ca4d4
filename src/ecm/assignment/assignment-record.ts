import { newResourceId } from '../../fhir/resource-id.ts';
import type { CodeableConcept, Provenance, ProvenanceEntity } from '@medplum/fhirtypes';
import type { AssignmentDecision, Candidate } from './assignment-order.ts';
import { CS, coding, ref } from './vocabulary.ts';

const PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';

export interface RecordSpec {
  /** What the assignment wrote (version-specific references). */
  targets: string[];
  request: string;
  date: string;
  recorded: string;
  /** Practitioner/x, PractitionerRole/x, or the plan Organization when no user decided. */
  agent: string;
  plan: string;
  settingsProfile: { name: string; version: string };
  /** The winning ASSIGN-ORDER step (or `override`); absent for a Lead Care Manager change. */
  step?: string;
  rules: string[];
  decision?: AssignmentDecision;
  overrideReason?: string;
  /** Free text for what is not a provider choice (a Lead Care Manager change, a change request). */
  activity: string;
}

/** One candidate as a Provenance entity: the service (or organization) considered, its step, outcome and reason coded in entity.agent.role. */
function candidateEntity(c: Candidate): ProvenanceEntity {
  const roles: CodeableConcept[] = [
    { coding: [coding(CS.step, c.step)] },
    { coding: [coding(CS.outcome, c.outcome)] },
    ...(c.reason ? [{ coding: [coding(CS.rejection, c.reason)] }] : []),
  ];
  const display = `${c.step}: ${c.outcome}${c.reason ? ` (${c.reason})` : ''}`;
  return { role: 'source', what: ref(c.service ?? c.provider, display), agent: [{ who: ref(c.provider), role: roles }] };
}

/**
 * The stored decision record of one assignment (ASSIGN-RECORD, DECISION-RECORD): a Provenance on
 * what was written, with the winning step, the rule IDs (ecm-rule codes) and any override reason
 * in `reason`, the deciding user (or the plan) as agent, the settings profile name and version in
 * `activity`, and one `entity` per candidate whose entity.agent.role carries its step, outcome and
 * rejection reason as codes.
 */
export function assignmentRecord(spec: RecordSpec): Provenance & { id: string } {
  // the winning step first; an override carries the plan's reason as its text (ASSIGN-OVERRIDE)
  const step: CodeableConcept[] = spec.step ? [{ coding: [coding(CS.step, spec.step)], ...(spec.overrideReason ? { text: spec.overrideReason } : {}) }] : [];
  const reason: CodeableConcept[] = [...step, ...spec.rules.map((rule) => ({ coding: [coding(CS.rule, rule)] }))];
  return {
    resourceType: 'Provenance',
    id: newResourceId(),
    target: spec.targets.map((t) => ref(t)),
    occurredDateTime: spec.date,
    recorded: spec.recorded,
    reason,
    activity: { text: `${spec.activity} ($ecm-assign, settings profile ${spec.settingsProfile.name} ${spec.settingsProfile.version})` },
    agent: [
      {
        type: { coding: [{ system: PARTICIPANT, code: spec.agent.startsWith('Organization/') ? 'performer' : 'author' }] },
        who: ref(spec.agent),
        ...(spec.agent !== spec.plan ? { onBehalfOf: ref(spec.plan) } : {}),
      },
    ],
    entity: [{ role: 'source', what: ref(spec.request) }, ...(spec.decision?.candidates ?? []).map(candidateEntity)],
  };
}
