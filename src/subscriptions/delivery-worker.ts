import type { FastifyBaseLogger } from 'fastify';
import { FhirError } from '../fhir/outcome.ts';
import type { FhirContext } from '../fhir/request.ts';
import type { ClaimedSubscription, SubscriptionStore, Watcher } from '../store/subscription-store.ts';
import { batches, deliverBatch, focusResources } from './delivery.ts';
import { BatchMatcher } from './matching.ts';
import type { SubscriptionCache } from './subscription-criteria.ts';
import { setSubscriptionStatus } from './subscription-status-write.ts';
import type { WebSocketHub } from './websocket-hub.ts';
import { WorkerLoop } from './worker-loop.ts';

export interface DeliveryWorkerOptions {
  /** Pause between outbox rounds when there was nothing to do, ms (the delivery loop: 4 times this). */
  pollMs: number;
  /** First retry after a failed delivery, ms; doubles per failure up to 64 times this. */
  retryMs: number;
  /** Consecutive failed deliveries after which the Subscription is set to `error`. */
  failuresBeforeError: number;
}

/** Outbox rows per fan-out transaction. */
const FANOUT_BATCH = 200;
/** Subscriptions delivered to at once, and notifications per subscription per round. */
const PARALLEL_SUBSCRIPTIONS = 8;
const NOTIFICATIONS_PER_ROUND = 50;
/** A claim lasts this long; a round starts no new call after ROUND_BUDGET_MS, so its last call (at most 60 s) ends within the claim. */
const LEASE_MS = 150_000;
const ROUND_BUDGET_MS = 45_000;

/**
 * The delivery worker of one server process (several may run on one database), two loops: one
 * turns outbox rows into numbered notifications; the other checks newly written Subscriptions
 * (criteria and filters against the search parameters; `requested` → `active`, or `error` with
 * the reason), queues heartbeats, and delivers what is due. A failed delivery is retried with exponential
 * backoff (retryMs × 2^(failures−1), at most 64 × retryMs), in order: later notifications of the
 * subscription wait. After `failuresBeforeError` consecutive failures the Subscription's status
 * becomes `error` with the reason in `Subscription.error`; retries go on, and the first delivery
 * that succeeds sets it back to `active`. Delivery is at least once: a notification is deleted
 * only after its endpoint accepted it.
 */
export class DeliveryWorker {
  private readonly outbox: WorkerLoop;
  private readonly delivery: WorkerLoop;
  private stopped = false;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly fhir: FhirContext,
    private readonly hub: WebSocketHub,
    private readonly subscriptions: SubscriptionCache,
    private readonly options: DeliveryWorkerOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    const onError = (err: unknown) => this.log.error({ err: errorText(err) }, 'subscription delivery round failed');
    // Two loops, so numbering new changes and calling endpoints (which may be slow) never wait for each other.
    this.outbox = new WorkerLoop(() => this.outboxRound(), options.pollMs, onError);
    // The outbox loop wakes the delivery loop when it queued something: polling alone only finds
    // retries, heartbeats, new Subscriptions and work queued by other processes, so it can be slower.
    this.delivery = new WorkerLoop(() => this.deliveryRound(), options.pollMs * 4, onError);
  }

  start(): void {
    this.stopped = false;
    this.outbox.start();
    this.delivery.start();
  }

  /** Stops after the rounds in progress (their deliveries finish and release their claims). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.outbox.stop(), this.delivery.stop()]);
  }

  private async outboxRound(): Promise<boolean> {
    if (!(await this.store.outboxWaiting())) return false;
    await this.fanOut();
    this.delivery.wake();
    return true;
  }

  private async deliveryRound(): Promise<boolean> {
    const work = await this.store.pendingWork(this.hub.boundIds());
    if (work.ended) await this.turnOffEnded();
    if (work.unchecked) await this.check();
    if (work.heartbeats) await this.store.queueHeartbeats();
    if (work.deliveries || work.heartbeats) await this.deliver();
    return work.ended || work.unchecked || work.deliveries || work.heartbeats;
  }

  /** R4 Subscription.end: past it the server turns the subscription off (its waiting notifications are dropped). */
  private async turnOffEnded(): Promise<void> {
    for (const id of await this.store.ended(20)) {
      if (await setSubscriptionStatus(this.fhir.repo, id, 'off')) this.log.info({ subscription: id }, 'subscription ended');
    }
  }

  private async fanOut(): Promise<void> {
    const matcher = new BatchMatcher(this.subscriptions);
    const onError = (watcher: Watcher, err: unknown) => {
      // A subscription the search refuses (4xx) is skipped; anything else fails the batch, which is retried.
      if (err instanceof FhirError && err.status < 500) {
        this.log.warn({ subscription: watcher.id, err: errorText(err) }, 'subscription criteria could not be evaluated');
        return;
      }
      throw err;
    };
    for (;;) {
      const taken = await this.store.fanOut(FANOUT_BATCH, (changes, watcher, repo, versions) => matcher.match(changes, watcher, repo, versions), onError);
      if (taken < FANOUT_BATCH || this.stopped) return;
    }
  }

  private async check(): Promise<void> {
    for (const u of await this.store.unchecked(20)) {
      const compiled = await this.subscriptions.load(this.fhir.repo, u.id, u.versionId);
      if (!compiled) {
        await this.store.forget(u.id);
        continue;
      }
      const problem = u.problem ?? (compiled.ok ? undefined : compiled.problem);
      if (problem) {
        await setSubscriptionStatus(this.fhir.repo, u.id, 'error', problem);
      } else if (compiled.ok && u.status === 'requested' && (!compiled.definition.topic || compiled.definition.channel.type === 'websocket')) {
        // Topic-based rest-hook subscriptions become active when their handshake is delivered.
        await setSubscriptionStatus(this.fhir.repo, u.id, 'active');
      }
      await this.store.markChecked(u.id, u.versionId);
    }
  }

  private async deliver(): Promise<void> {
    const claims = await this.store.claimDeliveries(this.hub.boundIds(), PARALLEL_SUBSCRIPTIONS, LEASE_MS);
    await Promise.all(
      claims.map((claim) =>
        this.deliverClaim(claim).catch(async (err: unknown) => {
          // Not the endpoint's fault (e.g. the database): release the claim, try again soon, count nothing.
          this.log.error({ subscription: claim.id, err: errorText(err) }, 'subscription delivery round failed');
          await this.store.finishDelivery(claim, [], { ok: false, reason: 'The server could not deliver; it will try again', retryAfterMs: this.options.retryMs, counts: false }).catch(() => undefined);
        }),
      ),
    );
  }

  private async deliverClaim(claim: ClaimedSubscription): Promise<void> {
    const started = Date.now();
    const compiled = await this.subscriptions.load(this.fhir.repo, claim.id, claim.versionId);
    if (!compiled) return this.store.forget(claim.id);
    const sent: number[] = [];
    let failure: { reason: string; counts: boolean } | undefined;
    if (!compiled.ok) {
      failure = { reason: compiled.problem, counts: true };
    } else {
      const pending = await this.store.pendingNotifications(claim.id, NOTIFICATIONS_PER_ROUND);
      const context = { baseUrl: this.fhir.config.baseUrl, hub: this.hub };
      const resources = await focusResources(claim, compiled.definition, pending, this.fhir.repo, (keys) => this.store.versions(keys));
      for (const batch of batches(compiled.definition, pending)) {
        if (Date.now() - started > ROUND_BUDGET_MS) break;
        const outcome = await deliverBatch(claim, compiled.definition, batch, context, resources);
        if (!outcome.sent) {
          failure = outcome;
          break;
        }
        sent.push(...batch.map((n) => n.seq));
      }
    }
    if (!failure) {
      await this.store.finishDelivery(claim, sent, { ok: true });
      if (claim.status === 'requested' || claim.status === 'error') await setSubscriptionStatus(this.fhir.repo, claim.id, 'active');
      return;
    }
    const retryAfterMs = failure.counts ? Math.min(this.options.retryMs * 2 ** claim.failures, this.options.retryMs * 64) : this.options.pollMs;
    const failures = await this.store.finishDelivery(claim, sent, { ok: false, reason: failure.reason, retryAfterMs, counts: failure.counts });
    if (failure.counts) this.log.warn({ subscription: claim.id, failures, retryAfterMs }, 'subscription delivery failed');
    if (failure.counts && failures >= this.options.failuresBeforeError) await setSubscriptionStatus(this.fhir.repo, claim.id, 'error', failure.reason);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
