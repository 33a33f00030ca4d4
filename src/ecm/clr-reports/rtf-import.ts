import type { Task } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { WriteOp } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { applyWriteRules, writeWithRules } from '../../fhir/write-rules.ts';
import { RTF_IMPORT_OPERATION } from '../referral/referral-task-write-rule.ts';
import { referenceKey } from '../referral/referral-task.ts';
import { actsFor, actsForEveryOrganization } from './organizations.ts';
import { PrefetchedRepository } from './prefetched-repository.ts';
import { type Stored } from '../assignment/search-all.ts';
import { idOf } from '../assignment/vocabulary.ts';
import { forEachStored, prefetchByReference } from './read-by-id.ts';
import { type Resolved, resolveRows } from './rtf-resolve.ts';
import { describeChange, rtfRowChange } from './rtf-row-update.ts';
import type { ParsedRow, RtfRow } from './rtf-rows.ts';
import type { RtfVocabulary } from './rtf-vocabulary.ts';

export type RowOutcome = 'updated' | 'unchanged' | 'failed' | 'forbidden';

export interface RowResult {
  line: number;
  outcome: RowOutcome;
  /** `Task/x` once the row's referral is known. */
  referral?: string;
  /** The ECM rule a refusal names (e.g. X-GRAVITY). */
  rule?: string;
  message?: string;
}

/** Rows resolved and written together: their lookups are a few searches, their writes one repository write. */
const CHUNK_ROWS = 1000;
/** Rows whose write rules run at once (each reads the Task it judges; the pool has 16 connections). */
const PREPARE_CONCURRENCY = 8;
/** Rows per repository write: the next group is judged while one is written. */
const WRITE_GROUP_ROWS = 250;
/** Tries of a row written alone when a concurrent write keeps getting in between. */
const MAX_ATTEMPTS = 3;

interface Pending {
  row: RtfRow;
  before: Stored<Task>;
  next: Task & { id: string };
}

/**
 * Applies the rows of a Return Transmission File to their referral Tasks (X-CLR-RTF), each row on
 * its own: a row that fails (unknown CIN or provider, bad value, a move the lifecycle refuses)
 * is reported and changes nothing, and never stops or alters another row. Rows run in file order;
 * a Task named by several rows takes them one after the other.
 *
 * How 50,000 rows stay in the order of a minute (bench/RTF-RESULTS.md): rows go in chunks of
 * CHUNK_ROWS, whose referrals are found with a few searches (rtf-resolve.ts), and what the write
 * rules read for each row is fetched for the whole chunk beforehand (prefetched-repository.ts).
 * Each row's update is still judged on its own by the write rules (`applyWriteRules` with
 * operation `ecm-rtf-import`, so the lifecycle rule decides, X-GRAVITY), which refuses a bad row
 * before anything is written. The updates that pass, one per Task, are then written
 * WRITE_GROUP_ROWS at a time in one repository write — a few set-based statements instead of a
 * transaction per row. Rows are independent, so batching them is only a matter of speed: such a
 * write is all-or-nothing, and if it fails (a Task changed meanwhile, two rows' follow-up writes
 * touching the same parent Task, ...) nothing of it was stored; its halves are written on their
 * own, down to the single row that fails, which is redone from a fresh read in a write of its
 * own. The failure lands on the row that causes it only.
 */
export async function importRtf(ctx: FhirContext, rows: ParsedRow[], vocabulary: RtfVocabulary): Promise<RowResult[]> {
  const results = new Map<number, RowResult>();
  const everyOrganization = await actsForEveryOrganization(ctx.repo, ctx.access);
  const chunks: ParsedRow[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) chunks.push(rows.slice(i, i + CHUNK_ROWS));
  const validOf = (chunk: ParsedRow[]) => chunk.flatMap((p) => (p.row ? [p.row] : []));
  // The next chunk's lookups run while this one is written (they only read). A row of it whose
  // Task this chunk wrote was resolved against the old version: that chunk is resolved again.
  let next = chunks.length > 0 ? resolveRows(ctx.repo, ctx.access, validOf(chunks[0])) : undefined;
  for (let k = 0; k < chunks.length; k++) {
    const chunk = chunks[k];
    const valid = validOf(chunk);
    for (const p of chunk) if (!p.row) results.set(p.line, { line: p.line, outcome: 'failed', message: p.error, ...(p.referralId ? { referral: `Task/${p.referralId}` } : {}) });
    const resolved = await next!;
    next = k + 1 < chunks.length ? resolveRows(ctx.repo, ctx.access, validOf(chunks[k + 1])) : undefined;
    // Attach a handler now: a failed lookup must not go unhandled while this chunk is written.
    next?.catch(() => undefined);
    const written = await applyChunk(ctx, vocabulary, valid, resolved, everyOrganization, results);
    if (next && k + 1 < chunks.length) {
      const upcoming = await next;
      if ([...upcoming.values()].some((r) => 'task' in r && written.has(r.task.resource.id))) next = resolveRows(ctx.repo, ctx.access, validOf(chunks[k + 1]));
      else next = Promise.resolve(upcoming);
    }
  }
  return [...results.values()].sort((a, b) => a.line - b.line);
}

/** The rows of one chunk, their referrals resolved; returns the ids of the Tasks it wrote. */
async function applyChunk(
  ctx: FhirContext,
  vocabulary: RtfVocabulary,
  valid: RtfRow[],
  resolved: Map<number, Resolved>,
  everyOrganization: boolean,
  results: Map<number, RowResult>,
): Promise<Set<string>> {
  const current = new Map<string, Stored<Task>>();
  const rowsOfTask = new Map<string, RtfRow[]>();
  for (const row of valid) {
    const r = resolved.get(row.line);
    if (!r || 'error' in r) {
      results.set(row.line, { line: row.line, outcome: 'failed', message: r?.error ?? 'The referral was not found', ...(row.referralId ? { referral: `Task/${row.referralId}` } : {}) });
      continue;
    }
    const id = r.task.resource.id;
    const owner = referenceKey(r.task.resource.owner);
    if (!everyOrganization && !(owner && actsFor(ctx.access, owner))) {
      results.set(row.line, { line: row.line, outcome: 'forbidden', referral: `Task/${id}`, message: `You do not act for ${owner ?? 'the owner'}, the provider that owns Task/${id}` });
      continue;
    }
    if (!current.has(id)) current.set(id, r.task);
    rowsOfTask.set(id, [...(rowsOfTask.get(id) ?? []), row]);
  }
  // Wave k holds the k-th row of each Task, so a write never holds one Task twice.
  const waves: RtfRow[][] = [];
  for (const taskRows of rowsOfTask.values()) taskRows.forEach((row, k) => (waves[k] ??= []).push(row));
  const written = new Set<string>();
  for (const wave of waves) {
    const pending: Pending[] = [];
    for (const row of wave.sort((a, b) => a.line - b.line)) {
      const id = resolvedId(resolved.get(row.line));
      const before = current.get(id)!;
      const change = rtfRowChange(before.resource, row, vocabulary);
      if (change.kind === 'unchanged') results.set(row.line, unchanged(row, id));
      else pending.push({ row, before, next: change.task });
    }
    for (const p of pending) written.add(p.next.id);
    await writeWave(ctx, vocabulary, pending, current, results);
  }
  return written;
}

async function writeWave(ctx: FhirContext, vocabulary: RtfVocabulary, pending: Pending[], current: Map<string, Stored<Task>>, results: Map<number, RowResult>): Promise<void> {
  // What the rules will read row by row, in a few searches (prefetched-repository.ts): the Tasks,
  // their parent Tasks, and the members' Coverages (the plan whose settings apply).
  const prefetched = new PrefetchedRepository(ctx.repo);
  const ids = pending.flatMap((p) => [p.next.id, ...(p.next.partOf ?? []).map((ref) => referenceKey(ref)).filter((k) => k?.startsWith('Task/')).map((k) => idOf(k!))]);
  await forEachStored(ctx.repo, systemAccess, 'Task', [...new Set(ids)], (stored) => prefetched.remember(stored));
  const members = [...new Set(pending.map((p) => referenceKey(p.next.for)).filter((k): k is string => !!k?.startsWith('Patient/')))];
  await prefetchByReference(ctx.repo, prefetched, 'Coverage', 'beneficiary', members);
  const batch: FhirContext = { ...ctx, repo: prefetched };
  const prepare = async (group: Pending[]) => {
    const prepared = await mapLimit(group, PREPARE_CONCURRENCY, async (p) => {
      try {
        return { p, op: await applyWriteRules(batch, { kind: 'update', resource: p.next, ifMatch: p.before.versionId }, RTF_IMPORT_OPERATION) };
      } catch (err) {
        results.set(p.row.line, failure(p.row, p.next.id, err));
        return undefined;
      }
    });
    return prepared.filter((x): x is { p: Pending; op: WriteOp } => x !== undefined);
  };
  // Pipelined: the rules judge the next group while this one is written (the server works while
  // PostgreSQL runs the write). The groups' Tasks are distinct; a parent Task two groups share was
  // judged before the first group wrote it, so the second group's write fails on its version and
  // that row is redone from a fresh read (writeTogether).
  const groups: Pending[][] = [];
  for (let i = 0; i < pending.length; i += WRITE_GROUP_ROWS) groups.push(pending.slice(i, i + WRITE_GROUP_ROWS));
  let preparing = groups.length > 0 ? prepare(groups[0]) : undefined;
  for (let g = 0; g < groups.length; g++) {
    const ready = await preparing!;
    preparing = g + 1 < groups.length ? prepare(groups[g + 1]) : undefined;
    if (ready.length > 0) await writeTogether(ctx, batch, vocabulary, ready, current, results);
  }
}

/**
 * One repository write for these prepared rows. If it fails nothing of it was stored: the halves
 * are tried on their own (their prepared ops still hold, nothing having changed), down to a single
 * row, which is then redone from a fresh read. So one bad write costs a few retries, not a write
 * per row of the wave.
 */
async function writeTogether(
  ctx: FhirContext,
  batch: FhirContext,
  vocabulary: RtfVocabulary,
  ready: { p: Pending; op: WriteOp }[],
  current: Map<string, Stored<Task>>,
  results: Map<number, RowResult>,
): Promise<void> {
  let written;
  try {
    written = await writeWithRules(batch.repo, ctx.access, ready.map((x) => x.op));
  } catch {
    if (ready.length === 1) return writeRowAlone(ctx, vocabulary, ready[0].p, current, results);
    const half = Math.ceil(ready.length / 2);
    await writeTogether(ctx, batch, vocabulary, ready.slice(0, half), current, results);
    await writeTogether(ctx, batch, vocabulary, ready.slice(half), current, results);
    return;
  }
  ready.forEach(({ p }, k) => {
    const stored = written[k].stored;
    const task = JSON.parse(stored.json!) as Task & { id: string };
    current.set(task.id, { resource: task, versionId: stored.versionId });
    results.set(p.row.line, { line: p.row.line, outcome: 'updated', referral: `Task/${task.id}`, message: describeChange(p.before.resource, task) });
  });
}

/**
 * One row on its own: read the Task again, judge and write it in a write of its own; once more if
 * a write came in between (412: the Task, or the parent Task its status is relayed to, changed).
 */
async function writeRowAlone(ctx: FhirContext, vocabulary: RtfVocabulary, p: Pending, current: Map<string, Stored<Task>>, results: Map<number, RowResult>, attempt = 1): Promise<void> {
  const id = p.next.id;
  try {
    const stored = await ctx.repo.read(ctx.access, 'Task', id);
    if (!stored || stored.deleted || !stored.json) {
      results.set(p.row.line, { line: p.row.line, outcome: 'failed', referral: `Task/${id}`, message: `Task/${id} is gone` });
      return;
    }
    const before: Stored<Task> = { resource: JSON.parse(stored.json) as Task & { id: string }, versionId: stored.versionId };
    current.set(id, before);
    const change = rtfRowChange(before.resource, p.row, vocabulary);
    if (change.kind === 'unchanged') {
      results.set(p.row.line, unchanged(p.row, id));
      return;
    }
    const op = await applyWriteRules(ctx, { kind: 'update', resource: change.task, ifMatch: before.versionId }, RTF_IMPORT_OPERATION);
    const [written] = await writeWithRules(ctx.repo, ctx.access, [op]);
    const task = JSON.parse(written.stored.json!) as Task & { id: string };
    current.set(id, { resource: task, versionId: written.stored.versionId });
    results.set(p.row.line, { line: p.row.line, outcome: 'updated', referral: `Task/${id}`, message: describeChange(before.resource, task) });
  } catch (err) {
    if (err instanceof FhirError && err.status === 412 && attempt < MAX_ATTEMPTS) return writeRowAlone(ctx, vocabulary, p, current, results, attempt + 1);
    results.set(p.row.line, failure(p.row, id, err));
  }
}

function resolvedId(r: Resolved | undefined): string {
  return r && 'task' in r ? r.task.resource.id : '';
}

function unchanged(row: RtfRow, id: string): RowResult {
  return { line: row.line, outcome: 'unchanged', referral: `Task/${id}`, message: `Already ${row.status.code} as of ${row.date}` };
}

/** A refused row: the OperationOutcome's text and rule; 403 is `forbidden`. Other errors are reported without their detail (it may hold data). */
function failure(row: RtfRow, id: string, err: unknown): RowResult {
  const base = { line: row.line, referral: `Task/${id}` };
  if (!(err instanceof FhirError)) return { ...base, outcome: 'failed', message: 'The server could not write this row' };
  const issue = err.outcome.issue?.[0];
  const rule = issue?.details?.coding?.find((c) => c.system === `${CANONICAL_BASE}/CodeSystem/ecm-rule`)?.code;
  const message = err.status === 412 ? `Task/${id} changed while the file was imported; send the row again` : (issue?.diagnostics ?? issue?.details?.text ?? err.message);
  return { ...base, outcome: err.status === 403 ? 'forbidden' : 'failed', message, ...(rule ? { rule } : {}) };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
