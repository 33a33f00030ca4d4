import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';
import { deliveredEvents, eventually, payloadContent, referralTask, startReceiver, statusOf, storeSubscription, TOPIC, topicSubscription, type Received } from './support.ts';

/**
 * Topic-based Subscriptions per the R4 Subscriptions Backport IG 1.1.0 on the referral Task status
 * topic: handshake, event notifications (SubscriptionStatus with event numbers), the three
 * payload contents, filters, heartbeat and $status.
 */
const { fhir, app } = useFhirServer({ subscriptionPollMs: 10, subscriptionRetryMs: 20 });
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

/** The notifications one subscription received so far (by its reference in SubscriptionStatus). */
const notificationsOf = (id: string): Received[] => receiver.received.filter((r) => r.json && (statusOf(r.json).subscription as { reference?: string } | undefined)?.reference?.endsWith(`/Subscription/${id}`));

async function subscribe(content: 'empty' | 'id-only' | 'full-resource', owner: string, heartbeatSeconds?: number) {
  const res = await fhir.post(
    '/Subscription',
    topicSubscription({ type: 'rest-hook', endpoint: receiver.url, ...payloadContent(content) }, [`Task?owner=Organization/${owner}`], heartbeatSeconds),
  );
  expect(res.status, res.text).toBe(201);
  const id: string = res.body.id;
  await eventually('handshake and status active', async () => notificationsOf(id).length > 0 && (await fhir.get(`/Subscription/${id}`)).body.status === 'active');
  return id;
}

describe('topic-based rest-hook Subscription (Backport IG)', () => {
  it('sends a handshake on activation, then becomes active', async () => {
    const id = await subscribe('id-only', 'prov-handshake');
    const [handshake] = notificationsOf(id);
    expect(handshake.method).toBe('POST');
    expect(handshake.headers['content-type']).toBe('application/fhir+json');
    expect(handshake.json.resourceType).toBe('Bundle');
    expect(handshake.json.type).toBe('history');
    expect(handshake.json.meta.profile).toEqual(['http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4']);
    expect(handshake.json.entry[0].resource.resourceType).toBe('Parameters');
    expect(handshake.json.entry[0].request).toEqual({ method: 'GET', url: `http://localhost:8080/fhir/Subscription/${id}/$status` });
    expect(statusOf(handshake.json)).toMatchObject({ type: 'handshake', status: 'requested', topic: TOPIC, events: '0', notificationEvents: [] });
  });

  it('numbers each status change of a matching referral Task: SubscriptionStatus, focus and request per event', async () => {
    const id = await subscribe('id-only', 'prov-events');
    await fhir.put('/Task/ev-1', referralTask('ev-1', 'prov-events', 'requested'));
    await fhir.put('/Task/ev-other', referralTask('ev-other', 'prov-elsewhere', 'requested')); // filtered out
    await fhir.put('/Task/ev-1', referralTask('ev-1', 'prov-events', 'requested', { note: [{ text: 'no status change' }] })); // not an event
    await fhir.put('/Task/ev-1', referralTask('ev-1', 'prov-events', 'accepted'));
    const events = await eventually('two events', () => {
      const list = deliveredEvents(notificationsOf(id));
      return list.length >= 2 && list;
    });
    expect(events.map((e) => e.number)).toEqual(['1', '2']);
    expect(events.map((e) => e.focus)).toEqual([{ reference: 'http://localhost:8080/fhir/Task/ev-1' }, { reference: 'http://localhost:8080/fhir/Task/ev-1' }]);
    expect(events.every((e) => !Number.isNaN(Date.parse(e.timestamp)))).toBe(true);
    // id-only: the focus entry has its URL and request, not the resource
    expect(events[0].entry).toEqual({ fullUrl: 'http://localhost:8080/fhir/Task/ev-1', request: { method: 'POST', url: 'Task' }, response: { status: '201' } });
    expect(events[1].entry).toEqual({ fullUrl: 'http://localhost:8080/fhir/Task/ev-1', request: { method: 'PUT', url: 'Task/ev-1' }, response: { status: '200' } });
    // events-since-subscription-start of a notification is its last event's number
    const last = notificationsOf(id).filter((n) => statusOf(n.json).type === 'event-notification').at(-1)!;
    expect(statusOf(last.json).events).toBe('2');
    await new Promise((r) => setTimeout(r, 200));
    expect(deliveredEvents(notificationsOf(id))).toHaveLength(2);
  });

  it('payload content empty: the SubscriptionStatus alone, without focus', async () => {
    const id = await subscribe('empty', 'prov-empty');
    await fhir.put('/Task/em-1', referralTask('em-1', 'prov-empty', 'requested'));
    const event = await eventually('an event', () => notificationsOf(id).find((n) => statusOf(n.json).type === 'event-notification'));
    expect(event.json.entry).toHaveLength(1);
    expect(statusOf(event.json).notificationEvents).toEqual([{ 'event-number': '1', timestamp: expect.any(String) }]);
  });

  it('payload content full-resource: the Task itself, as of each event', async () => {
    const id = await subscribe('full-resource', 'prov-full');
    await fhir.put('/Task/fu-1', referralTask('fu-1', 'prov-full', 'requested'));
    await fhir.put('/Task/fu-1', referralTask('fu-1', 'prov-full', 'accepted'));
    const events = await eventually('two events', () => {
      const list = deliveredEvents(notificationsOf(id));
      return list.length >= 2 && list;
    });
    expect(events.map((e) => [e.number, e.entry?.resource.id, e.entry?.resource.meta.versionId, e.entry?.resource.status])).toEqual([
      ['1', 'fu-1', '1', 'requested'],
      ['2', 'fu-1', '2', 'accepted'],
    ]);
  });

  it('backport-max-count 1: one event per notification', async () => {
    const res = await fhir.post('/Subscription', {
      ...topicSubscription({ type: 'rest-hook', endpoint: receiver.url, ...payloadContent('id-only') }, ['Task?owner=Organization/prov-one']),
      channel: {
        type: 'rest-hook',
        endpoint: receiver.url,
        ...payloadContent('id-only'),
        extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-max-count', valuePositiveInt: 1 }],
      },
    });
    const id: string = res.body.id;
    await eventually('active', async () => (await fhir.get(`/Subscription/${id}`)).body.status === 'active');
    for (const n of [1, 2, 3]) await fhir.put(`/Task/one-${n}`, referralTask(`one-${n}`, 'prov-one', 'requested'));
    await eventually('three events', () => deliveredEvents(notificationsOf(id)).length >= 3);
    const bundles = notificationsOf(id).filter((n) => statusOf(n.json).type === 'event-notification');
    expect(bundles.map((b) => statusOf(b.json).notificationEvents.length)).toEqual([1, 1, 1]);
    expect(bundles.map((b) => statusOf(b.json).events)).toEqual(['1', '2', '3']);
  });

  it('sends heartbeats (backport-heartbeat-period) while there is nothing else to send', async () => {
    const id = await subscribe('id-only', 'prov-heartbeat', 1);
    const heartbeat = await eventually('a heartbeat', () => notificationsOf(id).find((n) => statusOf(n.json).type === 'heartbeat'), 10_000);
    expect(statusOf(heartbeat.json)).toMatchObject({ type: 'heartbeat', status: 'active', events: '0', notificationEvents: [] });
    expect(heartbeat.json.entry).toHaveLength(1);
  });

  it('$status reports status, topic and events-since-subscription-start, at instance and type level', async () => {
    const id = await subscribe('id-only', 'prov-status');
    await fhir.put('/Task/st-1', referralTask('st-1', 'prov-status', 'requested'));
    await fhir.put('/Task/st-1', referralTask('st-1', 'prov-status', 'accepted'));
    await eventually('two events', () => deliveredEvents(notificationsOf(id)).length >= 2);
    const instance = await fhir.get(`/Subscription/${id}/$status`);
    expect(instance.status, instance.text).toBe(200);
    expect(instance.body.type).toBe('searchset');
    expect(instance.body.total).toBe(1);
    expect(instance.body.entry[0].resource.meta.profile).toEqual(['http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4']);
    expect(statusOf({ entry: [instance.body.entry[0]] })).toMatchObject({ type: 'query-status', status: 'active', topic: TOPIC, events: '2' });
    const typeLevel = await fhir.get(`/Subscription/$status?id=${id}&status=active`);
    expect(typeLevel.body.total).toBe(1);
    expect(statusOf({ entry: [typeLevel.body.entry[0]] }).events).toBe('2');
    expect((await fhir.get(`/Subscription/$status?id=${id}&status=off`)).body.total).toBe(0);
    expect((await fhir.get('/Subscription/no-such/$status')).status).toBe(404);
  });

  it('a filter on another type, an unknown filter parameter or an unknown topic sets status error with the reason', async () => {
    // Written past the write rule (which answers 422): what the worker does with them.
    const badFilter = await storeSubscription(app(), topicSubscription({ type: 'rest-hook', endpoint: receiver.url }, ['Patient?name=x']));
    const badParam = await storeSubscription(app(), topicSubscription({ type: 'rest-hook', endpoint: receiver.url }, ['Task?colour=red']));
    const badTopic = await storeSubscription(app(), { ...topicSubscription({ type: 'rest-hook', endpoint: receiver.url }), criteria: 'https://example.org/SubscriptionTopic/nope' });
    for (const [id, reason] of [
      [badFilter, /backport-filter-criteria "Patient\?name=x" must be a search on Task/],
      [badParam, /backport-filter-criteria: .*colour/],
      [badTopic, /Unknown SubscriptionTopic/],
    ] as const) {
      const s = await eventually('status error', async () => {
        const body = (await fhir.get(`/Subscription/${id}`)).body;
        return body.status === 'error' && body;
      });
      expect(s.error).toMatch(reason);
    }
    expect(receiver.received.filter((r) => [badFilter, badParam, badTopic].some((id) => r.body.includes(`/Subscription/${id}`)))).toEqual([]);
  });
});
