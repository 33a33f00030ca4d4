/**
 * Deterministic synthetic ECM population for benchmarks: members numbered 0..n-1, each about 20
 * resources (member.ts), plus a few plan and provider Organizations. The same seed gives
 * byte-identical resources; any member range can be generated on its own.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { memberResources } from './member.ts';
import { populationOrganizations } from './organizations.ts';

export { ANCHOR_DATE } from './dates.ts';
export { CIN_SYSTEM, cinOf, memberResources, patientId } from './member.ts';
export { PLAN_IDS, PROVIDER_IDS, populationOrganizations } from './organizations.ts';

export const DEFAULT_SEED = 20261101;

export interface PopulationRange {
  seed?: number;
  /** First member number (inclusive); default 0. */
  from?: number;
  /** Last member number (exclusive). */
  to: number;
  /** Members per batch; default 50 (about 1,000 resources). */
  membersPerBatch?: number;
}

export interface PopulationBatch {
  /** Member numbers [from, to) in this batch. */
  from: number;
  to: number;
  resources: Resource[];
}

/** The members in [from, to), in batches of whole members (a member never spans two batches). */
export function* populationBatches(range: PopulationRange): Generator<PopulationBatch> {
  const seed = range.seed ?? DEFAULT_SEED;
  const size = range.membersPerBatch ?? 50;
  if (!Number.isInteger(size) || size <= 0) throw new Error(`membersPerBatch must be a positive integer, got ${size}`);
  for (let from = range.from ?? 0; from < range.to; from += size) {
    const to = Math.min(range.to, from + size);
    const resources: Resource[] = [];
    for (let n = from; n < to; n++) resources.push(...memberResources(n, seed));
    yield { from, to, resources };
  }
}

/**
 * A FHIR transaction Bundle that creates or replaces `resources` at their own ids
 * (PUT Type/id; transaction.html#bundle: update with a client-assigned id).
 */
export function transactionBundle(resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      fullUrl: `${resource.resourceType}/${resource.id}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}

/** Everything a population of `members` members consists of: Organizations first, then the members. */
export function* populationResources(members: number, seed = DEFAULT_SEED): Generator<Resource> {
  yield* populationOrganizations();
  for (const batch of populationBatches({ seed, to: members })) yield* batch.resources;
}
