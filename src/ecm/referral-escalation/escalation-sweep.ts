import { newResourceId } from '../../fhir/resource-id.ts';
import type { CodeableConcept, Organization, Task } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { Repository, SearchCriterion, StoredResource, WriteOp } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { parseDateValue } from '../../fhir/search/date-prefix.ts';
import { applyWriteRules, writeWithRules } from '../../fhir/write-rules.ts';
import { noticeMedium } from '../authorization/decision-notices.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { settingsProfileForPayors } from '../settings/settings-profile.ts';
import { escalatedTask, escalationTask, needsEscalation, overdueNotice } from './escalation-records.ts';
import { ESCALATE_OPERATION, ESCALATED_TAG, ORGANIZATION_TYPE_SYSTEM, TASK_CODE_SYSTEM } from './escalation-vocabulary.ts';

/** Overdue Tasks read and escalated per database transaction. */
export const SWEEP_BATCH = 500;
/** Batches written at once. */
const PARALLEL_BATCHES = 2;
/** Times a batch is read again and retried when a Task in it changed meanwhile (412). */
const CONFLICT_RETRIES = 3;

export interface EscalatedReferral {
  task: string;
  escalation: string;
  notice?: string;
}

export interface SweepResult {
  escalated: EscalatedReferral[];
  /** Tasks a write rule refused to tag, with the reason (each is left as it was). */
  refused: { task: string; reason: string }[];
  batches: number;
}

export interface SweepOptions {
  batchSize?: number;
  /** Stop between batches (the process is shutting down); the next sweep picks up the rest. */
  signal?: AbortSignal;
}

interface StoredTask {
  task: Task & { id: string };
  versionId: number;
  stored: StoredResource;
}

/**
 * CLR-ESCALATE: escalates every referral Task (code task-code#fulfill) still `requested` whose
 * response due date (restriction.period.end, search parameter `due-date`) has passed at `now`
 * and that is not tagged escalated yet. Set-based: overdue Tasks are read a page of `batchSize`
 * at a time (keyset paging) and each page is written in one transaction, through the write rules
 * as operation `clr-escalate`: the Task tagged, a clr-escalation Task for the plan, a
 * referral-overdue notice to the owner. Each update is pinned to the version read, so a Task
 * answered meanwhile is not escalated; a second sweep finds nothing new (the tag).
 */
export async function sweepOverdueReferrals(ctx: FhirContext, now: Date, options: SweepOptions = {}): Promise<SweepResult> {
  const fhir: FhirContext = { ...ctx, access: systemAccess };
  const batchSize = options.batchSize ?? SWEEP_BATCH;
  // status first: on a tie of sizes the search walks the first criterion's index in id order, and
  // requested Tasks are a small part of all referral Tasks (most are closed)
  const criteria: SearchCriterion[] = [
    { kind: 'token', param: 'status', values: [{ code: 'requested' }] },
    { kind: 'token', param: 'code', values: [{ system: TASK_CODE_SYSTEM, code: 'fulfill' }] },
    // a superset: a date without time is checked against the local day below (isOverdue)
    { kind: 'date', param: 'due-date', values: [parseDateValue('due-date', `lt${now.toISOString()}`)] },
    { kind: 'token', param: '_tag', values: [{ system: ESCALATED_TAG.system, code: ESCALATED_TAG.code }], not: true },
  ];
  const context = new EscalationContext(fhir, now);
  const result: SweepResult = { escalated: [], refused: [], batches: 0 };
  // a batch is written while the next page is read, and two batches may be written at once
  // (different Tasks: they never conflict), so PostgreSQL can use a second core
  const writing = new Set<Promise<void>>();
  let failure: unknown;
  const start = (overdue: StoredTask[]) => {
    const done: Promise<void> = escalateBatch(context, overdue)
      .then(
        (r) => {
          result.escalated.push(...r.escalated);
          result.refused.push(...r.refused);
          result.batches++;
        },
        (err: unknown) => {
          failure ??= err;
        },
      )
      .then(() => void writing.delete(done));
    writing.add(done);
  };
  let cursor: string | undefined;
  do {
    if (options.signal?.aborted || failure !== undefined) break;
    const page = await fhir.repo.search(systemAccess, { resourceType: 'Task', criteria, count: batchSize, offset: 0, cursor, total: false });
    const overdue: StoredTask[] = [];
    for (const s of page.resources) {
      if (!s.json) continue;
      const task = JSON.parse(s.json) as Task & { id: string };
      if (needsEscalation(task, now)) overdue.push({ task, versionId: s.versionId, stored: s });
    }
    if (overdue.length > 0) start(overdue);
    while (writing.size >= PARALLEL_BATCHES) await Promise.race(writing);
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  await Promise.all(writing);
  if (failure !== undefined) throw failure;
  return result;
}

/** What one sweep looks up once: which Organizations are plans, and each plan's notice medium. */
class EscalationContext {
  private readonly planOrgs = new Set<string>();
  private readonly lookups = new Map<string, Promise<void>>();
  private readonly media = new Map<string, CodeableConcept[]>();
  readonly nowText: string;

  constructor(
    readonly fhir: FhirContext,
    readonly now: Date,
  ) {
    this.nowText = now.toISOString();
  }

  /** Reads the Organizations (requesters) not seen yet, 100 ids a search; batches written at once share the lookups. */
  async learnPlans(tasks: StoredTask[]): Promise<void> {
    const ids = [...new Set(tasks.map((t) => orgId(t.task.requester?.reference)).filter((id): id is string => !!id))];
    const unseen = ids.filter((id) => !this.lookups.has(id));
    for (let i = 0; i < unseen.length; i += 100) {
      const chunk = unseen.slice(i, i + 100);
      const lookup = this.lookUp(chunk);
      for (const id of chunk) this.lookups.set(id, lookup);
    }
    await Promise.all(ids.map((id) => this.lookups.get(id)));
  }

  private async lookUp(ids: string[]): Promise<void> {
    const page = await this.fhir.repo.search(systemAccess, { resourceType: 'Organization', criteria: [{ kind: 'id', ids }], count: ids.length, offset: 0, total: false });
    for (const s of page.resources) {
      const org = s.json ? (JSON.parse(s.json) as Organization) : undefined;
      if ((org?.type ?? []).some((t) => t.coding?.some((c) => c.system === ORGANIZATION_TYPE_SYSTEM && c.code === 'pay'))) this.planOrgs.add(s.id);
    }
  }

  /**
   * The plan whose staff follow up: the requester when it is a plan (Organization.type `pay`) or
   * the Task is the plan's child Task (partOf, intermediary pattern); otherwise the owner (the
   * plan's own Task, from the referrer).
   */
  planOf(task: Task): string | undefined {
    const requester = task.requester?.reference;
    const requesterId = orgId(requester);
    if (requesterId && (this.planOrgs.has(requesterId) || (task.partOf?.length ?? 0) > 0)) return `Organization/${requesterId}`;
    const ownerId = orgId(task.owner?.reference);
    return ownerId ? `Organization/${ownerId}` : undefined;
  }

  mediumFor(plan: string | undefined): CodeableConcept[] {
    const key = plan ?? '';
    let medium = this.media.get(key);
    if (!medium) {
      medium = noticeMedium(settingsProfileForPayors(plan ? [plan] : [], localDateOf(this.now)), false);
      this.media.set(key, medium);
    }
    return medium;
  }
}

function orgId(reference: string | undefined): string | undefined {
  return /(?:^|\/)Organization\/([A-Za-z0-9\-.]{1,64})$/.exec(reference ?? '')?.[1];
}

interface Planned {
  source: StoredTask;
  ops: WriteOp[];
  escalated: EscalatedReferral;
}

function plan(context: EscalationContext, source: StoredTask): Planned {
  const planRef = context.planOf(source.task);
  const facts = { task: source.task, plan: planRef, now: context.nowText, escalationId: newResourceId(), noticeId: newResourceId(), medium: context.mediumFor(planRef) };
  const escalation = escalationTask(facts);
  const notice = overdueNotice(facts);
  const ops: WriteOp[] = [
    { kind: 'update', resource: escalatedTask(source.task), ifMatch: source.versionId },
    { kind: 'create', resource: escalation },
    ...(notice ? [{ kind: 'create' as const, resource: notice }] : []),
  ];
  return { source, ops, escalated: { task: `Task/${source.task.id}`, escalation: `Task/${escalation.id}`, ...(notice ? { notice: `Communication/${notice.id}` } : {}) } };
}

/**
 * Writes one batch in one transaction, every op through the write rules as `clr-escalate`. The
 * rules' read of each Task's previous version is answered from the page just read: the update is
 * pinned to that version (If-Match), so the rules judge exactly the version the write replaces,
 * and a batch of 500 saves 500 round trips.
 */
async function writeBatch(context: EscalationContext, planned: Planned[]): Promise<void> {
  await context.fhir.repo.transaction(async (repo) => {
    const known = new Map(planned.map((p) => [p.source.task.id, p.source.stored]));
    const tx: FhirContext = { ...context.fhir, repo: withKnownTasks(repo, known) };
    const ops: WriteOp[] = [];
    for (const p of planned) for (const op of p.ops) ops.push(await applyWriteRules(tx, op, ESCALATE_OPERATION));
    await writeWithRules(repo, systemAccess, ops);
  });
}

/** The repository, with reads of these Tasks answered from the versions already read. */
function withKnownTasks(repo: Repository, known: Map<string, StoredResource>): Repository {
  return {
    read: async (access, resourceType, id) => (resourceType === 'Task' && known.get(id)) || repo.read(access, resourceType, id),
    vread: (...args) => repo.vread(...args),
    write: (...args) => repo.write(...args),
    history: (...args) => repo.history(...args),
    search: (...args) => repo.search(...args),
    transaction: (fn) => repo.transaction(fn),
    lockIfFree: (...args) => repo.lockIfFree(...args),
    reindex: (...args) => repo.reindex(...args),
  };
}

/**
 * One batch. A Task changed since it was read (412) makes the batch read its Tasks again and
 * retry with those still to escalate; a write rule refusing one Task makes the batch go Task by
 * Task, so the others are still escalated and the refused one is reported.
 */
async function escalateBatch(context: EscalationContext, batch: StoredTask[]): Promise<Pick<SweepResult, 'escalated' | 'refused'>> {
  await context.learnPlans(batch);
  let tasks = batch;
  for (let attempt = 0; ; attempt++) {
    const planned = tasks.map((t) => plan(context, t));
    try {
      await writeBatch(context, planned);
      return { escalated: planned.map((p) => p.escalated), refused: [] };
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      if (err.status === 412 && attempt < CONFLICT_RETRIES) {
        tasks = await reread(context, tasks);
        if (tasks.length === 0) return { escalated: [], refused: [] };
        continue;
      }
      return oneByOne(context, await reread(context, tasks));
    }
  }
}

async function oneByOne(context: EscalationContext, tasks: StoredTask[]): Promise<Pick<SweepResult, 'escalated' | 'refused'>> {
  const out: Pick<SweepResult, 'escalated' | 'refused'> = { escalated: [], refused: [] };
  for (const t of tasks) {
    const p = plan(context, t);
    try {
      await writeBatch(context, [p]);
      out.escalated.push(p.escalated);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      out.refused.push({ task: `Task/${t.task.id}`, reason: err.message });
    }
  }
  return out;
}

/** The current versions of these Tasks that still need escalating. */
async function reread(context: EscalationContext, tasks: StoredTask[]): Promise<StoredTask[]> {
  const ids = tasks.map((t) => t.task.id);
  const page = await context.fhir.repo.search(systemAccess, { resourceType: 'Task', criteria: [{ kind: 'id', ids }], count: ids.length, offset: 0, total: false });
  const out: StoredTask[] = [];
  for (const s of page.resources) {
    if (!s.json) continue;
    const task = JSON.parse(s.json) as Task & { id: string };
    if (needsEscalation(task, context.now)) out.push({ task, versionId: s.versionId, stored: s });
  }
  return out;
}
