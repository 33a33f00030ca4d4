import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { FhirContext } from '../fhir/request.ts';
import type { Database } from '../store/database.ts';
import { IndexExtractor } from '../store/indexing/index-extractor.ts';
import { SubscriptionStore } from '../store/subscription-store.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { notificationBundle } from './notification-bundle.ts';
import { SubscriptionCache } from './subscription-criteria.ts';
import { bindingTokenHash, setSubscriptionService, websocketUrlOf } from './subscription-service.ts';
import { send, WebSocketHub } from './websocket-hub.ts';

/** Defaults of the delivery worker (ServerConfig subscriptionPollMs / subscriptionRetryMs). */
const DEFAULT_POLL_MS = 50;
const DEFAULT_RETRY_MS = 1000;
const FAILURES_BEFORE_ERROR = 3;

/**
 * Subscriptions in a server (src/http/app.ts): the websocket endpoint on the app's HTTP server,
 * the delivery worker started once the app is ready and stopped before it closes (so the database
 * is closed after the last delivery round; what is left stays in the outbox for the next start).
 */
export function registerSubscriptions(app: FastifyInstance, database: Database, fhir: FhirContext): void {
  const { config } = fhir;
  const store = new SubscriptionStore(database, new IndexExtractor(fhir.searchParameters, config.baseUrl));
  const subscriptions = new SubscriptionCache(fhir);
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '');
  const heartbeats = new Set<NodeJS.Timeout>();

  const hub: WebSocketHub = new WebSocketHub(`${basePath}/websocket`, {
    isWebsocketSubscription: async (id) => (await store.states([id]))[0]?.channelType === 'websocket',
    tokenSubscriptions: (token) => store.bindingToken(bindingTokenHash(token)),
    tokenBound: (socket, ids) => void greet(socket, ids).catch(() => socket.terminate()),
  });

  /** Backport IG websocket binding: a handshake per subscription, then its heartbeats. */
  async function greet(socket: WebSocket, ids: string[]): Promise<void> {
    for (const state of await store.states(ids)) {
      const status = (type: 'handshake' | 'heartbeat', s = state) =>
        JSON.stringify(notificationBundle({ baseUrl: config.baseUrl, subscriptionId: s.id, topic: s.topic ?? undefined, status: s.status, type, eventsSinceStart: s.eventsSinceStart }));
      await send(socket, status('handshake'));
      const compiled = await subscriptions.load(fhir.repo, state.id, 0);
      const seconds = compiled?.ok ? compiled.definition.channel.heartbeatSeconds : undefined;
      if (!seconds) continue;
      const timer = setInterval(() => {
        void store.states([state.id]).then(([now]) => (now ? send(socket, status('heartbeat', now)) : undefined), () => undefined);
      }, seconds * 1000);
      heartbeats.add(timer);
      socket.once('close', () => {
        clearInterval(timer);
        heartbeats.delete(timer);
      });
    }
  }

  const worker = new DeliveryWorker(
    store,
    fhir,
    hub,
    subscriptions,
    { pollMs: config.subscriptionPollMs ?? DEFAULT_POLL_MS, retryMs: config.subscriptionRetryMs ?? DEFAULT_RETRY_MS, failuresBeforeError: FAILURES_BEFORE_ERROR },
    app.log,
  );
  setSubscriptionService(config, { store, websocketUrl: websocketUrlOf(config.baseUrl) });
  hub.attach(app.server);
  if (config.subscriptionDelivery !== false) app.addHook('onReady', async () => worker.start());
  app.addHook('preClose', async () => {
    await worker.stop();
    for (const timer of heartbeats) clearInterval(timer);
    hub.close();
  });
}
