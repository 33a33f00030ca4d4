import type { Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { IncludeSpec, Repository, SearchCriterion } from '../../fhir/repository.ts';

/** Page size of the keyset-paged searches (no total). */
export const PAGE_SIZE = 1000;
/** Ids per `_id` search (one `= ANY(array)` condition: a thousand cost little more than one). */
export const IDS_PER_SEARCH = 1000;

export interface Stored<T extends Resource> {
  resource: T & { id: string };
  versionId: number;
}

/**
 * Every match of a search (paged by keyset cursor), with the versions read, plus any `_include`d
 * resources. `known` may hand over a match already parsed (that very version), so its JSON is not
 * parsed again.
 */
export async function searchAll<T extends Resource>(
  repo: Repository,
  access: AccessContext,
  resourceType: T['resourceType'],
  criteria: SearchCriterion[],
  include?: IncludeSpec[],
  known?: (id: string, versionId: number) => Stored<T> | undefined,
): Promise<{ matches: Stored<T>[]; included: Stored<Resource>[] }> {
  const matches: Stored<T>[] = [];
  const included: Stored<Resource>[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.search(access, { resourceType, criteria, count: PAGE_SIZE, offset: 0, cursor, total: false, prepared: true, ...(include ? { include } : {}) });
    for (const s of page.resources) if (s.json) matches.push(known?.(s.id, s.versionId) ?? { resource: JSON.parse(s.json) as T & { id: string }, versionId: s.versionId });
    for (const s of page.included ?? []) if (s.json) included.push({ resource: JSON.parse(s.json) as Resource & { id: string }, versionId: s.versionId });
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  return { matches, included };
}

/** The current versions of these ids of one type (missing and deleted ones left out), IDS_PER_SEARCH ids a search. */
export async function readMany<T extends Resource>(repo: Repository, access: AccessContext, resourceType: T['resourceType'], ids: Iterable<string>): Promise<Map<string, Stored<T>>> {
  const out = new Map<string, Stored<T>>();
  const unique = [...new Set(ids)].filter((id) => id !== '');
  for (let i = 0; i < unique.length; i += IDS_PER_SEARCH) {
    const { matches } = await searchAll<T>(repo, access, resourceType, [{ kind: 'id', ids: unique.slice(i, i + IDS_PER_SEARCH) }]);
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
