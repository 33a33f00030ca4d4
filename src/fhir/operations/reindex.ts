import type { Parameters } from '@medplum/fhirtypes';
import type { Operation } from './operation.ts';

/**
 * `$reindex` (system or type level, POST): rebuilds the search index from the stored resources,
 * e.g. after a SearchParameter was added to profiles/. Returns a Parameters with `count`.
 */
export const reindexOperation: Operation = {
  name: 'reindex',
  levels: ['system', 'type'],
  affectsState: true,
  definition: 'https://ecm-fhir.example.org/fhir/OperationDefinition/reindex',
  async handle(ctx, _req, target) {
    const count = await ctx.repo.reindex(ctx.access, target.resourceType);
    const body: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: count }] };
    return { status: 200, body };
  },
};
