import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { systemAccess } from '../auth/access-context.ts';
import type { ServerConfig } from '../config.ts';
import type { FhirContext } from '../fhir/request.ts';
import { loadConformance } from '../conformance/conformance.ts';
import { profileValidatorFor } from '../fhir/validation/profiles.ts';
import { allOperations } from '../fhir/operations/index.ts';
import { OperationRegistry } from '../fhir/operations/operation.ts';
import { coreSearchParameters } from '../fhir/search/search-parameters.ts';
import { loadR4Definitions } from '../fhir/validation/definitions.ts';
import { openDatabase, type Database } from '../store/database.ts';
import { IndexExtractor } from '../store/indexing/index-extractor.ts';
import { migrate } from '../store/migrate.ts';
import { PostgresRepository } from '../store/postgres-repository.ts';
import { fhirError } from '../fhir/outcome.ts';
import { FHIR_JSON } from './content-negotiation.ts';
import { registerCors } from './cors.ts';
import { registerErrorHandling } from './errors.ts';
import { closeAfterDrain } from './drain.ts';
import { registerAutovacuum } from './register-autovacuum.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { registerJobs } from '../jobs/register-jobs.ts';
import { fhirRoutes } from './fhir-routes.ts';
import { igRoutes } from './ig-routes.ts';
import { contextFor } from './auth-hook.ts';
import { registerSmart } from './smart/index.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { registerRateLimit } from './rate-limit.ts';
import { registerAudit } from './audit-hook.ts';
import { registerSubscriptions } from '../subscriptions/register-subscriptions.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    fhir: FhirContext;
  }
}

/**
 * Builds the whole server: database (migrated), repository, FHIR routes, error handling.
 * `main` and the tests both use it; closing the app closes the database.
 */
export async function buildApp(config: ServerConfig): Promise<FastifyInstance> {
  loadR4Definitions();
  const database = await openDatabase(config);
  await migrate(database);
  const conformance = loadConformance();
  // snapshots generated and profiles compiled at start-up, so a broken profile fails the boot
  profileValidatorFor(conformance).compileAll();
  const searchParameters = coreSearchParameters().with(conformance.searchParameters());
  const repo = new PostgresRepository(database, new IndexExtractor(searchParameters, config.baseUrl));
  const operations = new OperationRegistry(allOperations());
  const fhir: FhirContext = { repo, config, searchParameters, access: systemAccess, operations, conformance, jobs: new JobQueue(database) };

  const app = Fastify({
    logger: { level: config.logLevel },
    // The default request log includes query strings, which can hold identifiers: we log our own line.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // Errors fastify raises before routing (malformed URL encoding) get an OperationOutcome too.
    frameworkErrors: (error, _request, reply) => {
      const e = fhirError(400, 'invalid', error.code === 'FST_ERR_BAD_URL' ? 'The request URL is not valid URL encoding' : error.message);
      void (reply as unknown as FastifyReply).code(400).type(FHIR_JSON).send(JSON.stringify(e.outcome));
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  app.decorate('database', database);
  app.decorate('fhir', fhir);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  closeAfterDrain(app, () => database.close());
  registerSubscriptions(app, database, fhir);
  registerJobs(app, config);
  registerAutovacuum(app, config);
  registerSecurityHeaders(app);
  registerErrorHandling(app);
  registerCors(app);
  registerAudit(app);
  app.get('/health', async () => ({ status: 'ok' }));
  await app.register(igRoutes, { conformance });
  const prefix = new URL(config.baseUrl).pathname.replace(/\/+$/, '');
  await registerSmart(app, database, fhir);
  registerRateLimit(app);
  await app.register(fhirRoutes, { basePath: prefix, context: (request) => contextFor(fhir, request), version });
  return app;
}
