import { createHash } from 'node:crypto';
import type { Flag, Group, Patient } from '@medplum/fhirtypes';
import type { WriteOp } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { EligibilityInput } from '../eligibility/eligibility-input.ts';
import { decideMember, type MemberDecision } from '../eligibility/member-decision.ts';
import type { MemberEvidence } from '../eligibility/member-evidence.ts';
import { pofRecordWrites } from '../eligibility/persist-pof-records.ts';
import { planCmFollowUps } from '../eligibility/plan-cm-task.ts';
import { cinOf, eligibleCsv, eligibleGroup, eligibleNdjson, type ListEntry } from './eligible-list.ts';
import { memberBatches, memberCount, type MemberSource } from './population-members.ts';
import { loadPopulationEvidence } from './population-evidence.ts';
import { byPriority, priorityOf } from './priority-score.ts';

export interface PopulationOutput {
  date: string;
  /** Members evaluated (Patients read with at least one Coverage). */
  evaluated: number;
  /** Group members or Patients looked at but not evaluated: not found, not visible, or no Coverage. */
  skipped: number;
  entries: ListEntry[];
  /** `Group/<id>/_history/<version>` of the list Group written. */
  group: string;
  groupResource: Group;
  csv: string;
  ndjson: string;
  /** With persist: the POF Condition and Flag versions written. */
  written: string[];
}

export class CancelledError extends Error {}

/** The list Group's id: one per month and population, so next month's run is a new Group and a rerun a new version. */
export function listGroupId(date: string, source: MemberSource): string {
  const month = date.slice(0, 7);
  if (source.kind === 'all') return `ecm-eligible-${month}`;
  const id = `ecm-eligible-${month}-${source.group.id}`;
  return id.length <= 64 ? id : `ecm-eligible-${month}-${createHash('sha256').update(source.group.id).digest('hex').slice(0, 32)}`;
}

/** Decisions for members whose evidence is loaded (the per-member decision function, member by member). */
function decideLoaded(ctx: FhirContext, patients: (Patient & { id: string })[], evidenceById: Map<string, MemberEvidence>, input: EligibilityInput): { evidence: MemberEvidence; decided: MemberDecision }[] {
  const out: { evidence: MemberEvidence; decided: MemberDecision }[] = [];
  for (const patient of patients) {
    const evidence = evidenceById.get(patient.id)!;
    const decided = decideMember(evidence, input.date, ctx.conformance, input.settingsProfile);
    if (decided) out.push({ evidence, decided });
  }
  return out;
}

/** Decisions for a batch of members from their set-loaded evidence (the per-member decision function). */
export async function decideBatch(ctx: FhirContext, patients: (Patient & { id: string })[], input: EligibilityInput): Promise<{ evidence: MemberEvidence; decided: MemberDecision }[]> {
  return decideLoaded(ctx, patients, await loadPopulationEvidence(ctx, patients), input);
}

type LoadedBatch = { patients: (Patient & { id: string })[]; seen: number; evidence: Map<string, MemberEvidence> };

/**
 * Batches loaded ahead of the one being decided. Two: deciding a batch holds the event loop, so
 * the batch right after it has usually only got its Patients when the decision ends; the one
 * after that keeps PostgreSQL busy meanwhile.
 */
const LOAD_AHEAD = 2;

/**
 * The member batches with their evidence, the next ones loading while the current one is decided,
 * so PostgreSQL reads while this process evaluates. Reading ahead is safe with persist: a batch
 * writes POF records in its own members' compartments only, which no other batch's evidence
 * includes.
 */
async function* loadedBatches(ctx: FhirContext, source: MemberSource): AsyncGenerator<LoadedBatch> {
  const batches = memberBatches(ctx, source);
  // An async generator queues next() calls: the loads get consecutive batches.
  const load = async (): Promise<LoadedBatch | undefined> => {
    const next = await batches.next();
    if (next.done) return undefined;
    return { ...next.value, evidence: await loadPopulationEvidence(ctx, next.value.patients) };
  };
  const ahead: Promise<LoadedBatch | undefined>[] = [];
  const fill = () => {
    while (ahead.length < LOAD_AHEAD) {
      const loading = load();
      // Awaited in turn; a run that stops first (cancelled, failed) must not leave one unhandled.
      loading.catch(() => undefined);
      ahead.push(loading);
    }
  };
  try {
    for (fill(); ; fill()) {
      const current = await ahead.shift()!;
      if (!current) return;
      yield current;
    }
  } finally {
    await Promise.all(ahead.map((loading) => loading.catch(() => undefined)));
    await batches.return(undefined);
  }
}

/**
 * The population run (identification.md "Population run"): members in batches of 200, evidence
 * loaded set-based (the next batch's while the current one is decided), each member decided
 * exactly as Patient/[id]/$ecm-eligibility decides it, scored (ID-STRAT), then the list Group
 * written and the CSV / NDJSON built. Members without a Coverage are not evaluated (ELIG-BASE
 * cannot hold). `progress` is called (and awaited) after every batch; an aborted `signal` stops
 * the run between batches and before the list is written (nothing more is written).
 */
export async function runPopulation(
  ctx: FhirContext,
  source: MemberSource,
  input: EligibilityInput,
  progress: (done: number, total: number) => void | Promise<void>,
  signal: AbortSignal,
): Promise<PopulationOutput> {
  const total = await memberCount(ctx, source);
  await progress(0, total);
  let done = 0;
  let evaluated = 0;
  const eligible: Omit<ListEntry, 'rank'>[] = [];
  const written: string[] = [];
  for await (const batch of loadedBatches(ctx, source)) {
    if (signal.aborted) throw new CancelledError('cancelled');
    const decided = decideLoaded(ctx, batch.patients, batch.evidence, input).filter((d) => d.evidence.coverages.length > 0);
    evaluated += decided.length;
    const ops: WriteOp[] = [];
    for (const { evidence, decided: { decision, profile, payors } } of decided) {
      if (input.persist) {
        const author: Flag['author'] = payors[0] ? { reference: payors[0] } : undefined;
        ops.push(...pofRecordWrites(evidence, decision, author));
      }
      if (!decision.eligible) continue;
      eligible.push({ memberId: evidence.patient.id, cin: cinOf(evidence.patient), priority: priorityOf(decision, evidence, profile.settings.priority), decision });
    }
    if (input.persist) ops.push(...(await planCmFollowUps(ctx.repo, ctx.access, decided.map((d) => ({ patientId: d.evidence.patient.id, decision: d.decided.decision, payors: d.decided.payors })))));
    if (ops.length > 0) {
      const results = await ctx.repo.write(ctx.access, ops);
      written.push(...results.map((r) => `${r.stored.resourceType}/${r.stored.id}/_history/${r.stored.versionId}`));
    }
    done += batch.seen;
    await progress(Math.min(done, Math.max(total, done)), Math.max(total, done));
  }
  if (signal.aborted) throw new CancelledError('cancelled');
  const entries: ListEntry[] = eligible
    .sort((a, b) => byPriority({ score: a.priority.score, memberId: a.memberId }, { score: b.priority.score, memberId: b.memberId }))
    .map((e, i) => ({ ...e, rank: i + 1 }));
  const group = eligibleGroup(listGroupId(input.date, source), input.date, entries);
  const [result] = await ctx.repo.write(ctx.access, [{ kind: 'update', resource: group }]);
  return {
    date: input.date,
    evaluated,
    skipped: done - evaluated,
    entries,
    group: `Group/${result.stored.id}/_history/${result.stored.versionId}`,
    groupResource: JSON.parse(result.stored.json!) as Group,
    csv: eligibleCsv(entries),
    ndjson: eligibleNdjson(entries),
    written,
  };
}
