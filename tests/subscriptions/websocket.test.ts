import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fhirClient } from '../support/fhir-client.ts';
import { startTestApp } from '../support/test-app.ts';
import { eventually, payloadContent, plainTask, referralTask, restHook, statusOf, topicSubscription } from './support.ts';

/**
 * The websocket channel: R4 `bind <id>` / `bound <id>` / `ping <id>` (subscription.html), and the
 * Backport IG's `$get-ws-binding-token` + `bind-with-token <token>` receiving notification Bundles.
 */
let app: FastifyInstance;
let close: () => Promise<void>;
let wsUrl: string;
const fhir = () => fhirClient(app);

beforeAll(async () => {
  ({ app, close } = await startTestApp({ subscriptionPollMs: 10, subscriptionRetryMs: 20 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  wsUrl = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/fhir/websocket`;
});
afterAll(() => close());

/** A websocket client that keeps every message it receives. */
async function connect() {
  const socket = new WebSocket(wsUrl);
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, send: (text: string) => socket.send(text) };
}

async function activeSubscription(body: object): Promise<string> {
  const res = await fhir().post('/Subscription', body);
  expect(res.status, res.text).toBe(201);
  await eventually('active', async () => (await fhir().get(`/Subscription/${res.body.id}`)).body.status === 'active');
  return res.body.id;
}

describe('websocket channel', () => {
  it('R4: bind <id> is answered bound <id>, then each matching change sends ping <id>', async () => {
    const id = await activeSubscription({ ...restHook('', 'Task?owner=Organization/org-ws'), channel: { type: 'websocket' } });
    const client = await connect();
    client.send(`bind ${id}`);
    await eventually('bound', () => client.messages.includes(`bound ${id}`));
    await fhir().put('/Task/ws-1', plainTask('ws-1', 'org-ws'));
    await fhir().put('/Task/ws-other', plainTask('ws-other', 'org-elsewhere'));
    await eventually('ping', () => client.messages.includes(`ping ${id}`));
    await fhir().put('/Task/ws-1', plainTask('ws-1', 'org-ws', 'accepted'));
    await eventually('second ping', () => client.messages.filter((m) => m === `ping ${id}`).length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(client.messages).toEqual([`bound ${id}`, `ping ${id}`, `ping ${id}`]);
    client.socket.close();
  });

  it('binding to an unknown subscription or sending nonsense is answered with error', async () => {
    const client = await connect();
    client.send('bind no-such-subscription');
    client.send('hello there');
    client.send('bind-with-token not-a-token');
    await eventually('three errors', () => client.messages.length === 3);
    expect([...client.messages].sort()).toEqual([
      'error no websocket Subscription no-such-subscription',
      'error the binding token is not valid (unknown or expired)',
      'error unknown command "hello"',
    ]);
    client.socket.close();
  });

  it('Backport IG: $get-ws-binding-token, bind-with-token, then the handshake and event-notification Bundles', async () => {
    const id = await activeSubscription(topicSubscription({ type: 'websocket', ...payloadContent('full-resource') }, ['Task?owner=Organization/prov-ws']));
    const token = await fhir().post(`/Subscription/${id}/$get-ws-binding-token`, { resourceType: 'Parameters' });
    expect(token.status, token.text).toBe(200);
    const param = (name: string) => token.body.parameter.find((p: { name: string }) => p.name === name);
    expect(param('websocket-url').valueUrl).toBe('ws://localhost:8080/fhir/websocket');
    expect(param('subscription').valueString).toBe(id);
    expect(Date.parse(param('expiration').valueDateTime)).toBeGreaterThan(Date.now());
    const client = await connect();
    client.send(`bind-with-token ${param('token').valueString}`);
    const handshake = await eventually('handshake', () => client.messages.map((m) => JSON.parse(m)).find((b) => statusOf(b).type === 'handshake'));
    expect(statusOf(handshake)).toMatchObject({ status: 'active', events: '0' });
    await fhir().put('/Task/ws-ref-1', referralTask('ws-ref-1', 'prov-ws', 'requested'));
    const event = await eventually('event', () => client.messages.map((m) => JSON.parse(m)).find((b) => statusOf(b).type === 'event-notification'));
    expect(statusOf(event).notificationEvents[0]['event-number']).toBe('1');
    expect(event.entry[1].resource).toMatchObject({ resourceType: 'Task', id: 'ws-ref-1', status: 'requested' });
    client.socket.close();
  });

  it('$get-ws-binding-token refuses a rest-hook Subscription', async () => {
    const id = await activeSubscription(restHook('http://127.0.0.1:9/x', 'Task?owner=Organization/none'));
    const res = await fhir().post(`/Subscription/${id}/$get-ws-binding-token`, { resourceType: 'Parameters' });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(/does not use the websocket channel/);
  });
});
