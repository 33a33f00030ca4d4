import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authServerUrls, type AuthServer } from '../../auth/auth-server.ts';
import { seedDemoAuth } from '../../auth/demo-auth-seed.ts';
import { loadServerKeys } from '../../auth/server-keys.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { AuthStore } from '../../store/auth-store.ts';
import type { Database } from '../../store/database.ts';
import { registerAuthHook } from '../auth-hook.ts';
import { adminRoutes } from './admin.ts';
import { authorizeRoutes } from './authorize.ts';
import { parseForm } from './client-auth.ts';
import { discoveryRoutes } from './discovery.ts';
import { introspectRevokeRoutes } from './introspect-revoke.ts';
import { OAuthError, sendOAuthError } from './oauth-error.ts';
import { tokenRoutes } from './token.ts';

declare module 'fastify' {
  interface FastifyInstance {
    authServer: AuthServer;
  }
}

/**
 * The SMART on FHIR authorization server (discovery, authorize/login, token, introspection,
 * revocation, EHR launch, client admin) and, unless AUTH_DISABLED, the bearer-token check on
 * the FHIR endpoints. Demo clients and users are stored on first start with SEED=demo.
 */
export async function registerSmart(app: FastifyInstance, database: Database, fhir: FhirContext): Promise<AuthServer> {
  const config = fhir.config;
  const basePath = new URL(config.baseUrl).pathname.replace(/\/+$/, '');
  const store = new AuthStore(database);
  const server: AuthServer = {
    config,
    store,
    keys: await loadServerKeys(store),
    issuer: config.baseUrl,
    audience: config.baseUrl,
    urls: authServerUrls(config.baseUrl),
  };
  if (config.seed === 'demo' && (await seedDemoAuth(store))) app.log.info('demo SMART clients and users stored (DEMO ONLY credentials)');
  app.decorate('authServer', server);
  if (!config.authDisabled) registerAuthHook(app, server, basePath);
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseForm(String(body))));
    scope.setErrorHandler((err: unknown, _request: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) return sendOAuthError(reply, new OAuthError(400, 'invalid_request', (err as Error).message));
      throw err; // the server's error handler answers 500 without details
    });
    discoveryRoutes(scope, server, basePath);
    authorizeRoutes(scope, server, fhir);
    tokenRoutes(scope, server);
    introspectRevokeRoutes(scope, server);
    adminRoutes(scope, server, fhir);
  });
  return server;
}
