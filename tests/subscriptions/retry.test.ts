import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';
import { freePort } from '../support/free-port.ts';
import { eventually, plainTask, restHook, startReceiver, topicSubscription } from './support.ts';

/**
 * A failing endpoint (R4 subscription.html "error"): retries with backoff, status `error` with
 * the reason after repeated failures, and back to `active` with the missed notification delivered
 * once the endpoint recovers.
 */
const { fhir } = useFhirServer({ subscriptionPollMs: 10, subscriptionRetryMs: 20 });
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const statusOfSubscription = async (id: string) => (await fhir.get(`/Subscription/${id}`)).body;

describe('delivery failures', () => {
  it('an endpoint answering 500 moves the Subscription to error with the reason; it recovers and the notification arrives', async () => {
    const created = await fhir.post('/Subscription', restHook(receiver.url, 'Task?owner=Organization/org-flaky', { channel: { type: 'rest-hook', endpoint: receiver.url, header: ['X-Case: flaky'] } }));
    const id: string = created.body.id;
    await eventually('active', async () => (await statusOfSubscription(id)).status === 'active');
    receiver.answer(500);
    await fhir.put('/Task/flaky-1', plainTask('flaky-1', 'org-flaky'));
    const errored = await eventually('status error', async () => {
      const s = await statusOfSubscription(id);
      return s.status === 'error' && s;
    });
    expect(errored.error).toBe('The endpoint answered HTTP 500');
    const calls = () => receiver.received.filter((r) => r.headers['x-case'] === 'flaky');
    expect(calls().length).toBeGreaterThanOrEqual(3);
    expect(calls().every((c) => c.answered === 500)).toBe(true);
    const status = await fhir.get(`/Subscription/${id}/$status`);
    expect(status.body.entry[0].resource.parameter).toEqual(
      expect.arrayContaining([
        { name: 'status', valueCode: 'error' },
        { name: 'error', valueCodeableConcept: { text: 'The endpoint answered HTTP 500' } },
      ]),
    );

    receiver.answer(200);
    await eventually('status active again', async () => (await statusOfSubscription(id)).status === 'active');
    const recovered = await statusOfSubscription(id);
    expect(recovered.error).toBeUndefined();
    expect(calls().filter((c) => c.answered === 200)).toHaveLength(1);
  });

  it('an unreachable endpoint fails the handshake of a topic-based Subscription: status error with the connection error', async () => {
    const closedPort = await freePort();
    const created = await fhir.post('/Subscription', topicSubscription({ type: 'rest-hook', endpoint: `http://127.0.0.1:${closedPort}/nobody` }));
    const errored = await eventually('status error', async () => {
      const s = await statusOfSubscription(created.body.id);
      return s.status === 'error' && s;
    });
    expect(errored.error).toBe('The endpoint could not be reached (ECONNREFUSED)');
  });
});
