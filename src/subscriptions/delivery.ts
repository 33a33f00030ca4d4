import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/outcome.ts';
import type { Repository } from '../fhir/repository.ts';
import type { ClaimedSubscription, PendingNotification } from '../store/subscription-store.ts';
import { type NotificationFocus, notificationBundle, type SubscriptionStatusInput } from './notification-bundle.ts';
import { callRestHook, type DeliveryOutcome } from './rest-hook.ts';
import { accessOfStored } from './subscriber-access.ts';
import type { SubscriptionDefinition } from './subscription-definition.ts';
import type { WebSocketHub } from './websocket-hub.ts';

/** How long a rest-hook endpoint may take when the subscription sets no backport-timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface DeliveryContext {
  baseUrl: string;
  hub: WebSocketHub;
}

/** What one batch came to: sent (or nothing to send), failed (counts towards error), or no client to send it to. */
export type NotificationOutcome = { sent: true } | { sent: false; reason: string; counts: boolean };

/** Whether the subscription's notifications carry the changed resource itself. */
function carriesResource(definition: SubscriptionDefinition): boolean {
  return definition.topic ? definition.channel.content === 'full-resource' : definition.channel.payload !== undefined;
}

const versionKey = (n: PendingNotification) => `${n.resourceType}/${n.resourceId}/${n.versionId}`;

/**
 * The resources a round of notifications carries, at the version of each event, read for the
 * whole round at once: which of them the subscriber's stored access may read now (one search
 * through the Repository, the same check as a read), then those versions. One it may no longer
 * read is left out, and its notification is not sent (the event number then shows a gap).
 */
export async function focusResources(
  claim: ClaimedSubscription,
  definition: SubscriptionDefinition,
  notifications: PendingNotification[],
  repo: Repository,
  versions: (keys: { resourceType: string; id: string; versionId: number }[]) => Promise<Map<string, string | null>>,
): Promise<Map<string, Resource>> {
  const events = notifications.filter((n) => n.kind === 'event-notification');
  if (!carriesResource(definition) || events.length === 0) return new Map();
  const ids = [...new Set(events.map((n) => n.resourceId ?? ''))];
  let visible: Set<string>;
  try {
    const result = await repo.search(accessOfStored(claim.access), { resourceType: definition.resourceType, criteria: [{ kind: 'id', ids }], count: ids.length, offset: 0, total: false });
    visible = new Set(result.resources.map((r) => r.id));
  } catch (err) {
    if (!(err instanceof FhirError && err.status === 403)) throw err;
    visible = new Set();
  }
  const readable = events.filter((n) => visible.has(n.resourceId ?? ''));
  const found = await versions(readable.map((n) => ({ resourceType: n.resourceType ?? '', id: n.resourceId ?? '', versionId: n.versionId ?? 0 })));
  const resources = new Map<string, Resource>();
  for (const n of readable) {
    const json = found.get(versionKey(n));
    if (json) resources.set(versionKey(n), JSON.parse(json) as Resource);
  }
  return resources;
}

/**
 * The notifications of a round, in order, cut into what goes out together: a handshake or a
 * heartbeat alone; for topic-based subscriptions, consecutive events together, at most
 * `backport-max-count` (default: all waiting in the round) per notification Bundle; for R4
 * criteria subscriptions, one event per call (a PUT per resource, or a bare POST).
 */
export function batches(definition: SubscriptionDefinition, notifications: PendingNotification[]): PendingNotification[][] {
  const out: PendingNotification[][] = [];
  const max = definition.topic ? definition.channel.maxCount ?? Number.MAX_SAFE_INTEGER : 1;
  for (const n of notifications) {
    const last = out[out.length - 1];
    if (n.kind === 'event-notification' && last && last[0].kind === 'event-notification' && last.length < max) last.push(n);
    else out.push([n]);
  }
  return out;
}

/**
 * Sends one batch (see `batches`) of a claimed subscription over its channel; `resources` are
 * the round's readable focus resources (focusResources). An event whose resource the subscriber
 * may no longer read is left out; a batch left empty counts as sent.
 */
export async function deliverBatch(
  claim: ClaimedSubscription,
  definition: SubscriptionDefinition,
  batch: PendingNotification[],
  ctx: DeliveryContext,
  resources: Map<string, Resource>,
): Promise<NotificationOutcome> {
  const { channel } = definition;
  const kind = batch[0].kind;
  const events = kind === 'event-notification' && carriesResource(definition) ? batch.filter((n) => resources.has(versionKey(n))) : batch;
  if (events.length === 0) return { sent: true };
  const last = events[events.length - 1];
  const withFocus = !definition.topic || channel.content !== 'empty';
  const status: SubscriptionStatusInput = {
    baseUrl: ctx.baseUrl,
    subscriptionId: claim.id,
    topic: definition.topic?.url,
    status: claim.status,
    type: kind,
    eventsSinceStart: kind === 'event-notification' ? last.eventNumber ?? claim.eventsSinceStart : claim.eventsSinceStart,
  };
  const focus: NotificationFocus[] = [];
  if (kind === 'event-notification') {
    status.events = events.map((n) => ({ eventNumber: n.eventNumber ?? 0, timestamp: n.eventAt, ...(withFocus ? { focus: `${n.resourceType}/${n.resourceId}` } : {}) }));
    if (withFocus) {
      for (const n of events) {
        const resource = definition.topic ? resources.get(versionKey(n)) : undefined;
        focus.push({ reference: `${n.resourceType}/${n.resourceId}`, created: n.versionId === 1, ...(resource ? { resource } : {}) });
      }
    }
  }
  const bundleText = () => JSON.stringify(notificationBundle(status, focus));

  if (channel.type === 'websocket') {
    const reached = await ctx.hub.notify(claim.id, bundleText);
    return reached > 0 ? { sent: true } : { sent: false, reason: 'No websocket client is bound to the subscription', counts: false };
  }
  const endpoint = channel.endpoint ?? '';
  const timeoutMs = (channel.timeoutSeconds ?? 0) * 1000 || DEFAULT_TIMEOUT_MS;
  let outcome: DeliveryOutcome;
  if (definition.topic) {
    outcome = await callRestHook({ method: 'POST', url: endpoint, headers: channel.headers, body: bundleText(), timeoutMs });
  } else if (kind !== 'event-notification') {
    return { sent: true }; // R4 criteria subscriptions have no handshake or heartbeat over rest-hook
  } else if (carriesResource(definition)) {
    // R4 subscription.html: with a payload, the resource is PUT to [endpoint]/[type]/[id].
    const url = `${endpoint.replace(/\/+$/, '')}/${last.resourceType}/${last.resourceId}`;
    outcome = await callRestHook({ method: 'PUT', url, headers: channel.headers, body: JSON.stringify(resources.get(versionKey(last))), timeoutMs });
  } else {
    // Without a payload: a POST with no body, only telling that something matched.
    outcome = await callRestHook({ method: 'POST', url: endpoint, headers: channel.headers, timeoutMs });
  }
  return outcome.ok ? { sent: true } : { sent: false, reason: outcome.reason, counts: true };
}
