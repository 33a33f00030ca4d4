import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';

/** Profiles of the R4 Subscriptions Backport IG 1.1.0 that these resources follow. */
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const NOTIFICATION_BUNDLE_PROFILE = `${BACKPORT}/backport-subscription-notification-r4`;
export const SUBSCRIPTION_STATUS_PROFILE = `${BACKPORT}/backport-subscription-status-r4`;

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status';

export interface NotificationEvent {
  eventNumber: number;
  timestamp: string;
  /** The changed resource (`Type/id`); absent with payload content `empty`. */
  focus?: string;
}

export interface SubscriptionStatusInput {
  baseUrl: string;
  subscriptionId: string;
  topic?: string;
  status: string;
  type: NotificationType;
  eventsSinceStart: number;
  events?: NotificationEvent[];
  error?: string;
}

/**
 * The SubscriptionStatus of the Backport IG in R4 form: a Parameters (profile
 * backport-subscription-status-r4). Counts are strings there (R4 has no integer64).
 */
export function subscriptionStatus(input: SubscriptionStatusInput): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'subscription', valueReference: { reference: `${input.baseUrl}/Subscription/${input.subscriptionId}` } },
    ...(input.topic ? [{ name: 'topic', valueCanonical: input.topic }] : []),
    { name: 'status', valueCode: input.status },
    { name: 'type', valueCode: input.type },
    { name: 'events-since-subscription-start', valueString: String(input.eventsSinceStart) },
  ];
  for (const event of input.events ?? []) {
    parameter.push({
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: String(event.eventNumber) },
        { name: 'timestamp', valueInstant: event.timestamp },
        ...(event.focus ? [{ name: 'focus', valueReference: { reference: `${input.baseUrl}/${event.focus}` } }] : []),
      ],
    });
  }
  if (input.error) parameter.push({ name: 'error', valueCodeableConcept: { text: input.error } });
  return { resourceType: 'Parameters', meta: { profile: [SUBSCRIPTION_STATUS_PROFILE] }, parameter };
}

/** The changed resource of an event: its reference, whether it was created, and (full-resource) its content. */
export interface NotificationFocus {
  reference: string;
  created: boolean;
  resource?: Resource;
}

/**
 * A notification Bundle (profile backport-subscription-notification-r4): type `history`, the
 * SubscriptionStatus first (its request the matching `$status` call), then one entry per focus
 * (id-only: fullUrl and request; full-resource: with the resource).
 */
export function notificationBundle(status: SubscriptionStatusInput, focus: NotificationFocus[] = []): Bundle {
  const entries: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: subscriptionStatus(status),
      request: { method: 'GET', url: `${status.baseUrl}/Subscription/${status.subscriptionId}/$status` },
      response: { status: '200' },
    },
  ];
  for (const f of focus) {
    const [type] = f.reference.split('/');
    entries.push({
      fullUrl: `${status.baseUrl}/${f.reference}`,
      ...(f.resource ? { resource: f.resource } : {}),
      request: f.created ? { method: 'POST', url: type } : { method: 'PUT', url: f.reference },
      response: { status: f.created ? '201' : '200' },
    });
  }
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { profile: [NOTIFICATION_BUNDLE_PROFILE] },
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: entries,
  };
}
