import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { systemAccess, type AccessContext } from '../auth/access-context.ts';
import type { AuthServer } from '../auth/auth-server.ts';
import { bundleRequirements, requirementsFor, type Requirement } from '../auth/required-scopes.ts';
import { accessFromClaims, InvalidTokenError, verifyAccessToken } from '../auth/token-access.ts';
import { fhirError, type FhirError } from '../fhir/outcome.ts';
import type { FhirContext } from '../fhir/request.ts';
import { FHIR_JSON } from './content-negotiation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on FHIR requests carrying a valid access token. */
    accessContext?: AccessContext;
  }
}

/** The FhirContext of one request: the shared one, with the request's AccessContext. */
export function contextFor(fhir: FhirContext, request: FastifyRequest): FhirContext {
  return request.accessContext ? { ...fhir, access: request.accessContext } : fhir;
}

/**
 * Whether a path (no query) is a protected FHIR endpoint. Public: `[base]/metadata`, the
 * discovery documents, `/health`, `/auth/*` and `/ig*`, matched exactly after trailing slashes;
 * a path with dot segments (`..`, `%2e`) is never public.
 */
export function isProtectedPath(rawPath: string, basePath: string): boolean {
  const path = rawPath.replace(/\/+$/, '') || '/';
  const dotty = /(^|\/)\.\.?(\/|$)|%2e/i.test(path);
  if (!dotty) {
    if (path === '/health' || path === '/.well-known/smart-configuration' || path === '/.well-known/jwks.json') return false;
    if (path.startsWith('/auth/') || path === '/ig' || path.startsWith('/ig/')) return false;
    if (path === `${basePath}/metadata` || path === `${basePath}/.well-known/smart-configuration`) return false;
  }
  return basePath === '' || path === basePath || path.startsWith(`${basePath}/`);
}

function send(reply: FastifyReply, e: FhirError, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(e.status).headers(headers).type(FHIR_JSON).send(JSON.stringify(e.outcome));
}

function describeRequirement(r: Requirement): string {
  const what = r.interaction === 'any' ? 'access to' : { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' }[r.interaction];
  return `${what} ${r.resourceType === '*' ? 'all resource types' : r.resourceType}`;
}

/**
 * Bearer-token check on the FHIR endpoints (SMART App Launch 2.0; RFC 6750 §3): no or invalid
 * token → 401 with `WWW-Authenticate: Bearer`, a scope that does not cover the interaction →
 * 403. `/metadata`, `/.well-known/*`, `/health`, `/auth/*` and `/ig*` stay public. The
 * repository enforces the AccessContext in depth (compartments, tenancy) on top of this.
 */
export function registerAuthHook(app: FastifyInstance, server: AuthServer, basePath: string): void {
  const realm = `realm="${server.config.baseUrl}"`;
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || reply.sent) return;
    const path = request.url.split('?')[0];
    if (!isProtectedPath(path, basePath)) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      return send(reply, fhirError(401, 'login', 'An access token is required: send Authorization: Bearer <token>'), {
        'WWW-Authenticate': `Bearer ${realm}`,
      });
    }
    try {
      request.accessContext = accessFromClaims(await verifyAccessToken(server, match[1]));
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      return send(reply, fhirError(401, 'login', err.message), {
        'WWW-Authenticate': `Bearer ${realm}, error="invalid_token", error_description="${err.message}"`,
      });
    }
  });
  app.addHook('preHandler', async (request, reply) => {
    const access = request.accessContext;
    if (!access || access === systemAccess) return;
    const [pathPart, queryPart] = request.url.split('?');
    let segments: string[];
    try {
      segments = pathPart.slice(basePath.length).split('/').filter((s) => s.length > 0).map(decodeURIComponent);
    } catch {
      return; // the FHIR routes answer 400 for a malformed path
    }
    const query = [...new URLSearchParams(queryPart ?? '').entries()];
    const needed = [...requirementsFor(request.method, segments, query)];
    if (request.method === 'POST' && segments.length === 0) needed.push(...bundleRequirements(request.body));
    const scopes = access.scopes;
    for (const r of needed) {
      const ok = r.interaction === 'any' ? scopes?.allowsAny(r.resourceType) : access.allows?.(r.interaction, r.resourceType);
      if (!ok) {
        return send(reply, fhirError(403, 'forbidden', `The access token's scopes do not allow ${describeRequirement(r)}`), {
          'WWW-Authenticate': `Bearer ${realm}, error="insufficient_scope"`,
        });
      }
    }
  });
}
