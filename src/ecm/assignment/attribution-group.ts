import { newResourceId } from '../../fhir/resource-id.ts';
import type { Group, GroupMember, Period } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import { searchAll, type Stored } from './search-all.ts';
import { ATTRIBUTION_LIST_SYSTEM, CS, EXT, coding, idOf, literalTarget, profileUrl, ref } from './vocabulary.ts';

/**
 * The plan–provider attribution list (ecm-attribution-group, X-ATR after Da Vinci ATR): one Group
 * per plan and ECM provider, managingEntity the plan, ext-attributed-provider the provider, one
 * member entry per member with the attribution period and the change type of its last change:
 * `new` (attributed to this provider), `changed` (attributed again with a new period after being
 * dropped), `dropped` (no longer attributed: inactive, period ended). Entries are never removed,
 * so the list keeps its history beside the resource's own versions.
 */
export type AttributionChange = 'new' | 'changed' | 'dropped';

export function changeTypeOf(m: GroupMember): AttributionChange | undefined {
  return m.extension?.find((e) => e.url === EXT.attributionChange)?.valueCode as AttributionChange | undefined;
}

/** Attribution Groups remembered per server repository (one per database), at most this many each. */
const REMEMBERED_GROUPS = 256;
const lastWritten = new WeakMap<Repository, Map<string, Stored<Group>>>();

/**
 * Remembers the attribution Groups an assignment wrote, once its transaction has committed, for
 * the repository `root`: the next assignment to the same provider takes the Group from here
 * instead of parsing its JSON again (60-110 KB with 500 members), but only when the stored
 * version is still the one remembered. A version written by any other request, or by another
 * server process, is parsed from what is stored; a rolled-back one is never remembered.
 */
export function rememberAttributionGroups(root: Repository, groups: Stored<Group>[]): void {
  let byId = lastWritten.get(root);
  if (!byId) lastWritten.set(root, (byId = new Map()));
  for (const g of groups) {
    byId.delete(g.resource.id);
    byId.set(g.resource.id, g);
  }
  for (const id of byId.keys()) {
    if (byId.size <= REMEMBERED_GROUPS) break;
    byId.delete(id);
  }
}

/**
 * The Group of this plan and provider. One criterion, the provider (a handful of Groups: one per
 * plan), the plan checked here: with two criteria the search first counts each one's index rows
 * to pick where to start, a statement more on every assignment. `root`: the repository whose
 * remembered Groups may stand in for the stored JSON (rememberAttributionGroups).
 */
export async function findAttributionGroup(repo: Repository, access: AccessContext, plan: string, provider: string, root?: Repository): Promise<Stored<Group> | undefined> {
  const remembered = root ? lastWritten.get(root) : undefined;
  const known = (id: string, versionId: number) => {
    const g = remembered?.get(id);
    return g?.versionId === versionId ? g : undefined;
  };
  const { matches } = await searchAll<Group>(repo, access, 'Group', [
    { kind: 'reference', param: 'attributed-provider', values: [{ targetType: 'Organization', targetId: idOf(provider) }] },
  ], undefined, known);
  return matches
    .filter((m) => literalTarget(m.resource.managingEntity?.reference) === plan)
    .sort((a, b) => (a.resource.id < b.resource.id ? -1 : 1))[0];
}

export function newAttributionGroup(plan: string, provider: string, providerName?: string): Group & { id: string } {
  return {
    resourceType: 'Group',
    id: newResourceId(),
    meta: { profile: [profileUrl('ecm-attribution-group')] },
    extension: [{ url: EXT.attributedProvider, valueReference: ref(provider) }],
    identifier: [{ system: ATTRIBUTION_LIST_SYSTEM, value: `${idOf(plan)}/${idOf(provider)}` }],
    active: true,
    type: 'person',
    actual: true,
    code: { coding: [coding(CS.category, 'attribution', 'ECM attribution list')] },
    name: `ECM members assigned to ${providerName ?? provider}`,
    quantity: 0,
    managingEntity: ref(plan),
  };
}

function change(code: AttributionChange): GroupMember['extension'] {
  return [{ url: EXT.attributionChange, valueCode: code }];
}

function withMembers(group: Group & { id: string }, member: GroupMember[]): Group & { id: string } {
  const { member: _old, ...rest } = group;
  const active = member.filter((m) => !m.inactive).length;
  return member.length > 0 ? { ...rest, quantity: active, member } : { ...rest, quantity: active };
}

/** The member attributed from `period.start`: a new entry, or the member's earlier entry reopened (`changed`). */
export function withMemberAssigned(group: Group & { id: string }, patient: string, period: Period): Group & { id: string } {
  const members = [...(group.member ?? [])];
  const index = members.findIndex((m) => m.entity?.reference === patient);
  if (index < 0) {
    members.push({ extension: change('new'), entity: ref(patient), period });
  } else {
    const { inactive: _i, extension, ...rest } = members[index];
    const others = (extension ?? []).filter((e) => e.url !== EXT.attributionChange);
    members[index] = { ...rest, extension: [...others, ...(change('changed') ?? [])], period };
  }
  return withMembers(group, members);
}

/** The member no longer attributed from `date`: the entry kept, inactive, its period ended, change type `dropped`. */
export function withMemberDropped(group: Group & { id: string }, patient: string, date: string): Group & { id: string } {
  const members = (group.member ?? []).map((m) => {
    if (m.entity?.reference !== patient || m.inactive) return m;
    const others = (m.extension ?? []).filter((e) => e.url !== EXT.attributionChange);
    return { ...m, extension: [...others, ...(change('dropped') ?? [])], period: { ...m.period, end: date }, inactive: true };
  });
  return withMembers(group, members);
}
