import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import { freePort } from '../support/free-port.ts';

export const B = 'https://ecm-fhir.example.org/fhir';
export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const TOPIC = `${B}/SubscriptionTopic/referral-task-status`;
export const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered with. */
  answered: number;
  json?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed notification of any shape, asserted by tests
}

/**
 * A rest-hook endpoint on a free loopback port: records every call; answers `status` (200 by
 * default; a test may make it fail and recover).
 */
export async function startReceiver() {
  const received: Received[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, answered: status });
      res.statusCode = status;
      res.end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer(code: number) {
      status = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until `check` returns a value other than undefined/false (polling), or fails naming `what`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function restHook(endpoint: string, criteria: string, extra: Partial<Subscription> = {}): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'test',
    criteria,
    channel: { type: 'rest-hook', endpoint, ...(extra.channel ?? {}) },
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'channel')),
  } as Subscription;
}

/** A topic-based (Backport IG) Subscription on referral Task status changes. */
export function topicSubscription(
  channel: Subscription['channel'] & { _payload?: unknown },
  filters: string[] = [],
  heartbeatSeconds?: number,
): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'referral status',
    criteria: TOPIC,
    ...(filters.length > 0 ? { _criteria: { extension: filters.map((f) => ({ url: `${BACKPORT}/backport-filter-criteria`, valueString: f })) } } : {}),
    channel: {
      ...channel,
      ...(heartbeatSeconds ? { extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: heartbeatSeconds }] } : {}),
    },
  } as Subscription;
}

export function payloadContent(content: 'empty' | 'id-only' | 'full-resource') {
  return { payload: 'application/fhir+json', _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: content }] } };
}

export function referralTask(id: string, owner: string, status = 'requested', extra: Record<string, unknown> = {}): Resource & { id: string } {
  return {
    resourceType: 'Task',
    id,
    status,
    intent: 'order',
    code: FULFILL,
    requester: { reference: 'Organization/referrer' },
    owner: { reference: `Organization/${owner}` },
    ...extra,
  } as Resource & { id: string };
}

/** A Task that is not a referral Task (no code): the referral lifecycle rules do not apply to it. */
export function plainTask(id: string, owner: string, status = 'requested'): Resource & { id: string } {
  return { resourceType: 'Task', id, status, intent: 'order', owner: { reference: `Organization/${owner}` } } as Resource & { id: string };
}

/** The SubscriptionStatus parameters of a notification Bundle, by name (notification-event parts flattened). */
export function statusOf(bundle: { entry: { resource: { parameter: { name: string; [k: string]: unknown }[] } }[] }) {
  const params = bundle.entry[0].resource.parameter;
  const value = (name: string) => {
    const p = params.find((x) => x.name === name);
    return p && Object.entries(p).find(([k]) => k.startsWith('value'))?.[1];
  };
  const events = params
    .filter((p) => p.name === 'notification-event')
    .map((p) => Object.fromEntries((p.part as { name: string; [k: string]: unknown }[]).map((part) => [part.name, Object.entries(part).find(([k]) => k.startsWith('value'))?.[1]])));
  return { type: value('type'), status: value('status'), topic: value('topic'), subscription: value('subscription'), events: value('events-since-subscription-start'), notificationEvents: events };
}

export interface DeliveredEvent {
  number: string;
  timestamp: string;
  focus?: { reference: string };
  /** The Bundle entry of the event's focus (id-only, full-resource); absent with `empty`. */
  entry?: { fullUrl: string; resource?: any; request: unknown; response: unknown }; // eslint-disable-line @typescript-eslint/no-explicit-any -- the focus resource, asserted by tests
}

/**
 * Every event of these event-notification Bundles, in order. A notification may carry several
 * events (those waiting together); the n-th `notification-event` goes with the (n+1)-th entry.
 */
export function deliveredEvents(notifications: Received[]): DeliveredEvent[] {
  return notifications
    .filter((r) => r.json?.entry && statusOf(r.json).type === 'event-notification')
    .flatMap((r) =>
      statusOf(r.json).notificationEvents.map((e, i) => ({
        number: e['event-number'] as string,
        timestamp: e.timestamp as string,
        focus: e.focus as { reference: string } | undefined,
        entry: r.json.entry[i + 1],
      })),
    );
}

/**
 * Stores a Subscription through the repository, as the server's own code or a bulk load would,
 * bypassing the write rules (which refuse an invalid one with 422): what the delivery worker
 * does with a Subscription it cannot serve. Returns its id.
 */
export async function storeSubscription(app: FastifyInstance, resource: Subscription): Promise<string> {
  const id = randomUUID();
  await app.fhir.repo.write(systemAccess, [{ kind: 'create', resource: { ...resource, id } }]);
  return id;
}
