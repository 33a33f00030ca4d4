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
 * Patients listed per page when the run takes every Patient: the ids first, in few large pages,
 * then the batches read by `_id`, so the list is read once whatever the batch size.
 */
const LIST_PAGE = 20_000;

/** Every Patient id the caller can see, in the default order (type, id). */
async function allPatientIds(ctx: FhirContext): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.repo.search(ctx.access, { resourceType: 'Patient', criteria: [], count: LIST_PAGE, offset: 0, cursor, total: false });
    for (const r of page.resources) ids.push(r.id);
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  return ids;
}

/**
 * The members in batches of BATCH Patients, read by `_id` with the request's access context: a
 * Group's members (members the caller cannot see or that do not exist are skipped), or every
 * Patient listed when the run starts. `seen` counts the ids looked at, for progress.
 */
export async function* memberBatches(ctx: FhirContext, source: MemberSource): AsyncGenerator<{ patients: StoredPatient[]; seen: number }> {
  const ids = source.kind === 'group' ? groupMemberIds(source.group) : await allPatientIds(ctx);
  for (let i = 0; i < ids.length; i += BATCH) {
    const slice = ids.slice(i, i + BATCH);
    // Sorted by _id: the store looks the ids up directly instead of first walking Patients in its default order.
    const page = await ctx.repo.search(ctx.access, {
      resourceType: 'Patient',
      criteria: [{ kind: 'id', ids: slice }],
      sort: [{ param: '_id', paramType: 'id', descending: false }],
      count: BATCH,
      offset: 0,
      total: false,
    });
    yield { patients: page.resources.map((r) => parse(r.json)).filter((p): p is StoredPatient => !!p), seen: slice.length };
  }
}
