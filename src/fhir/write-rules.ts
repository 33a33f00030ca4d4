import type { Resource } from '@medplum/fhirtypes';
import { systemAccess, type AccessContext } from '../auth/access-context.ts';
import { authorizationWriteRule } from '../ecm/authorization/authorization-write-rule.ts';
import { referralEligibilityRule } from '../ecm/referral/referral-eligibility-rule.ts';
import { referralTaskWriteRule } from '../ecm/referral/referral-task-write-rule.ts';
import { subscriptionWriteRule } from '../subscriptions/subscription-write-rule.ts';
import type { Repository, WriteOp, WriteResult } from './repository.ts';
import type { FhirContext } from './request.ts';

/**
 * Write rules: server business rules that every create and update of a resource type passes
 * through, whatever route it took. The interactions call `applyWriteRules` right before
 * `Repository.write` — create, update and conditional update, PATCH, and each entry of a
 * transaction (after its references are resolved, on the transaction's repository); batch
 * entries go through the same interactions. A rule may amend the resource (a value the server
 * owns, such as a due date) or refuse the write by throwing a FhirError (an OperationOutcome
 * naming the rule). A delete (DELETE, conditional delete, a transaction entry) is judged by the
 * type's rules that have `prepareDelete`, against the current version.
 *
 * Server operations that write on purpose (e.g. `$ecm-decide`) call `applyWriteRules` with their
 * name as `operation`, which a rule may read to allow what a client's plain write may not.
 * Code that calls `Repository.write` directly (the demo seed loader goes through a transaction,
 * so it is checked too) bypasses the rules. Rules may add follow-up writes; callers write through
 * `writeWithRules`, which writes them in the same transaction.
 */
export interface WriteRuleContext {
  /** The request's context; its `repo` is the transaction's when the write is part of one. */
  fhir: FhirContext;
  /** The server operation making this write (e.g. `ecm-decide`); absent for a client's plain write. */
  operation?: string;
}

export interface WriteRule {
  resourceType: string;
  /**
   * Judges one write: `previous` is the current version (undefined on a create, or an update of a
   * missing or deleted resource). Returns the resource to write (possibly amended) when the rule
   * concerns this write, undefined when it does not; throws a FhirError to refuse it.
   */
  prepare(resource: Resource, previous: Resource | undefined, context: WriteRuleContext): Promise<Resource | undefined>;
  /**
   * Writes the server makes because of this one (e.g. a status relayed to a parent Task), computed
   * from the resource about to be written. They pass the write rules themselves (under the
   * operation named here) and are written with system access in the same transaction.
   */
  followUps?(resource: Resource & { id: string }, previous: Resource | undefined, context: WriteRuleContext): Promise<FollowUpWrite[]>;
  /** Judges the delete of `current` (the stored version): throws a FhirError to refuse it. */
  prepareDelete?(current: Resource, context: WriteRuleContext): Promise<void>;
}

export type FollowUpWrite =
  | {
      op: WriteOp;
      /** The operation name the follow-up is judged under (the rules may allow server writes by name). */
      operation: string;
    }
  /** Work run after every write and follow-up write, in the same transaction (`repo` is bound to it). */
  | { run: (repo: Repository) => Promise<void> };

interface FollowUps {
  ops: WriteOp[];
  runs: ((repo: Repository) => Promise<void>)[];
}

/** Follow-ups of each prepared op (kept beside the op, so every caller's signature stays one op in, one op out). */
const followUpsOfOp = new WeakMap<WriteOp, FollowUps>();

/** Every write rule of the server; each module adds its own line here. */
export function allWriteRules(): WriteRule[] {
  return [authorizationWriteRule, referralTaskWriteRule, referralEligibilityRule, subscriptionWriteRule];
}

let rulesByType: Map<string, WriteRule[]> | undefined;

function rulesFor(resourceType: string): WriteRule[] {
  if (!rulesByType) {
    rulesByType = new Map();
    for (const rule of allWriteRules()) rulesByType.set(rule.resourceType, [...(rulesByType.get(rule.resourceType) ?? []), rule]);
  }
  return rulesByType.get(resourceType) ?? [];
}

/** Versions the caller read in the same transaction (Type/id → resource and version), which spare the rules a read. */
export type KnownVersions = ReadonlyMap<string, { resource: Resource; versionId: number }>;

/**
 * Runs the write rules of the op's resource type and returns the op to hand to the repository.
 * The previous version is read (with system access: the repository still checks the caller's
 * access on the write itself) only for types that have rules. When a rule judged an update
 * against the previous version, the update is pinned to that version (If-Match), so a write that
 * came in between makes it fail (412) instead of being silently overwritten. An update already
 * pinned to a version in `known` is judged against that one without reading it again.
 */
export async function applyWriteRules(ctx: FhirContext, op: WriteOp, operation?: string, known?: KnownVersions): Promise<WriteOp> {
  if (op.kind === 'delete') return judgeDelete(ctx, op, operation);
  const rules = rulesFor(op.resource.resourceType);
  if (rules.length === 0) return op;
  let previous: Resource | undefined;
  let previousVersion: number | undefined;
  if (op.kind === 'update') {
    const given = known?.get(`${op.resource.resourceType}/${op.resource.id}`);
    if (given && op.ifMatch === given.versionId) {
      // the write is pinned to this version: if the stored one differs, it fails (412) whatever the rules said
      previous = given.resource;
      previousVersion = given.versionId;
    } else {
      const stored = await ctx.repo.read(systemAccess, op.resource.resourceType, op.resource.id);
      if (stored && !stored.deleted && stored.json !== null) {
        previous = JSON.parse(stored.json) as Resource;
        previousVersion = stored.versionId;
      }
    }
  }
  let resource: Resource = op.resource;
  let judged = false;
  for (const rule of rules) {
    const prepared = await rule.prepare(resource, previous, { fhir: ctx, operation });
    if (prepared) {
      resource = prepared;
      judged = true;
    }
  }
  if (!judged) return op;
  const withId = { ...resource, id: op.resource.id } as Resource & { id: string };
  const prepared: WriteOp = op.kind === 'create' ? { ...op, resource: withId } : { ...op, resource: withId, ifMatch: op.ifMatch ?? previousVersion };
  const followUps: FollowUps = { ops: [], runs: [] };
  for (const rule of rules) {
    for (const f of (await rule.followUps?.(withId, previous, { fhir: ctx, operation })) ?? []) {
      if ('run' in f) {
        followUps.runs.push(f.run);
        continue;
      }
      const next = await applyWriteRules(ctx, f.op, f.operation);
      const nested = followUpsOfOp.get(next);
      followUps.ops.push(next, ...(nested?.ops ?? []));
      followUps.runs.push(...(nested?.runs ?? []));
    }
  }
  if (followUps.ops.length > 0 || followUps.runs.length > 0) followUpsOfOp.set(prepared, followUps);
  return prepared;
}

async function judgeDelete(ctx: FhirContext, op: Extract<WriteOp, { kind: 'delete' }>, operation: string | undefined): Promise<WriteOp> {
  const rules = rulesFor(op.resourceType).filter((r) => r.prepareDelete);
  if (rules.length === 0) return op;
  const stored = await ctx.repo.read(systemAccess, op.resourceType, op.id);
  if (!stored || stored.deleted || stored.json === null) return op;
  const current = JSON.parse(stored.json) as Resource;
  for (const rule of rules) await rule.prepareDelete!(current, { fhir: ctx, operation });
  return op;
}

/**
 * Writes ops prepared by `applyWriteRules` with the caller's access, then their follow-up writes
 * with system access, then their follow-up work, all in one transaction (the repository's own
 * when it is in one already).
 */
export async function writeWithRules(repo: Repository, access: AccessContext, ops: WriteOp[]): Promise<WriteResult[]> {
  const all = ops.map((op) => followUpsOfOp.get(op)).filter((f): f is FollowUps => !!f);
  if (all.length === 0) return repo.write(access, ops);
  return repo.transaction(async (tx) => {
    const written = await tx.write(access, ops);
    const followUpOps = all.flatMap((f) => f.ops);
    if (followUpOps.length > 0) await tx.write(systemAccess, followUpOps);
    for (const run of all.flatMap((f) => f.runs)) await run(tx);
    return written;
  });
}
