import { systemAccess, type AccessContext } from '../../auth/access-context.ts';
import type { HistoryPage, HistoryQuery, Repository, SearchQuery, SearchResult, StoredResource, WriteOp, WriteResult } from '../../fhir/repository.ts';

/**
 * A repository that answers, from resources fetched beforehand in bulk, the system-access reads
 * and one-reference searches that the write rules of an import make row by row (the Task judged,
 * the parent Task its status is relayed to, the member's Coverage for the plan settings): a few
 * searches per chunk of rows instead of several queries per row. Every write through it forgets
 * what it writes (a read of a written resource, a search of a written type, goes to the
 * database). A stale answer cannot slip through: the rules pin each update to the version they
 * judged (If-Match), so a resource changed by someone else in between fails the write (412) and
 * the import redoes that row from a fresh read on the plain repository. What was not fetched goes
 * straight to the wrapped repository, so a rule that reads something else still works.
 */
export class PrefetchedRepository implements Repository {
  constructor(
    private readonly inner: Repository,
    private readonly resources: Map<string, StoredResource> = new Map(),
    /** Per resource type, `param|Target/id` → every current match of that search. */
    private readonly searches: Map<string, Map<string, StoredResource[]>> = new Map(),
  ) {}

  remember(stored: StoredResource): void {
    if (!stored.deleted && stored.json !== null) this.resources.set(`${stored.resourceType}/${stored.id}`, stored);
  }

  /** Every match of `resourceType?param=target` (target `Type/id`), for a later search of exactly that. */
  rememberSearch(resourceType: string, param: string, target: string, matches: StoredResource[]): void {
    let ofType = this.searches.get(resourceType);
    if (!ofType) this.searches.set(resourceType, (ofType = new Map()));
    ofType.set(`${param}|${target}`, [...matches].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  }

  async read(access: AccessContext, resourceType: string, id: string): Promise<StoredResource | undefined> {
    const hit = access === systemAccess ? this.resources.get(`${resourceType}/${id}`) : undefined;
    return hit ?? this.inner.read(access, resourceType, id);
  }

  vread(access: AccessContext, resourceType: string, id: string, versionId: number): Promise<StoredResource | undefined> {
    return this.inner.vread(access, resourceType, id, versionId);
  }

  write(access: AccessContext, ops: WriteOp[]): Promise<WriteResult[]> {
    for (const op of ops) {
      const type = op.kind === 'delete' ? op.resourceType : op.resource.resourceType;
      this.resources.delete(`${type}/${op.kind === 'delete' ? op.id : op.resource.id}`);
      this.searches.delete(type);
    }
    return this.inner.write(access, ops);
  }

  history(access: AccessContext, query: HistoryQuery): Promise<HistoryPage> {
    return this.inner.history(access, query);
  }

  async search(access: AccessContext, query: SearchQuery): Promise<SearchResult> {
    const hit = access === systemAccess ? this.searches.get(query.resourceType)?.get(searchKey(query) ?? '') : undefined;
    if (hit && hit.length <= query.count) return { resources: hit, more: false, ...(query.total === false ? {} : { total: hit.length }) };
    return this.inner.search(access, query);
  }

  lockIfFree(access: AccessContext, resourceType: string, ids: string[]): Promise<Map<string, number>> {
    return this.inner.lockIfFree(access, resourceType, ids);
  }

  transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(new PrefetchedRepository(tx, this.resources, this.searches)));
  }

  reindex(access: AccessContext, resourceType?: string): Promise<number> {
    return this.inner.reindex(access, resourceType);
  }
}

/** `param|Target/id` of a plain first-page search by one reference value, else undefined. */
function searchKey(q: SearchQuery): string | undefined {
  if (q.types || q.cursor || q.offset !== 0 || q.sort?.length || q.include?.length || q.criteria.length !== 1) return undefined;
  const c = q.criteria[0];
  if (c.kind !== 'reference' || c.values.length !== 1 || !c.values[0].targetType || !c.values[0].targetId || c.values[0].url) return undefined;
  return `${c.param}|${c.values[0].targetType}/${c.values[0].targetId}`;
}
