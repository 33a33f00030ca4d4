import { createHash } from 'node:crypto';
import type { ServerConfig } from '../config.ts';
import type { SubscriptionStore } from '../store/subscription-store.ts';

/** What the Subscription operations need of the server they run in. */
export interface SubscriptionService {
  store: SubscriptionStore;
  /** `ws(s)://…/fhir/websocket`: where websocket clients connect. */
  websocketUrl: string;
}

/** One per server (keyed by its configuration object, shared by every request context of the app). */
const services = new WeakMap<ServerConfig, SubscriptionService>();

export function setSubscriptionService(config: ServerConfig, service: SubscriptionService): void {
  services.set(config, service);
}

export function subscriptionServiceFor(config: ServerConfig): SubscriptionService | undefined {
  return services.get(config);
}

/** Binding tokens are stored as this hash only. */
export function bindingTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function websocketUrlOf(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/websocket`;
}
