import type { Resource } from '@medplum/fhirtypes';
import { systemAccess, type AccessContext } from '../../auth/access-context.ts';
import type { Repository, SearchCriterion, StoredResource } from '../../fhir/repository.ts';
import { IDS_PER_SEARCH, PAGE_SIZE, type Stored } from '../assignment/search-all.ts';
import { idOf, literalTarget } from '../assignment/vocabulary.ts';

/**
 * Token or reference values per search: each is an alternative of an OR, whose cost grows faster
 * than the list beyond ~100 (500 CINs in one search take twice as long as in five).
 */
export const VALUES_PER_SEARCH = 100;

/** Each page of a search, in keyset order, without counting the matches. */
export async function forEachPage<T extends Resource>(
  repo: Repository,
  access: AccessContext,
  resourceType: T['resourceType'],
  criteria: SearchCriterion[],
  visit: (page: Stored<T>[]) => void | Promise<void>,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await repo.search(access, { resourceType, criteria, count: PAGE_SIZE, offset: 0, cursor, total: false });
    const resources: Stored<T>[] = [];
    for (const s of page.resources) if (s.json) resources.push({ resource: JSON.parse(s.json) as T & { id: string }, versionId: s.versionId });
    await visit(resources);
    cursor = page.more ? page.next : undefined;
  } while (cursor);
}

/** The stored current versions of these ids of one type, as the repository returns them (for PrefetchedRepository). */
export async function forEachStored(repo: Repository, access: AccessContext, resourceType: string, ids: string[], visit: (stored: StoredResource) => void): Promise<void> {
  for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
    let cursor: string | undefined;
    do {
      const page = await repo.search(access, { resourceType, criteria: [{ kind: 'id', ids: ids.slice(i, i + IDS_PER_SEARCH) }], count: PAGE_SIZE, offset: 0, cursor, total: false });
      for (const s of page.resources) visit(s);
      cursor = page.more ? page.next : undefined;
    } while (cursor);
  }
}

/**
 * `resourceType?param=T/x` for each target `T/x`, fetched with system access VALUES_PER_SEARCH
 * targets a search and remembered per target (also the targets nothing matches). For parameters
 * whose element has the parameter's name and holds one reference (Coverage `beneficiary`).
 */
export async function prefetchByReference(
  repo: Repository,
  into: { rememberSearch(resourceType: string, param: string, target: string, matches: StoredResource[]): void },
  resourceType: string,
  param: string,
  targets: string[],
): Promise<void> {
  for (let i = 0; i < targets.length; i += VALUES_PER_SEARCH) {
    const slice = targets.slice(i, i + VALUES_PER_SEARCH);
    const byTarget = new Map<string, StoredResource[]>(slice.map((t) => [t, []]));
    const values = slice.map((t) => ({ targetType: t.slice(0, t.indexOf('/')), targetId: idOf(t) }));
    let attributed = true;
    let cursor: string | undefined;
    do {
      const page = await repo.search(systemAccess, { resourceType, criteria: [{ kind: 'reference', param, values }], count: PAGE_SIZE, offset: 0, cursor, total: false });
      for (const s of page.resources) {
        if (!s.json) continue;
        const target = literalTarget(((JSON.parse(s.json) as Record<string, unknown>)[param] as { reference?: string } | undefined)?.reference);
        if (target && byTarget.has(target)) byTarget.get(target)!.push(s);
        else attributed = false;
      }
      cursor = page.more ? page.next : undefined;
    } while (cursor);
    // A match not told apart by its element (another path, a list) leaves these searches to the database.
    if (attributed) for (const [target, matches] of byTarget) into.rememberSearch(resourceType, param, target, matches);
  }
}
