import type { Group, Patient } from '@medplum/fhirtypes';
import type { FhirContext } from '../../fhir/request.ts';

export const BATCH = 200;

type StoredPatient = Patient & { id: string };

/** Where the members of a population run come from. */
export type MemberSource = { kind: 'group'; group: Group & { id: string } } | { kind: 'all' };

/** Patient ids a Group lists (member.entity Patient references, not inactive), in order, once each. */
export function groupMemberIds(group: Group): string[] {
  const ids = (group.member ?? [])
    .filter((m) => m.inactive !== true)
    .map((m) => /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(m.entity.reference ?? '')?.[1])
    .filter((id): id is string => !!id);
  return [...new Set(ids)];
}

function parse(json: string | null): StoredPatient | undefined {
  return json ? (JSON.parse(json) as StoredPatient) : undefined;
}

/** How many members the run will look at (for X-Progress). */
export async function memberCount(ctx: FhirContext, source: MemberSource): Promise<number> {
  if (source.kind === 'group') return groupMemberIds(source.group).length;
  const page = await ctx.repo.search(ctx.access, { resourceType: 'Patient', criteria: [], count: 0, offset: 0, total: true });
  return page.total ?? 0;
}

/**
 * The members in batches of BATCH Patients, read with the request's access context: a Group's
 * members by `_id` (members the caller cannot see or that do not exist are skipped), or every
 * Patient by keyset paging. `seen` counts the ids looked at, for progress.
 */
export async function* memberBatches(ctx: FhirContext, source: MemberSource): AsyncGenerator<{ patients: StoredPatient[]; seen: number }> {
  if (source.kind === 'group') {
    const ids = groupMemberIds(source.group);
    for (let i = 0; i < ids.length; i += BATCH) {
      const slice = ids.slice(i, i + BATCH);
      const page = await ctx.repo.search(ctx.access, { resourceType: 'Patient', criteria: [{ kind: 'id', ids: slice }], count: BATCH, offset: 0, total: false });
      yield { patients: page.resources.map((r) => parse(r.json)).filter((p): p is StoredPatient => !!p), seen: slice.length };
    }
    return;
  }
  let cursor: string | undefined;
  do {
    const page = await ctx.repo.search(ctx.access, { resourceType: 'Patient', criteria: [], count: BATCH, offset: 0, cursor, total: false });
    yield { patients: page.resources.map((r) => parse(r.json)).filter((p): p is StoredPatient => !!p), seen: page.resources.length };
    cursor = page.more ? page.next : undefined;
  } while (cursor);
}
