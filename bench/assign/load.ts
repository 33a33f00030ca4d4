/**
 * Bulk writes through the repository the server uses (`app.fhir.repo.write`, as
 * bench/search/load.ts does): the same serialisation, index extraction and set-based statements
 * as every FHIR write, without HTTP, validation or write rules (the generator computes the values
 * the write rules own).
 */
import type { Resource } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import { configFromEnv } from '../../src/config.ts';
import type { WriteOp } from '../../src/fhir/repository.ts';
import { buildApp } from '../../src/http/app.ts';

export interface WriteOutcome {
  resources: number;
  seconds: number;
}

/** Writes every batch (all-or-nothing each), `inFlight` at a time; `progress` every 10 s. */
export async function writeBatches(
  databaseUrl: string,
  batches: Iterable<Resource[]>,
  options: { inFlight: number; label: string; total: number; progress?: (message: string) => void },
): Promise<WriteOutcome> {
  const config = configFromEnv({ PORT: '8080', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, SEED: 'none', LOG_LEVEL: 'warn' });
  const app = await buildApp(config);
  try {
    const repo = app.fhir.repo;
    const t0 = performance.now();
    let resources = 0;
    let lastReport = t0;
    let failure: unknown;
    const inFlight = new Set<Promise<void>>();
    for (const batch of batches) {
      if (failure) break;
      const ops: WriteOp[] = batch.map((resource) => ({ kind: 'create', resource: resource as Resource & { id: string } }));
      const p: Promise<void> = repo.write(systemAccess, ops).then(
        () => {
          resources += batch.length;
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
        options.progress(`  ${options.label}: ${resources.toLocaleString('en-US')} of ${options.total.toLocaleString('en-US')} resources, ${Math.round(resources / ((now - t0) / 1000))}/s`);
      }
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    return { resources, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await app.close();
  }
}

/** Consecutive ranges [from, to) of `count` items, `size` at a time, mapped to resources. */
export function* batchesOf(count: number, size: number, resourcesOf: (n: number) => Resource[]): Generator<Resource[]> {
  for (let from = 0; from < count; from += size) {
    const batch: Resource[] = [];
    for (let n = from; n < Math.min(count, from + size); n++) batch.push(...resourcesOf(n));
    yield batch;
  }
}
