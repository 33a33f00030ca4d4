import type { Subscription } from '@medplum/fhirtypes';
import type { AccessContext } from '../auth/access-context.ts';
import type { WriteOp } from '../fhir/repository.ts';
import { parseSubscription } from '../subscriptions/subscription-definition.ts';
import { storedAccessOf, SUBSCRIPTION_WORKER_ACTOR } from '../subscriptions/subscriber-access.ts';
import type { Queryable } from './database.ts';

/** Subscription statuses that still receive notifications (an `error` one is retried until it recovers). */
export const WATCHING_STATUSES = "('requested', 'active', 'error')";

/**
 * The outbox part of the write statement (src/store/write-sql.ts): each new, non-deleted version
 * of a type some live Subscription watches gets an outbox row, in the same statement as the
 * version, so the change and its notification commit (or roll back) together.
 *
 * Why an EXISTS in the statement rather than a per-process cache of subscribed types: a cache
 * refreshed every few seconds would let another server process write changes without outbox rows
 * for a moment after a Subscription was created elsewhere, which loses notifications. The EXISTS
 * is one probe of a partial index over a table of a few rows per written resource, next to the
 * history row and the index rows the statement writes anyway; with no Subscription it inserts
 * nothing.
 */
export function outboxCte(): string {
  return `outbox AS (
  INSERT INTO subscription_outbox (resource_type, id, version_id, changed_at)
  SELECT i.resource_type, i.id, i.version_id, $4::timestamptz
  FROM input i JOIN cur ON cur.resource_type = i.resource_type AND cur.id = i.id
  WHERE NOT i.deleted
    AND EXISTS (SELECT 1 FROM subscription_registry s WHERE s.resource_type = i.resource_type AND s.status IN ${WATCHING_STATUSES})
  ORDER BY i.ord
)`;
}

/** Subscription.end as an instant, or null (absent, or not a date-time the database could read). */
function endOf(resource: Subscription): string | null {
  const at = typeof resource.end === 'string' ? Date.parse(resource.end) : NaN;
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

/** Whether a write includes a Subscription (the repository then writes in a transaction). */
export function writesSubscription(ops: WriteOp[]): boolean {
  return ops.some((op) => (op.kind === 'delete' ? op.resourceType : op.resource.resourceType) === 'Subscription');
}

/**
 * Keeps subscription_registry in step with the Subscriptions just written, in the same
 * transaction: the watched type, channel, topic and heartbeat, and the writer's access (what the
 * subscriber may be sent). A client's write restarts delivery (failures and backoff cleared) and,
 * with status `requested` on a topic-based rest-hook, queues the handshake. The delivery worker's
 * own writes (status active/error) keep the stored access. `versions` are the versions written.
 */
export async function syncSubscriptionWrites(q: Queryable, ops: WriteOp[], versions: number[], ctx: AccessContext | undefined): Promise<void> {
  for (const [i, op] of ops.entries()) {
    if (op.kind === 'delete') {
      if (op.resourceType !== 'Subscription') continue;
      await q.query('DELETE FROM subscription_notification WHERE subscription_id = $1', [op.id]);
      await q.query('DELETE FROM subscription_registry WHERE id = $1', [op.id]);
      continue;
    }
    if (op.resource.resourceType !== 'Subscription') continue;
    if (!ctx) throw new Error('syncSubscriptionWrites: a Subscription write needs its access context');
    const resource = op.resource as Subscription & { id: string };
    const parsed = parseSubscription(resource, versions[i]);
    const byWorker = ctx.actor === SUBSCRIPTION_WORKER_ACTOR;
    const status = resource.status ?? 'requested';
    const definition = parsed.ok ? parsed.definition : undefined;
    await q.query(
      `INSERT INTO subscription_registry AS s (id, version_id, status, resource_type, channel_type, topic, heartbeat_seconds, access, last_error, end_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $11::timestamptz)
       ON CONFLICT (id) DO UPDATE SET
         version_id = EXCLUDED.version_id, status = EXCLUDED.status, resource_type = EXCLUDED.resource_type, end_at = EXCLUDED.end_at,
         channel_type = EXCLUDED.channel_type, topic = EXCLUDED.topic, heartbeat_seconds = EXCLUDED.heartbeat_seconds,
         access = CASE WHEN $10::boolean THEN s.access ELSE EXCLUDED.access END,
         last_error = CASE WHEN $10::boolean THEN s.last_error ELSE EXCLUDED.last_error END,
         failures = CASE WHEN $10::boolean THEN s.failures ELSE 0 END,
         next_attempt_at = CASE WHEN $10::boolean THEN s.next_attempt_at ELSE now() END`,
      [
        resource.id,
        versions[i],
        status,
        definition?.resourceType ?? null,
        definition?.channel.type ?? resource.channel?.type ?? 'unknown',
        definition?.topic?.url ?? null,
        definition?.channel.heartbeatSeconds ?? null,
        JSON.stringify(byWorker ? { kind: 'none' } : storedAccessOf(ctx)),
        parsed.ok ? null : parsed.problem,
        byWorker,
        endOf(resource),
      ],
    );
    if (status === 'off') {
      await q.query('DELETE FROM subscription_notification WHERE subscription_id = $1', [resource.id]);
    } else if (!byWorker && status === 'requested' && definition?.topic && definition.channel.type === 'rest-hook') {
      await q.query(
        `INSERT INTO subscription_notification (subscription_id, kind, event_at)
         SELECT $1, 'handshake', now() WHERE NOT EXISTS (SELECT 1 FROM subscription_notification WHERE subscription_id = $1 AND kind = 'handshake')`,
        [resource.id],
      );
    }
  }
}
