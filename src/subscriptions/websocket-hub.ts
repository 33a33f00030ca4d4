import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** What the hub asks the subscription service when a client binds. */
export interface WebSocketBinder {
  /** Whether `id` is a Subscription with a websocket channel (R4 `bind <id>`). */
  isWebsocketSubscription(id: string): Promise<boolean>;
  /** The subscriptions a `$get-ws-binding-token` token binds; undefined when unknown or expired. */
  tokenSubscriptions(token: string): Promise<string[] | undefined>;
  /** A client bound with a token: it is sent the handshake (and then heartbeats) of each. */
  tokenBound(socket: WebSocket, subscriptionIds: string[]): void;
}

/** Bindings one connection may hold: enough for a client, not a way to exhaust the server. */
const MAX_BINDINGS_PER_SOCKET = 100;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * The websocket endpoint `[base]/websocket` (R4 subscription.html "websocket"): a client connects,
 * sends `bind <subscription-id>`, is answered `bound <id>`, then receives `ping <id>` for each
 * notification (no content: binding needs no credentials). With the Backport IG's binding token
 * it sends `bind-with-token <token>` instead and receives the notification Bundles themselves
 * (handshake, heartbeat, event-notification) as JSON text. Unknown messages get `error <text>`.
 */
export class WebSocketHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  /** Subscription id → sockets bound with `bind` (sent pings). */
  private readonly pinged = new Map<string, Set<WebSocket>>();
  /** Subscription id → sockets bound with a token (sent Bundles). */
  private readonly bundled = new Map<string, Set<WebSocket>>();
  private server?: Server;

  constructor(
    private readonly path: string,
    private readonly binder: WebSocketBinder,
  ) {}

  attach(server: Server): void {
    this.server = server;
    server.on('upgrade', this.onUpgrade);
  }

  /** Subscriptions some client of this process is bound to: only this process delivers to them. */
  boundIds(): string[] {
    return [...new Set([...this.pinged.keys(), ...this.bundled.keys()])];
  }

  /**
   * Sends a notification to every client bound to the subscription here: `ping <id>` to plain
   * binders, the Bundle text to token binders. Resolves with how many clients took it.
   */
  async notify(subscriptionId: string, bundle: () => string): Promise<number> {
    const sends: Promise<boolean>[] = [];
    for (const socket of this.pinged.get(subscriptionId) ?? []) sends.push(send(socket, `ping ${subscriptionId}`));
    const bundled = this.bundled.get(subscriptionId);
    if (bundled && bundled.size > 0) {
      const text = bundle();
      for (const socket of bundled) sends.push(send(socket, text));
    }
    return (await Promise.all(sends)).filter(Boolean).length;
  }

  close(): void {
    this.server?.off('upgrade', this.onUpgrade);
    for (const socket of this.wss.clients) socket.terminate();
    this.wss.close();
    this.pinged.clear();
    this.bundled.clear();
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path !== this.path) {
      // Another upgrade listener may serve it; with none, nobody would ever answer.
      if (this.server && this.server.listenerCount('upgrade') === 1) socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.connected(ws));
  };

  private connected(socket: WebSocket): void {
    const bindings = new Set<string>();
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      for (const map of [this.pinged, this.bundled]) {
        for (const id of bindings) {
          map.get(id)?.delete(socket);
          if (map.get(id)?.size === 0) map.delete(id);
        }
      }
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return void send(socket, 'error binary messages are not supported');
      void this.message(socket, bindings, String(data).trim()).catch(() => send(socket, 'error the binding could not be checked; try again'));
    });
  }

  private async message(socket: WebSocket, bindings: Set<string>, text: string): Promise<void> {
    const [command, arg = '', ...rest] = text.split(/\s+/);
    if (rest.length > 0 || !arg) return void send(socket, 'error expected "bind <subscription-id>" or "bind-with-token <token>"');
    if (bindings.size >= MAX_BINDINGS_PER_SOCKET) return void send(socket, `error at most ${MAX_BINDINGS_PER_SOCKET} bindings per connection`);
    if (command === 'bind') {
      if (!ID.test(arg) || !(await this.binder.isWebsocketSubscription(arg))) return void send(socket, `error no websocket Subscription ${arg.slice(0, 64)}`);
      add(this.pinged, arg, socket);
      bindings.add(arg);
      return void send(socket, `bound ${arg}`);
    }
    if (command === 'bind-with-token') {
      const ids = await this.binder.tokenSubscriptions(arg);
      if (!ids) return void send(socket, 'error the binding token is not valid (unknown or expired)');
      for (const id of ids) {
        add(this.bundled, id, socket);
        bindings.add(id);
      }
      this.binder.tokenBound(socket, ids);
      return;
    }
    send(socket, `error unknown command "${command.slice(0, 32)}"`);
  }
}

function add(map: Map<string, Set<WebSocket>>, id: string, socket: WebSocket): void {
  const set = map.get(id) ?? new Set<WebSocket>();
  set.add(socket);
  map.set(id, set);
}

export function send(socket: WebSocket, text: string): Promise<boolean> {
  if (socket.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => socket.send(text, (err) => resolve(!err)));
}
