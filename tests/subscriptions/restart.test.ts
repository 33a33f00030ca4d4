import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { BASE_URL } from '../support/test-app.ts';
import { deliveredEvents, eventually, payloadContent, referralTask, startReceiver, statusOf, topicSubscription } from './support.ts';

/**
 * At-least-once across restarts (issue 9 "Subscriptions"): changes written while no delivery
 * worker runs wait in the outbox; notifications already numbered but not delivered wait in the
 * queue; a new server on the same database delivers exactly the missing ones, in order, once.
 * PostgreSQL: the same schema; PGlite: the same data directory on disk.
 */
const databaseUrl = process.env.TEST_DATABASE_URL || undefined;
const schema = databaseUrl ? `test_${randomBytes(6).toString('hex')}` : undefined;
const dataDir = databaseUrl ? 'memory://' : mkdtempSync(join(tmpdir(), 'ecm-subscriptions-restart-'));
let receiver: Awaited<ReturnType<typeof startReceiver>>;

function config(delivery: boolean): ServerConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    baseUrl: BASE_URL,
    databaseUrl,
    dataDir,
    schema,
    seed: 'none',
    logLevel: 'silent',
    bodyLimit: 1024 * 1024,
    maxPageSize: 100,
    defaultPageSize: 20,
    authDisabled: true,
    subscriptionPollMs: 10,
    subscriptionRetryMs: 20,
    subscriptionDelivery: delivery,
  };
}

async function start(delivery: boolean): Promise<FastifyInstance> {
  const app = await buildApp(config(delivery));
  await app.ready();
  return app;
}

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  if (databaseUrl && schema) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  } else {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** The events the endpoint accepted (answered 200), in order. */
const events = () => deliveredEvents(receiver.received.filter((r) => r.answered === 200)).map((e) => [e.number, e.entry?.resource.id, e.entry?.resource.status]);

describe('a server restart between the change and the delivery', () => {
  it('loses nothing and sends nothing twice', { timeout: 120_000 }, async () => {
    // 1. A server that does not deliver (SUBSCRIPTION_DELIVERY=off): changes stay in the outbox.
    let app = await start(false);
    let fhir = fhirClient(app);
    const sub = await fhir.post('/Subscription', topicSubscription({ type: 'rest-hook', endpoint: receiver.url, ...payloadContent('full-resource') }, ['Task?owner=Organization/prov-r']));
    expect(sub.status, sub.text).toBe(201);
    await fhir.put('/Task/r-1', referralTask('r-1', 'prov-r', 'requested'));
    await fhir.put('/Task/r-2', referralTask('r-2', 'prov-r', 'requested'));
    await fhir.put('/Task/r-x', referralTask('r-x', 'prov-other', 'requested'));
    expect(Number((await app.database.query<{ n: string }>('SELECT count(*) AS n FROM subscription_outbox')).rows[0].n)).toBe(3);
    await app.close();
    expect(receiver.received).toEqual([]);

    // 2. A new server on the same database with a failing endpoint: it numbers the events and
    //    tries the handshake (which fails, so nothing after it is sent), then stops with all queued.
    receiver.answer(503);
    app = await start(true);
    fhir = fhirClient(app);
    await eventually('failed attempts', () => receiver.received.length >= 2);
    await fhir.put('/Task/r-1', referralTask('r-1', 'prov-r', 'accepted'));
    await eventually('the handshake and three events queued', async () => Number((await app.database.query<{ n: string }>('SELECT count(*) AS n FROM subscription_notification')).rows[0].n) === 4);
    await app.close();
    expect(events()).toEqual([]);

    // 3. A third server, the endpoint back: the handshake, then exactly events 1, 2, 3, once each, in order.
    receiver.answer(200);
    app = await start(true);
    fhir = fhirClient(app);
    await eventually('three events', () => events().length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(events()).toEqual([
      ['1', 'r-1', 'requested'],
      ['2', 'r-2', 'requested'],
      ['3', 'r-1', 'accepted'],
    ]);
    const delivered = receiver.received.filter((r) => r.answered === 200).map((r) => statusOf(r.json).type);
    expect(delivered[0]).toBe('handshake');
    expect(delivered.slice(1).every((t) => t === 'event-notification')).toBe(true);
    const status = await fhir.get(`/Subscription/${sub.body.id}/$status`);
    expect(statusOf({ entry: [status.body.entry[0]] }).events).toBe('3');
    await app.close();
  });
});
