import type { FastifyInstance } from 'fastify';
import { auditEventFor, classifyInteraction } from '../auth/audit/audit-event.ts';
import { AuditQueue } from '../auth/audit/audit-queue.ts';
import { isProtectedPath } from './auth-hook.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The AuditEvent queue (absent with AUDIT=off); tests flush it to read what was recorded. */
    auditQueue?: AuditQueue;
  }
}

/**
 * An AuditEvent for every FHIR REST interaction, refused ones (401/403) included, built after the
 * response from the request's FHIR path and status and queued for a batch write (src/auth/audit).
 * AUDIT=off turns it off.
 */
export function registerAudit(app: FastifyInstance): void {
  const { config, repo } = app.fhir;
  // configFromEnv always sets `audit`; a config built in code without it audits when auth is on
  // (tests that run with auth disabled keep their system-wide history free of AuditEvents).
  if (!(config.audit ?? !config.authDisabled)) return;
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '');
  const queue = new AuditQueue(repo, { onError: (err, lost) => app.log.error({ err, lost }, 'AuditEvent batch could not be written') });
  app.decorate('auditQueue', queue);
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'OPTIONS') return;
    const [path, query] = request.url.split('?');
    if (!isProtectedPath(path, basePath)) return;
    let segments: string[];
    try {
      segments = path.slice(basePath.length).split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      segments = [];
    }
    const interaction = classifyInteraction(request.method, segments);
    if (!interaction) return;
    queue.push(auditEventFor({ interaction, status: reply.statusCode, access: request.accessContext, address: request.ip, query, recorded: new Date() }));
  });
  // preClose runs before the onClose hooks, one of which closes the database.
  app.addHook('preClose', async () => queue.close());
}
