import { systemAccess } from './auth/access-context.ts';
import { configFromEnv } from './config.ts';
import { buildApp } from './http/app.ts';
import { isResourceType } from './fhir/resource-types.ts';

/** `npm run reindex [-- Type]`: rebuilds the search index on the configured database. */
const type = process.argv[2];
if (type !== undefined && !isResourceType(type)) {
  console.error(`Unknown resource type "${type}"`);
  process.exit(2);
}
const app = await buildApp({ ...configFromEnv(), seed: 'none', logLevel: 'warn' });
try {
  const started = Date.now();
  const count = await app.fhir.repo.reindex(systemAccess, type);
  console.log(`reindexed ${count} resources in ${Date.now() - started} ms`);
} finally {
  await app.close();
}
