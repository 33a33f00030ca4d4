/**
 * Bulk load of the synthetic population (seed/population) straight through the repository the
 * server uses (`app.fhir.repo.write`): the same serialisation, index extraction and set-based
 * statements as every FHIR write, without HTTP. Optionally validates each resource first, as the
 * REST layer does (BENCH_SEARCH_VALIDATE=1).
 */
import type { Resource } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import { configFromEnv } from '../../src/config.ts';
import { structuralIssues } from '../../src/fhir/validation/validate-resource.ts';
import type { WriteOp } from '../../src/fhir/repository.ts';
import { buildApp } from '../../src/http/app.ts';
import { populationBatches, populationOrganizations } from '../../seed/population/generate.ts';

export interface LoadOptions {
  databaseUrl: string;
  members: number;
  seed: number;
  /** Members per write (about 20 resources each). */
  membersPerBatch: number;
  /** Writes in flight at once (the pool has 16 connections). */
  inFlight: number;
  /** Run the server's structural validation on every resource before writing it. */
  validate: boolean;
  progress?: (message: string) => void;
}

export interface LoadOutcome {
  resources: number;
  seconds: number;
  resourcesPerSecond: number;
  /** Seconds spent in validation (0 when off), summed. */
  validationSeconds: number;
}

export async function loadPopulation(options: LoadOptions): Promise<LoadOutcome> {
  const config = configFromEnv({ PORT: '8080', HOST: '127.0.0.1', DATABASE_URL: options.databaseUrl, SEED: 'none', LOG_LEVEL: 'warn' });
  const app = await buildApp(config);
  try {
    const repo = app.fhir.repo;
    let validationSeconds = 0;
    const write = async (resources: Resource[]) => {
      if (options.validate) {
        const t = performance.now();
        for (const r of resources) {
          const issues = structuralIssues(r);
          if (issues.length > 0) throw new Error(`${r.resourceType}/${r.id} is not valid: ${issues.map((i) => i.diagnostics).join('; ')}`);
        }
        validationSeconds += (performance.now() - t) / 1000;
      }
      const ops: WriteOp[] = resources.map((resource) => ({ kind: 'create', resource: resource as Resource & { id: string } }));
      await repo.write(systemAccess, ops);
    };

    const t0 = performance.now();
    const organizations = populationOrganizations();
    await write(organizations);
    let resources = organizations.length;
    let lastReport = t0;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (const batch of populationBatches({ seed: options.seed, to: options.members, membersPerBatch: options.membersPerBatch })) {
      if (failure) break;
      const p: Promise<void> = write(batch.resources).then(
        () => {
          resources += batch.resources.length;
          inFlight.delete(p);
        },
        (err: unknown) => {
          failure ??= err;
          inFlight.delete(p);
        },
      );
      inFlight.add(p);
      if (inFlight.size >= options.inFlight) await Promise.race(inFlight);
      const now = performance.now();
      if (options.progress && now - lastReport > 10_000) {
        lastReport = now;
        const s = (now - t0) / 1000;
        options.progress(`  ${batch.to.toLocaleString('en-US')} of ${options.members.toLocaleString('en-US')} members, ${resources.toLocaleString('en-US')} resources, ${Math.round(resources / s)} resources/s`);
      }
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    const seconds = (performance.now() - t0) / 1000;
    return { resources, seconds, resourcesPerSecond: resources / seconds, validationSeconds };
  } finally {
    await app.close();
  }
}
