import type { Bundle } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { auditEventFor, classifyInteraction, tokenFailureEventFor } from '../auth/audit/audit-event.ts';
import { AuditQueue } from '../auth/audit/audit-queue.ts';
import { isProtectedPath } from './auth-hook.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The AuditEvent queue (absent with AUDIT=off); tests flush it to read what was recorded. */
    auditQueue?: AuditQueue;
  }
  interface FastifyRequest {
    /** Per-entry statuses of a batch/transaction response, kept for its per-entry AuditEvents. */
    bundleEntryStatuses?: (string | undefined)[];
    /** The OAuth error code of a refused token request, for its AuditEvent. */
    tokenError?: string;
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
    const recorded = new Date();
    const event = { access: request.accessContext, address: request.ip, recorded };
    queue.push(auditEventFor({ ...event, interaction, status: reply.statusCode, query }));
    // A batch or transaction: one more event per entry, with that entry's own interaction and outcome.
    const statuses = request.bundleEntryStatuses;
    const entries = (request.body as Bundle | undefined)?.entry;
    if (interaction.subtype !== 'batch' || !statuses || !Array.isArray(entries)) return;
    entries.forEach((entry, i) => {
      const url = typeof entry?.request?.url === 'string' ? entry.request.url : '';
      const [entryPath, entryQuery] = url.split('?');
      const entryInteraction = classifyInteraction(String(entry?.request?.method ?? ''), entryPath.split('/').filter((s) => s.length > 0));
      const status = Number.parseInt(statuses[i] ?? '', 10);
      if (entryInteraction && Number.isFinite(status)) queue.push(auditEventFor({ ...event, interaction: entryInteraction, status, query: entryQuery }));
    });
  });
  // The entries' statuses are only in the response body: read them on the way out.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'POST' || typeof payload !== 'string' || !payload.includes('-response"')) return payload;
    const [path] = request.url.split('?');
    if (path.replace(/\/+$/, '') !== basePath) return payload;
    try {
      const body = JSON.parse(payload) as Bundle;
      if (body.resourceType === 'Bundle' && (body.type === 'batch-response' || body.type === 'transaction-response')) {
        request.bundleEntryStatuses = (body.entry ?? []).map((e) => e.response?.status);
      }
    } catch {
      // not JSON: nothing to record per entry
    }
    return payload;
  });
  registerTokenFailureAudit(app, queue);
  // preClose runs before the onClose hooks, one of which closes the database.
  app.addHook('preClose', async () => queue.close());
}

const TOKEN_PATH = '/auth/token';

/** A refused token request (bad PKCE verifier, replayed assertion, unknown client...) is audited too. */
function registerTokenFailureAudit(app: FastifyInstance, queue: AuditQueue): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && request.url.split('?')[0] === TOKEN_PATH && typeof payload === 'string') {
      try {
        request.tokenError = String((JSON.parse(payload) as { error?: unknown }).error ?? 'error');
      } catch {
        request.tokenError = 'error';
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.tokenError === undefined) return;
    queue.push(tokenFailureEventFor({ clientId: claimedClientId(request.body, request.headers.authorization), error: request.tokenError, status: reply.statusCode, address: request.ip, recorded: new Date() }));
  });
}

/** The client id a token request claims (form, HTTP Basic, or the assertion's unverified `iss`); never a secret. */
function claimedClientId(body: unknown, authorization: string | undefined): string | undefined {
  const form = body && typeof body === 'object' && !(body instanceof Error) ? (body as Record<string, unknown>) : {};
  if (typeof form.client_id === 'string' && form.client_id) return form.client_id.slice(0, 200);
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')).slice(0, 200) : undefined;
  }
  if (typeof form.client_assertion === 'string') {
    try {
      const iss = decodeJwt(form.client_assertion).iss;
      return typeof iss === 'string' ? iss.slice(0, 200) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
