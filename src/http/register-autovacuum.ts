import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { ServerAutovacuum } from '../store/server-autovacuum.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's VACUUM / ANALYZE timer (src/store/server-autovacuum.ts); undefined when ServerConfig.vacuum is unset or its interval is 0. */
    vacuum?: ServerAutovacuum;
  }
}

/** Starts the server's own autovacuum once the app is ready (it only runs where PostgreSQL's is off) and stops it before the database closes. */
export function registerAutovacuum(app: FastifyInstance, config: ServerConfig): void {
  if (!config.vacuum || config.vacuum.intervalMs <= 0) return;
  const vacuum = new ServerAutovacuum(app.database, config.vacuum, {
    info: (obj, msg) => app.log.info(obj, msg),
    warn: (obj, msg) => app.log.warn(obj, msg),
  });
  app.decorate('vacuum', vacuum);
  app.addHook('onReady', async () => {
    await vacuum.start();
  });
  app.addHook('preClose', async () => vacuum.stop());
}
