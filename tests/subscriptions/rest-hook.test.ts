import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';
import type { Subscription } from '@medplum/fhirtypes';
import { eventually, plainTask, restHook, startReceiver, storeSubscription } from './support.ts';

/**
 * R4 criteria Subscriptions over rest-hook (subscription.html): activation, matching through the
 * search engine, payload or none, custom headers, and a criteria the server cannot evaluate.
 */
const { fhir, app } = useFhirServer({ subscriptionPollMs: 10, subscriptionRetryMs: 20 });
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

async function subscribe(criteria: string, channel: Record<string, unknown> = {}) {
  const created = await fhir.post('/Subscription', restHook(receiver.url, criteria, { channel: { type: 'rest-hook', endpoint: receiver.url, ...channel } }));
  expect(created.status, created.text).toBe(201);
  const id: string = created.body.id;
  await eventually(`Subscription/${id} active`, async () => (await fhir.get(`/Subscription/${id}`)).body.status === 'active');
  return id;
}

describe('R4 rest-hook Subscription (criteria)', () => {
  it('requested becomes active; a matching change is POSTed without a body, with the channel headers', async () => {
    const marker = 'org-nopayload';
    await subscribe(`Task?owner=Organization/${marker}&status=completed`, { header: ['Authorization: Bearer abc', 'X-Tenant: kern'] });
    expect((await fhir.put('/Task/np-1', plainTask('np-1', marker, 'requested'))).status).toBe(201);
    expect((await fhir.put('/Task/np-other', plainTask('np-other', 'someone-else', 'completed'))).status).toBe(201);
    expect((await fhir.put('/Task/np-1', plainTask('np-1', marker, 'completed'))).status).toBe(200);
    const hit = await eventually('a notification', () => receiver.received.find((r) => r.headers['x-tenant'] === 'kern'));
    expect(hit.method).toBe('POST');
    expect(hit.path).toBe('/hook');
    expect(hit.body).toBe('');
    expect(hit.headers.authorization).toBe('Bearer abc');
    // Only the matching change: the requested version and the other owner's Task were not sent.
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.filter((r) => r.headers['x-tenant'] === 'kern')).toHaveLength(1);
  });

  it('with payload application/fhir+json the changed resource is PUT to [endpoint]/Task/[id], at the version that matched', async () => {
    const marker = 'org-payload';
    await subscribe(`Task?owner=Organization/${marker}`, { payload: 'application/fhir+json' });
    const puts = () => receiver.received.filter((r) => r.path === '/hook/Task/pl-1');
    await fhir.put('/Task/pl-1', plainTask('pl-1', marker, 'requested'));
    await eventually('the first PUT', () => puts().length === 1);
    await fhir.put('/Task/pl-1', plainTask('pl-1', marker, 'accepted'));
    const calls = await eventually('two PUTs', () => {
      const list = puts();
      return list.length >= 2 && list;
    });
    expect(calls.map((c) => c.method)).toEqual(['PUT', 'PUT']);
    expect(calls.map((c) => c.headers['content-type'])).toEqual(['application/fhir+json', 'application/fhir+json']);
    expect(calls.map((c) => [c.json.meta.versionId, c.json.status])).toEqual([
      ['1', 'requested'],
      ['2', 'accepted'],
    ]);
  });

  it('past its end the server turns the Subscription off and sends nothing more (R4 Subscription.end)', async () => {
    const marker = 'org-ending';
    const end = new Date(Date.now() + 1500).toISOString();
    const id = await subscribe(`Task?owner=Organization/${marker}`, { header: ['X-Tenant: ending'] });
    const current = (await fhir.get(`/Subscription/${id}`)).body;
    expect((await fhir.put(`/Subscription/${id}`, { ...current, end })).status).toBe(200);
    await eventually(`Subscription/${id} active again`, async () => (await fhir.get(`/Subscription/${id}`)).body.status === 'active');
    await fhir.put('/Task/end-1', plainTask('end-1', marker, 'requested'));
    await eventually('the notification before the end', () => receiver.received.some((r) => r.headers['x-tenant'] === 'ending'));
    const off = await eventually('status off', async () => {
      const s = (await fhir.get(`/Subscription/${id}`)).body;
      return s.status === 'off' && s;
    }, 8000);
    expect(off.end).toBe(end);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(end));
    await fhir.put('/Task/end-1', plainTask('end-1', marker, 'completed'));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.headers['x-tenant'] === 'ending')).toHaveLength(1);
  });

  // Written past the write rule (which answers 422): the worker sets such a Subscription to error.
  it.each([
    ['an unknown search parameter', restHook('http://127.0.0.1:9/x', 'Task?no-such-param=1'), /Subscription.criteria: .*no-such-param/],
    ['an unknown resource type', restHook('http://127.0.0.1:9/x', 'Nonsense?status=x'), /unknown resource type "Nonsense"/],
    ['an unsupported channel', { ...restHook('http://127.0.0.1:9/x', 'Task?status=completed'), channel: { type: 'sms', endpoint: 'tel:123' } }, /channel.type "sms" is not supported/],
  ] as const)('a Subscription with %s is set to status error with the reason', async (_what, resource, reason) => {
    const id = await storeSubscription(app(), resource as Subscription);
    const errored = await eventually('status error', async () => {
      const s = (await fhir.get(`/Subscription/${id}`)).body;
      return s.status === 'error' && s;
    });
    expect(errored.error).toMatch(reason);
  });
});
