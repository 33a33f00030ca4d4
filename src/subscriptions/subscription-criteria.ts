import type { Subscription } from '@medplum/fhirtypes';
import { systemAccess } from '../auth/access-context.ts';
import { FhirError } from '../fhir/outcome.ts';
import type { Repository, SearchCriterion } from '../fhir/repository.ts';
import type { FhirContext } from '../fhir/request.ts';
import { parseSearch } from '../fhir/search/parse-search.ts';
import { terminologyFor } from '../fhir/terminology/terminology.ts';
import { parseSubscription, type SubscriptionDefinition } from './subscription-definition.ts';

/** A subscription ready to match: its definition and its search criteria, or why it cannot be used. */
export type CompiledSubscription = { ok: true; definition: SubscriptionDefinition; criteria: SearchCriterion[] } | { ok: false; problem: string };

/**
 * The search criteria of a subscription: `criteria` (R4), or the topic's criteria AND each
 * `backport-filter-criteria`, parsed exactly as a search request is (strict: an unknown parameter
 * is refused, never silently ignored, which would widen what the subscriber is sent).
 */
export function compileSubscription(fhir: Pick<FhirContext, 'searchParameters' | 'config' | 'conformance'>, resource: Subscription & { id: string }, versionId: number): CompiledSubscription {
  const parsed = parseSubscription(resource, versionId);
  if (!parsed.ok) return parsed;
  const { definition } = parsed;
  const criteria: SearchCriterion[] = [];
  for (const query of [definition.query, ...definition.filters]) {
    try {
      const search = parseSearch(fhir.searchParameters, definition.resourceType, query, {
        strict: true,
        baseUrl: fhir.config.baseUrl,
        defaultCount: 1,
        maxCount: 1,
        terminology: terminologyFor(fhir.conformance),
      });
      criteria.push(...search.criteria);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      const text = err.outcome.issue?.[0]?.diagnostics ?? err.message;
      return { ok: false, problem: `${definition.topic ? 'backport-filter-criteria' : 'Subscription.criteria'}: ${text}` };
    }
  }
  return { ok: true, definition, criteria };
}

/**
 * Compiled subscriptions by id, kept while their version is current (a Subscription changes
 * rarely; its criteria are matched on every batch of changes).
 */
export class SubscriptionCache {
  private readonly byId = new Map<string, { versionId: number; compiled: CompiledSubscription }>();

  constructor(private readonly fhir: Pick<FhirContext, 'searchParameters' | 'config' | 'conformance'>) {}

  /** The subscription at `versionId` or later, read through `repo`; undefined when it is gone. */
  async load(repo: Repository, id: string, versionId: number): Promise<CompiledSubscription | undefined> {
    const cached = this.byId.get(id);
    if (cached && cached.versionId >= versionId) return cached.compiled;
    const stored = await repo.read(systemAccess, 'Subscription', id);
    if (!stored || stored.deleted || !stored.json) {
      this.byId.delete(id);
      return undefined;
    }
    const compiled = compileSubscription(this.fhir, JSON.parse(stored.json) as Subscription & { id: string }, stored.versionId);
    this.byId.set(id, { versionId: stored.versionId, compiled });
    return compiled;
  }
}
