import { readFile } from 'node:fs/promises';
import type { Bundle } from '@medplum/fhirtypes';
import { processBundle } from '../fhir/bundle/process-bundle.ts';
import type { FhirContext } from '../fhir/request.ts';

const DEMO_BUNDLE = new URL('../../seed/demo-bundle.json', import.meta.url);

/**
 * Loads seed/demo-bundle.json (a transaction) into an empty database; does nothing when any
 * resource exists, so restarts never duplicate or overwrite data. Returns the number loaded.
 */
export async function loadDemoSeed(ctx: FhirContext): Promise<number> {
  const existing = await ctx.repo.history(ctx.access, { count: 1 });
  if (existing.total > 0) return 0;
  const bundle = JSON.parse(await readFile(DEMO_BUNDLE, 'utf8')) as Bundle;
  await processBundle(ctx, bundle, 'return=minimal');
  return bundle.entry?.length ?? 0;
}
