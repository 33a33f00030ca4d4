import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Longest a shutdown waits for requests still running before it closes the database anyway. */
const DRAIN_TIMEOUT_MS = 15_000;

/**
 * Graceful shutdown (issue 2: "drains requests, closes the database"): `close` (the database
 * close) runs only once every request that had started has answered or been aborted — also those
 * still queued for a write slot when the server stopped accepting new ones — or after
 * DRAIN_TIMEOUT_MS.
 */
export function closeAfterDrain(app: FastifyInstance, close: () => Promise<void>): void {
  const running = new Set<FastifyRequest>();
  let idle: (() => void) | undefined;
  const done = (request: FastifyRequest) => {
    running.delete(request);
    if (running.size === 0) idle?.();
  };
  app.addHook('onRequest', async (request) => {
    running.add(request);
  });
  app.addHook('onResponse', async (request) => done(request));
  app.addHook('onRequestAbort', async (request) => done(request));
  app.addHook('onClose', async () => {
    if (running.size > 0) {
      await new Promise<void>((resolve) => {
        idle = resolve;
        setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
      });
    }
    await close();
  });
}
