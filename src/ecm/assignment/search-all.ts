import type { Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { IncludeSpec, Repository, SearchCriterion } from '../../fhir/repository.ts';

const PAGE = 500;

export interface Stored<T extends Resource> {
  resource: T & { id: string };
  versionId: number;
}

/** Every match of a search (paged by keyset cursor), with the versions read, plus any `_include`d resources. */
export async function searchAll<T extends Resource>(
  repo: Repository,
  access: AccessContext,
  resourceType: T['resourceType'],
  criteria: SearchCriterion[],
  include?: IncludeSpec[],
): Promise<{ matches: Stored<T>[]; included: Stored<Resource>[] }> {
  const matches: Stored<T>[] = [];
  const included: Stored<Resource>[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.search(access, { resourceType, criteria, count: PAGE, offset: 0, cursor, total: false, ...(include ? { include } : {}) });
    for (const s of page.resources) if (s.json) matches.push({ resource: JSON.parse(s.json) as T & { id: string }, versionId: s.versionId });
    for (const s of page.included ?? []) if (s.json) included.push({ resource: JSON.parse(s.json) as Resource & { id: string }, versionId: s.versionId });
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  return { matches, included };
}

/** The current versions of these ids of one type (missing and deleted ones left out), 100 ids a search. */
export async function readMany<T extends Resource>(repo: Repository, access: AccessContext, resourceType: T['resourceType'], ids: string[]): Promise<Map<string, Stored<T>>> {
  const out = new Map<string, Stored<T>>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    const { matches } = await searchAll<T>(repo, access, resourceType, [{ kind: 'id', ids: unique.slice(i, i + 100) }]);
    for (const m of matches) out.set(m.resource.id, m);
  }
  return out;
}

/** One resource's current version, or undefined when absent or deleted. */
export async function readStored<T extends Resource>(repo: Repository, access: AccessContext, reference: string): Promise<Stored<T> | undefined> {
  const slash = reference.indexOf('/');
  const stored = await repo.read(access, reference.slice(0, slash), reference.slice(slash + 1));
  if (!stored || stored.deleted || !stored.json) return undefined;
  return { resource: JSON.parse(stored.json) as T & { id: string }, versionId: stored.versionId };
}
