import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirRequest, forgeToken, organization, startAuthApp, store } from '../auth/support.ts';
import { deliveredEvents, eventually, payloadContent, referralTask, restHook, startReceiver, statusOf, topicSubscription } from './support.ts';

/**
 * A subscriber receives only what its access context may read (issue 9; ECM tenancy,
 * access-control.md): the access of the token that created the Subscription is kept with it and
 * every match and every resource sent is checked under it by the repository.
 */
let app: FastifyInstance;
let close: () => Promise<void>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  ({ app, close } = await startAuthApp());
  receiver = await startReceiver();
  await store(app, organization('prov-a', 'prov'), organization('prov-b', 'prov'));
});
afterAll(async () => {
  await receiver.close();
  await close();
});

const orgToken = (org: string) => forgeToken(app, { scope: 'user/*.cruds', org, sub: `user-${org}`, fhirUser: 'Practitioner/pr-1' });

async function subscribeAs(token: string, body: object): Promise<string> {
  const res = await fhirRequest(app, 'POST', '/Subscription', token, body);
  expect(res.status, res.text).toBe(201);
  await eventually('active', async () => (await fhirRequest(app, 'GET', `/Subscription/${res.body.id}`, token)).body.status === 'active');
  return res.body.id;
}

describe("a subscription made with an organization's token", () => {
  it("is not sent another organization's Task (topic-based, full-resource)", async () => {
    const id = await subscribeAs(await orgToken('prov-a'), topicSubscription({ type: 'rest-hook', endpoint: receiver.url, ...payloadContent('full-resource') }));
    await store(app, referralTask('acc-b', 'prov-b'), referralTask('acc-a', 'prov-a'));
    const mine = (r: { json?: { entry?: { resource?: { parameter?: unknown } }[] } }) =>
      r.json?.entry?.[0]?.resource?.parameter && (statusOf(r.json as never).subscription as { reference: string }).reference.endsWith(`/Subscription/${id}`);
    const events = () => deliveredEvents(receiver.received.filter(mine));
    await eventually('the own Task', () => events().length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(events().map((e) => [e.number, e.entry?.resource.id])).toEqual([['1', 'acc-a']]);
  });

  it("is not sent another organization's Task (R4 criteria, resource PUT)", async () => {
    await subscribeAs(await orgToken('prov-a'), restHook(receiver.url, 'Task?status=accepted', { channel: { type: 'rest-hook', endpoint: receiver.url, payload: 'application/fhir+json' } }));
    await store(app, referralTask('crit-b', 'prov-b', 'accepted'), referralTask('crit-a', 'prov-a', 'accepted'));
    const puts = () => receiver.received.filter((r) => r.method === 'PUT').map((r) => r.path);
    await eventually('the own Task', () => puts().length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(puts()).toEqual(['/hook/Task/crit-a']);
  });

  it("the plan's token (a payer sees every Task) is sent both", async () => {
    const id = await subscribeAs(await orgToken('plan-kern'), topicSubscription({ type: 'rest-hook', endpoint: receiver.url, ...payloadContent('id-only') }, ['Task?status=on-hold']));
    await store(app, referralTask('plan-a', 'prov-a', 'on-hold'), referralTask('plan-b', 'prov-b', 'on-hold'));
    const focus = () =>
      deliveredEvents(receiver.received.filter((r) => r.json?.entry && (statusOf(r.json).subscription as { reference: string }).reference.endsWith(`/Subscription/${id}`)))
        .map((e) => e.entry?.fullUrl)
        .sort();
    await eventually('both Tasks', () => focus().length >= 2);
    expect(focus()).toEqual(['http://localhost:8080/fhir/Task/plan-a', 'http://localhost:8080/fhir/Task/plan-b']);
  });
});
