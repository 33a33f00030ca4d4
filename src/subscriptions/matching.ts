import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../fhir/outcome.ts';
import type { Repository } from '../fhir/repository.ts';
import type { OutboxChange, VersionLoader, Watcher } from '../store/subscription-store.ts';
import { accessOfStored } from './subscriber-access.ts';
import type { SubscriptionCache } from './subscription-criteria.ts';

/**
 * Which changes of one batch a subscription is sent: those that meet its criteria (R4) or its
 * topic's trigger, criteria and filters (Backport IG), and that its stored access may read. The
 * criteria run as a search through the Repository, restricted to the changed ids and under the
 * subscriber's access, so every search parameter, modifier and chain works as in a search, and
 * row-level access is enforced by the same SQL as everywhere else.
 *
 * Criteria are evaluated against the resource as it is when the batch is processed (normally
 * within milliseconds of the change). An R4 criteria subscription is sent a change only if its
 * version is still the current one: a version superseded before it was processed is covered by
 * the newer version's own notification, so what is sent always meets the criteria. A topic's
 * trigger compares the exact versions of each change, so every status change is an event.
 */
export class BatchMatcher {
  /** Resource versions read for topic triggers, by `Type/id/version` (JSON, or null: deleted or unknown). */
  private readonly versions = new Map<string, string | null>();

  constructor(private readonly subscriptions: SubscriptionCache) {}

  async match(changes: OutboxChange[], watcher: Watcher, repo: Repository, loadVersions: VersionLoader): Promise<number[]> {
    const compiled = await this.subscriptions.load(repo, watcher.id, watcher.versionId);
    // Not understood: the worker's check sets it to error; nothing to match meanwhile.
    if (!compiled?.ok) return [];
    const { definition, criteria } = compiled;
    let candidates = changes.filter((c) => c.resourceType === definition.resourceType);
    if (definition.topic) {
      const topic = definition.topic;
      await this.prefetch(candidates, loadVersions);
      candidates = candidates.filter((c) => {
        const current = this.version(c, c.versionId);
        return current !== undefined && topic.triggered(c.versionId > 1 ? this.version(c, c.versionId - 1) : undefined, current);
      });
    }
    if (candidates.length === 0) return [];
    const ids = [...new Set(candidates.map((c) => c.id))];
    let found: Map<string, number>;
    try {
      const result = await repo.search(accessOfStored(watcher.access), {
        resourceType: definition.resourceType,
        criteria: [...criteria, { kind: 'id', ids }],
        count: ids.length,
        offset: 0,
        total: false,
      });
      found = new Map(result.resources.map((r) => [r.id, r.versionId]));
    } catch (err) {
      // The subscriber may not read this type at all (scopes): it is sent nothing of it.
      if (err instanceof FhirError && err.status === 403) return [];
      throw err;
    }
    const current = (c: OutboxChange) => found.get(c.id) === c.versionId;
    return candidates.filter((c) => found.has(c.id) && (definition.topic !== undefined || current(c))).map((c) => c.seq);
  }

  /** Reads every version a trigger compares (each change's and the one before it) in one statement. */
  private async prefetch(changes: OutboxChange[], loadVersions: VersionLoader): Promise<void> {
    const keys = changes
      .flatMap((c) => [c.versionId, c.versionId - 1].filter((v) => v > 0).map((versionId) => ({ resourceType: c.resourceType, id: c.id, versionId })))
      .filter((k) => !this.versions.has(`${k.resourceType}/${k.id}/${k.versionId}`));
    if (keys.length === 0) return;
    const loaded = await loadVersions(keys);
    for (const k of keys) {
      const key = `${k.resourceType}/${k.id}/${k.versionId}`;
      this.versions.set(key, loaded.get(key) ?? null);
    }
  }

  private version(change: OutboxChange, versionId: number): Resource | undefined {
    const json = this.versions.get(`${change.resourceType}/${change.id}/${versionId}`);
    return json ? (JSON.parse(json) as Resource) : undefined;
  }
}
