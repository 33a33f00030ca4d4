import type { Group, Provenance, ProvenanceAgent, Task } from '@medplum/fhirtypes';
import type { WriteOp } from '../../fhir/repository.ts';
import { newAttributionGroup, withMemberAssigned, withMemberDropped } from '../assignment/attribution-group.ts';
import { endOfLocalDay } from '../authorization/decision-due.ts';
import { addCalendarDays } from '../calendar/deadlines.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { TASK_FLAG_SYSTEM, ruleCoding } from './escalation-vocabulary.ts';
import type { MoveListFacts } from './move-list-facts.ts';
import type { MoveListInput } from './move-list-input.ts';

/**
 * What moving a provider's list writes (CLR-LIST-REMOVAL, CLR-REASSIGN), pure: each open referral
 * Task re-owned by the new provider, the members' attribution entries dropped from the plan's
 * Group for the old provider and added to the Group for the new one, and the Provenance.
 */

export interface MoveListWrites {
  ops: WriteOp[];
  tasks: string[];
  members: string[];
  fromGroup?: string;
  toGroup?: string;
  provenance: Provenance & { id: string };
}

/**
 * The Task owned by the new provider, with a note saying so. A Task still `requested` starts a new
 * response clock for its new owner: the escalated tag goes and the due date becomes the end of the
 * day referralResponseDays calendar days after the move (unchanged when the plan sets none).
 */
export function movedTask(task: Task & { id: string }, facts: MoveListFacts, input: MoveListInput): Task & { id: string } {
  const from = `Organization/${facts.provider.resource.id}`;
  const next: Task & { id: string } = {
    ...task,
    owner: { reference: input.to },
    lastModified: input.date,
    note: [...(task.note ?? []), { time: input.date, text: `Moved from ${from} to ${input.to} (CLR-LIST-REMOVAL): ${input.reason}` }],
  };
  if (task.status !== 'requested') return next;
  const { tag, versionId: _v, lastUpdated: _l, ...meta } = task.meta ?? {};
  const tags = (tag ?? []).filter((t) => t.system !== TASK_FLAG_SYSTEM);
  next.meta = { ...meta, ...(tags.length > 0 ? { tag: tags } : {}) };
  const days = facts.profile.settings.referralResponseDays;
  if (days === null) return next;
  // the same form as the lifecycle rule's due date (CLR-STATUS): the end of the due day, local time
  const due = endOfLocalDay(addCalendarDays(input.date, days));
  next.restriction = { ...task.restriction, period: { ...task.restriction?.period, end: due } };
  return next;
}

export function moveListWrites(facts: MoveListFacts, input: MoveListInput, ids: { provenance: string }, recordedAt: string, agent: ProvenanceAgent['who']): MoveListWrites {
  const ops: WriteOp[] = [];
  const targets: string[] = [];
  const tasks: string[] = [];
  for (const t of facts.openTasks) {
    ops.push({ kind: 'update', resource: movedTask(t.resource, facts, input), ifMatch: t.versionId });
    tasks.push(`Task/${t.resource.id}`);
    targets.push(`Task/${t.resource.id}/_history/${t.versionId + 1}`);
  }

  const date = localDateOf(input.date);
  const members: string[] = [];
  let fromGroup: string | undefined;
  let toGroup: string | undefined;
  const active = (facts.fromGroup?.resource.member ?? []).filter((m) => !m.inactive && (!m.period?.end || m.period.end >= date) && m.entity?.reference);
  if (facts.plan && facts.fromGroup && active.length > 0) {
    let dropped: Group & { id: string } = facts.fromGroup.resource;
    let added: Group & { id: string } = facts.toGroup?.resource ?? newAttributionGroup(facts.plan, input.to, facts.to.resource.name);
    for (const m of active) {
      const patient = m.entity!.reference!;
      dropped = withMemberDropped(dropped, patient, date);
      added = withMemberAssigned(added, patient, m.period?.end && m.period.end >= date ? { start: date, end: m.period.end } : { start: date });
      members.push(patient);
    }
    ops.push({ kind: 'update', resource: dropped, ifMatch: facts.fromGroup.versionId });
    targets.push(`Group/${dropped.id}/_history/${facts.fromGroup.versionId + 1}`);
    ops.push(facts.toGroup ? { kind: 'update', resource: added, ifMatch: facts.toGroup.versionId } : { kind: 'create', resource: added });
    targets.push(`Group/${added.id}/_history/${facts.toGroup ? facts.toGroup.versionId + 1 : 1}`);
    fromGroup = `Group/${dropped.id}`;
    toGroup = `Group/${added.id}`;
  }

  const provenance: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: ids.provenance,
    target: targets.length > 0 ? targets.map((reference) => ({ reference })) : [{ reference: `Organization/${facts.provider.resource.id}` }],
    occurredDateTime: input.date,
    recorded: recordedAt,
    policy: [`https://ecm-fhir.example.org/fhir/settings-profile/${facts.profile.name}|${facts.profile.version}`],
    reason: [{ coding: [ruleCoding('CLR-LIST-REMOVAL')] }, { coding: [ruleCoding('CLR-REASSIGN')] }, { text: input.reason }],
    activity: { text: `Provider list moved from Organization/${facts.provider.resource.id} to ${input.to}` },
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
        who: agent,
        ...(facts.plan ? { onBehalfOf: { reference: facts.plan } } : {}),
      },
    ],
    entity: [...facts.technicalAssistance, ...facts.failureNotices].map((reference) => ({ role: 'source' as const, what: { reference } })),
  };
  ops.push({ kind: 'create', resource: provenance });
  return { ops, tasks, members, fromGroup, toGroup, provenance };
}
