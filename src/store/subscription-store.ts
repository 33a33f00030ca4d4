import { randomUUID } from 'node:crypto';
import type { Repository } from '../fhir/repository.ts';
import type { Database } from './database.ts';
import type { IndexExtractor } from './indexing/index-extractor.ts';
import { PostgresRepository } from './postgres-repository.ts';
import { lastUpdatedSql } from './sql-fragments.ts';
import { WATCHING_STATUSES } from './subscription-outbox-sql.ts';

/** A new version of a watched type, waiting in the outbox. */
export interface OutboxChange {
  seq: number;
  resourceType: string;
  id: string;
  versionId: number;
  changedAt: string;
}

/** Versions of resources by `Type/id/version`: their JSON (null for a deletion), read in one statement. */
export type VersionLoader = (keys: { resourceType: string; id: string; versionId: number }[]) => Promise<Map<string, string | null>>;

/** A live subscription as the fan-out sees it. */
export interface Watcher {
  id: string;
  versionId: number;
  resourceType: string;
  access: unknown;
}

/** A subscription claimed for delivery by this process (until `leaseUntil`). */
export interface ClaimedSubscription {
  id: string;
  versionId: number;
  status: string;
  channelType: string;
  eventsSinceStart: number;
  failures: number;
  access: unknown;
  leaseToken: string;
}

export interface PendingNotification {
  seq: number;
  kind: 'handshake' | 'heartbeat' | 'event-notification';
  eventNumber?: number;
  resourceType?: string;
  resourceId?: string;
  versionId?: number;
  eventAt: string;
}

export interface SubscriptionState {
  id: string;
  status: string;
  topic: string | null;
  eventsSinceStart: number;
  lastError: string | null;
  channelType: string;
}

/** A subscription whose latest version the worker has not checked yet. */
export interface UncheckedSubscription {
  id: string;
  versionId: number;
  status: string;
  problem: string | null;
}

/** What the delivery loop has to do, asked in one statement per round. */
export interface PendingWork {
  unchecked: boolean;
  deliveries: boolean;
  heartbeats: boolean;
  /** A live subscription is past its `end`. */
  ended: boolean;
}

const DUE_DELIVERY = `r.status <> 'off' AND r.next_attempt_at <= now() AND (r.lease_until IS NULL OR r.lease_until < now())
  AND (r.channel_type <> 'websocket' OR r.id = ANY($1::text[]))
  AND EXISTS (SELECT 1 FROM subscription_notification n WHERE n.subscription_id = r.id)`;

const ENDED = `r.status IN ${WATCHING_STATUSES} AND r.end_at <= now()`;

const DUE_HEARTBEAT = `r.status = 'active' AND r.channel_type = 'rest-hook' AND r.topic IS NOT NULL AND r.heartbeat_seconds IS NOT NULL
  AND r.last_sent_at + r.heartbeat_seconds * interval '1 second' <= now()
  AND NOT EXISTS (SELECT 1 FROM subscription_notification n WHERE n.subscription_id = r.id)`;

const UNCHECKED = `r.checked_version IS DISTINCT FROM r.version_id AND r.status IN ${WATCHING_STATUSES}`;

/**
 * The delivery worker's SQL (src/subscriptions/delivery-worker.ts). Safe with several server
 * processes: outbox rows are claimed with FOR UPDATE SKIP LOCKED inside the transaction that turns
 * them into notifications; a subscription is delivered by one process at a time, which holds a
 * lease on it (claimed with SKIP LOCKED, so no process waits for another), and a process that died
 * mid-delivery loses its lease when it runs out, so another one sends the notifications again.
 */
export class SubscriptionStore {
  constructor(
    private readonly db: Database,
    private readonly indexer: IndexExtractor,
  ) {}

  async outboxWaiting(): Promise<boolean> {
    const { rows } = await this.db.query<{ waiting: boolean }>('SELECT EXISTS (SELECT 1 FROM subscription_outbox) AS waiting');
    return rows[0].waiting;
  }

  async pendingWork(boundWebsockets: string[]): Promise<PendingWork> {
    const { rows } = await this.db.query<PendingWork>(
      `SELECT EXISTS (SELECT 1 FROM subscription_registry r WHERE ${UNCHECKED}) AS unchecked,
              EXISTS (SELECT 1 FROM subscription_registry r WHERE ${DUE_DELIVERY}) AS deliveries,
              EXISTS (SELECT 1 FROM subscription_registry r WHERE ${DUE_HEARTBEAT}) AS heartbeats,
              EXISTS (SELECT 1 FROM subscription_registry r WHERE ${ENDED}) AS ended`,
      [boundWebsockets],
    );
    return rows[0];
  }

  /**
   * Turns up to `limit` outbox rows into notifications in one transaction: claims them (SKIP
   * LOCKED), asks `match` which of them each live subscription of their types is sent (with a
   * Repository bound to the same transaction), numbers each subscription's new events after its
   * last one, and deletes the rows. A subscription whose matching fails (`onError`) is skipped
   * for this batch under a savepoint, so one bad subscription never blocks the others. Returns
   * how many outbox rows it took.
   */
  async fanOut(
    limit: number,
    match: (changes: OutboxChange[], watcher: Watcher, repo: Repository, versions: VersionLoader) => Promise<number[]>,
    onError: (watcher: Watcher, err: unknown) => void,
  ): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ seq: string; resource_type: string; id: string; version_id: number; changed_at: string }>(
        `SELECT seq, resource_type, id, version_id, ${lastUpdatedSql('changed_at')} AS changed_at
         FROM subscription_outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      const changes: OutboxChange[] = rows.map((r) => ({ seq: Number(r.seq), resourceType: r.resource_type, id: r.id, versionId: r.version_id, changedAt: r.changed_at }));
      const types = [...new Set(changes.map((c) => c.resourceType))];
      const watchers = (
        await tx.query<{ id: string; version_id: number; resource_type: string; access: unknown }>(
          `SELECT id, version_id, resource_type, access FROM subscription_registry
           WHERE resource_type = ANY($1::text[]) AND status IN ${WATCHING_STATUSES} ORDER BY id`,
          [types],
        )
      ).rows.map((w) => ({ id: w.id, versionId: w.version_id, resourceType: w.resource_type, access: w.access }));
      const repo = new PostgresRepository(this.db, this.indexer, tx);
      const versions: VersionLoader = async (keys) => {
        const { rows: found } = await tx.query<{ resource_type: string; id: string; version_id: number; content: string | null }>(
          `SELECT h.resource_type, h.id, h.version_id, h.content FROM resource_history h
           JOIN unnest($1::text[], $2::text[], $3::int[]) AS k(resource_type, id, version_id)
             ON h.resource_type = k.resource_type AND h.id = k.id AND h.version_id = k.version_id`,
          [keys.map((k) => k.resourceType), keys.map((k) => k.id), keys.map((k) => k.versionId)],
        );
        return new Map(found.map((r) => [`${r.resource_type}/${r.id}/${r.version_id}`, r.content]));
      };
      const matches: { subscriptionId: string; seq: number }[] = [];
      for (const watcher of watchers) {
        await tx.query('SAVEPOINT subscription_match');
        try {
          for (const seq of await match(changes.filter((c) => c.resourceType === watcher.resourceType), watcher, repo, versions)) matches.push({ subscriptionId: watcher.id, seq });
          await tx.query('RELEASE SAVEPOINT subscription_match');
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT subscription_match');
          onError(watcher, err);
        }
      }
      if (matches.length > 0) {
        const bySeq = new Map(changes.map((c) => [c.seq, c]));
        const perSubscription = new Map<string, number[]>();
        for (const m of [...matches].sort((a, b) => a.seq - b.seq)) perSubscription.set(m.subscriptionId, [...(perSubscription.get(m.subscriptionId) ?? []), m.seq]);
        const ids = [...perSubscription.keys()];
        // Rows locked in id order, so two processes numbering events never deadlock.
        const { rows: counters } = await tx.query<{ id: string; events_since_start: string }>(
          `UPDATE subscription_registry r SET events_since_start = r.events_since_start + n.count
           FROM (SELECT * FROM unnest($1::text[], $2::int[]) AS t(id, count) ORDER BY id) n
           WHERE r.id = n.id RETURNING r.id, r.events_since_start`,
          [ids, ids.map((id) => perSubscription.get(id)!.length)],
        );
        const cols = { id: [] as string[], number: [] as number[], type: [] as string[], resource: [] as string[], version: [] as number[], at: [] as string[] };
        for (const { id, events_since_start } of counters) {
          const seqs = perSubscription.get(id)!;
          let number = Number(events_since_start) - seqs.length;
          for (const seq of seqs) {
            const change = bySeq.get(seq)!;
            cols.id.push(id);
            cols.number.push(++number);
            cols.type.push(change.resourceType);
            cols.resource.push(change.id);
            cols.version.push(change.versionId);
            cols.at.push(change.changedAt);
          }
        }
        await tx.query(
          `INSERT INTO subscription_notification (subscription_id, kind, event_number, resource_type, resource_id, version_id, event_at)
           SELECT id, 'event-notification', number, type, resource, version, at
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[]) WITH ORDINALITY AS t(id, number, type, resource, version, at, ord)
           ORDER BY ord`,
          [cols.id, cols.number, cols.type, cols.resource, cols.version, cols.at],
        );
      }
      await tx.query('DELETE FROM subscription_outbox WHERE seq = ANY($1::bigint[])', [changes.map((c) => c.seq)]);
      return changes.length;
    });
  }

  /** Live subscriptions past their `end` (the worker turns them off). */
  async ended(limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(`SELECT id FROM subscription_registry r WHERE ${ENDED} ORDER BY id LIMIT $1`, [limit]);
    return rows.map((r) => r.id);
  }

  async unchecked(limit: number): Promise<UncheckedSubscription[]> {
    const { rows } = await this.db.query<{ id: string; version_id: number; status: string; last_error: string | null; resource_type: string | null }>(
      `SELECT id, version_id, status, last_error, resource_type FROM subscription_registry r WHERE ${UNCHECKED} ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, versionId: r.version_id, status: r.status, problem: r.resource_type === null ? r.last_error : null }));
  }

  async markChecked(id: string, versionId: number): Promise<void> {
    await this.db.query('UPDATE subscription_registry SET checked_version = $2 WHERE id = $1', [id, versionId]);
  }

  /** Rest-hook topic subscriptions that sent nothing for their heartbeat period get a heartbeat queued. */
  async queueHeartbeats(): Promise<void> {
    // The UPDATE locks each due row: a second process re-checks last_sent_at after the lock and skips it.
    await this.db.query(
      `WITH due AS (
         UPDATE subscription_registry r SET last_sent_at = now() WHERE ${DUE_HEARTBEAT} RETURNING r.id
       )
       INSERT INTO subscription_notification (subscription_id, kind, event_at) SELECT id, 'heartbeat', now() FROM due`,
    );
  }

  /** Claims up to `limit` subscriptions with notifications due (websocket ones only if bound here). */
  async claimDeliveries(boundWebsockets: string[], limit: number, leaseMs: number): Promise<ClaimedSubscription[]> {
    const token = randomUUID();
    const { rows } = await this.db.query<{
      id: string; version_id: number; status: string; channel_type: string; events_since_start: string; failures: number; access: unknown;
    }>(
      `UPDATE subscription_registry s SET lease_token = $2, lease_until = now() + $3::double precision * interval '1 millisecond'
       WHERE s.id IN (SELECT r.id FROM subscription_registry r WHERE ${DUE_DELIVERY} ORDER BY r.next_attempt_at, r.id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING s.id, s.version_id, s.status, s.channel_type, s.events_since_start, s.failures, s.access`,
      [boundWebsockets, token, leaseMs, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      versionId: r.version_id,
      status: r.status,
      channelType: r.channel_type,
      eventsSinceStart: Number(r.events_since_start),
      failures: r.failures,
      access: r.access,
      leaseToken: token,
    }));
  }

  async pendingNotifications(subscriptionId: string, limit: number): Promise<PendingNotification[]> {
    const { rows } = await this.db.query<{
      seq: string; kind: PendingNotification['kind']; event_number: string | null; resource_type: string | null; resource_id: string | null; version_id: number | null; event_at: string;
    }>(
      `SELECT seq, kind, event_number, resource_type, resource_id, version_id,
              ${lastUpdatedSql('event_at')} AS event_at
       FROM subscription_notification WHERE subscription_id = $1 ORDER BY seq LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      kind: r.kind,
      eventNumber: r.event_number === null ? undefined : Number(r.event_number),
      resourceType: r.resource_type ?? undefined,
      resourceId: r.resource_id ?? undefined,
      versionId: r.version_id ?? undefined,
      eventAt: r.event_at,
    }));
  }

  /**
   * Ends a delivery round: deletes what was sent, records the outcome and releases the lease.
   * A failure counts towards `error` (failures + 1) and backs off `retryAfterMs`; a round that
   * could not be tried (no websocket client any more) is retried at once without counting.
   * Returns the failure count after the round (0 after a success).
   */
  async finishDelivery(
    claim: ClaimedSubscription,
    sentSeqs: number[],
    outcome: { ok: true } | { ok: false; reason: string; retryAfterMs: number; counts: boolean },
  ): Promise<number> {
    // One statement: the sent notifications go and the claim is released together.
    const { rows } = outcome.ok
      ? await this.db.query<{ failures: number }>(
          `WITH sent AS (DELETE FROM subscription_notification WHERE seq = ANY($3::bigint[]))
           UPDATE subscription_registry SET failures = 0, last_error = NULL, last_sent_at = now(), next_attempt_at = now(), lease_token = NULL, lease_until = NULL
           WHERE id = $1 AND lease_token = $2 RETURNING failures`,
          [claim.id, claim.leaseToken, sentSeqs],
        )
      : await this.db.query<{ failures: number }>(
          `WITH sent AS (DELETE FROM subscription_notification WHERE seq = ANY($3::bigint[]))
           UPDATE subscription_registry SET failures = failures + $4::int, last_error = $5,
             next_attempt_at = now() + $6::double precision * interval '1 millisecond', lease_token = NULL, lease_until = NULL
           WHERE id = $1 AND lease_token = $2 RETURNING failures`,
          [claim.id, claim.leaseToken, sentSeqs, outcome.counts ? 1 : 0, outcome.reason, outcome.retryAfterMs],
        );
    return rows[0]?.failures ?? 0;
  }

  /** Resource versions by `Type/id/version` (JSON, null for a deletion), in one statement; the caller checks access. */
  async versions(keys: { resourceType: string; id: string; versionId: number }[]): Promise<Map<string, string | null>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.db.query<{ resource_type: string; id: string; version_id: number; content: string | null }>(
      `SELECT h.resource_type, h.id, h.version_id, h.content FROM resource_history h
       JOIN unnest($1::text[], $2::text[], $3::int[]) AS k(resource_type, id, version_id)
         ON h.resource_type = k.resource_type AND h.id = k.id AND h.version_id = k.version_id`,
      [keys.map((k) => k.resourceType), keys.map((k) => k.id), keys.map((k) => k.versionId)],
    );
    return new Map(rows.map((r) => [`${r.resource_type}/${r.id}/${r.version_id}`, r.content]));
  }

  /** Forgets a subscription whose resource is gone (deleted outside the repository's write path). */
  async forget(id: string): Promise<void> {
    await this.db.query('DELETE FROM subscription_notification WHERE subscription_id = $1', [id]);
    await this.db.query('DELETE FROM subscription_registry WHERE id = $1', [id]);
  }

  async states(ids: string[]): Promise<SubscriptionState[]> {
    const { rows } = await this.db.query<{ id: string; status: string; topic: string | null; events_since_start: string; last_error: string | null; channel_type: string }>(
      'SELECT id, status, topic, events_since_start, last_error, channel_type FROM subscription_registry WHERE id = ANY($1::text[]) ORDER BY id',
      [ids],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, topic: r.topic, eventsSinceStart: Number(r.events_since_start), lastError: r.last_error, channelType: r.channel_type }));
  }

  async saveBindingToken(tokenHash: string, subscriptionIds: string[], expiresAt: string): Promise<void> {
    await this.db.query('DELETE FROM subscription_ws_token WHERE expires_at < now()');
    await this.db.query('INSERT INTO subscription_ws_token (token_hash, subscription_ids, expires_at) VALUES ($1, $2::text[], $3::timestamptz)', [tokenHash, subscriptionIds, expiresAt]);
  }

  /** The subscriptions a binding token is for, if it exists and has not expired. */
  async bindingToken(tokenHash: string): Promise<string[] | undefined> {
    const { rows } = await this.db.query<{ subscription_ids: string[] }>(
      'SELECT subscription_ids FROM subscription_ws_token WHERE token_hash = $1 AND expires_at > now()',
      [tokenHash],
    );
    return rows[0]?.subscription_ids;
  }
}
