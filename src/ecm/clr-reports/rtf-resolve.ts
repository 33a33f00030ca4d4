import type { Organization, Patient, Task } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import { CIN_SYSTEM, idOf } from '../assignment/vocabulary.ts';
import { isReferralTask, referenceKey } from '../referral/referral-task.ts';
import { NPI_SYSTEM, identifierOf } from './organizations.ts';
import { type Stored, readMany, searchAll } from '../assignment/search-all.ts';
import { VALUES_PER_SEARCH } from './read-by-id.ts';
import type { RtfRow } from './rtf-rows.ts';

export type Resolved = { task: Stored<Task> } | { error: string };

/** Task statuses of an open referral a provider can still report on. */
const OPEN: Task['status'][] = ['requested', 'accepted', 'in-progress', 'on-hold'];

/**
 * Finds the referral Task of each row of a chunk with a few set-based searches (never one query
 * per row), as the caller may read them: by referral_id (Task id) when given, checked against
 * the row's CIN and NPI if those are given too; else by CIN + provider NPI, the newest open
 * referral Task that provider owns for that member (when none is open, the newest closed one, so
 * a row imported again finds the Task it closed and is reported unchanged).
 */
export async function resolveRows(repo: Repository, access: AccessContext, rows: RtfRow[]): Promise<Map<number, Resolved>> {
  const out = new Map<number, Resolved>();
  const byId = rows.filter((r) => r.referralId !== undefined);
  const byMember = rows.filter((r) => r.referralId === undefined);

  const tasks = await readMany<Task>(repo, access, 'Task', byId.map((r) => r.referralId!));
  const patientsByCin = await idsByIdentifier<Patient>(repo, access, 'Patient', CIN_SYSTEM, byMember.map((r) => r.cin!));
  const orgsByNpi = await idsByIdentifier<Organization>(repo, access, 'Organization', NPI_SYSTEM, byMember.map((r) => r.npi!));
  const open = await openTasksOf(repo, access, [...new Set([...patientsByCin.values()].flat())], [...new Set([...orgsByNpi.values()].flat())]);

  // For rows naming the Task and also a CIN or NPI: the Task's member and owner, to check they agree.
  const owners = await readMany<Organization>(repo, access, 'Organization', byId.filter((r) => r.npi).map((r) => idOf(referenceKey(tasks.get(r.referralId!)?.resource.owner) ?? '')));
  const members = await readMany<Patient>(repo, access, 'Patient', byId.filter((r) => r.cin).map((r) => idOf(referenceKey(tasks.get(r.referralId!)?.resource.for) ?? '')));

  for (const r of byId) {
    const task = tasks.get(r.referralId!);
    if (!task) {
      out.set(r.line, { error: `No referral Task ${r.referralId} that you may read` });
      continue;
    }
    if (!isReferralTask(task.resource)) {
      out.set(r.line, { error: `Task/${r.referralId} is not a referral Task (code fulfill)` });
      continue;
    }
    const owner = referenceKey(task.resource.owner);
    if (r.npi && identifierOf(owners.get(idOf(owner ?? ''))?.resource, NPI_SYSTEM) !== r.npi) {
      out.set(r.line, { error: `provider_npi is not the NPI of ${owner ?? 'the owner'}, the owner of Task/${r.referralId}` });
      continue;
    }
    const member = members.get(idOf(referenceKey(task.resource.for) ?? ''))?.resource;
    if (r.cin && !(member?.identifier ?? []).some((i) => i.system === CIN_SYSTEM && i.value === r.cin)) {
      out.set(r.line, { error: `cin is not the CIN of the member of Task/${r.referralId}` });
      continue;
    }
    out.set(r.line, { task });
  }

  for (const r of byMember) {
    const patients = patientsByCin.get(r.cin!) ?? [];
    const orgs = orgsByNpi.get(r.npi!) ?? [];
    if (patients.length === 0) out.set(r.line, { error: 'No member with this CIN that you may read' });
    else if (patients.length > 1) out.set(r.line, { error: `${patients.length} members have this CIN; give referral_id` });
    else if (orgs.length === 0) out.set(r.line, { error: 'No organization with this provider_npi' });
    else if (orgs.length > 1) out.set(r.line, { error: `${orgs.length} organizations have this provider_npi; give referral_id` });
    else {
      const task = open.get(`${patients[0]}|${orgs[0]}`);
      out.set(r.line, task ? { task } : { error: `No referral Task of Organization/${orgs[0]} for this member` });
    }
  }
  return out;
}

/** Ids of the resources carrying each identifier value of the system. */
async function idsByIdentifier<T extends Patient | Organization>(repo: Repository, access: AccessContext, type: T['resourceType'], system: string, values: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const unique = [...new Set(values)];
  for (let i = 0; i < unique.length; i += VALUES_PER_SEARCH) {
    const slice = unique.slice(i, i + VALUES_PER_SEARCH);
    const wanted = new Set(slice);
    const { matches: found } = await searchAll<T>(repo, access, type, [{ kind: 'token', param: 'identifier', values: slice.map((code) => ({ system, code })) }]);
    for (const { resource } of found) {
      for (const id of resource.identifier ?? []) {
        if (id.system !== system || !id.value || !wanted.has(id.value)) continue;
        const ids = out.get(id.value) ?? [];
        if (!ids.includes(resource.id)) ids.push(resource.id);
        out.set(id.value, ids);
      }
    }
  }
  return out;
}

/** Per `patientId|organizationId` among these members and owners: the newest open referral Task, else the newest one. */
async function openTasksOf(repo: Repository, access: AccessContext, patients: string[], organizations: string[]): Promise<Map<string, Stored<Task>>> {
  const out = new Map<string, Stored<Task>>();
  if (patients.length === 0 || organizations.length === 0) return out;
  const owners = new Set(organizations.map((id) => `Organization/${id}`));
  for (let i = 0; i < patients.length; i += VALUES_PER_SEARCH) {
    // The members' Tasks by one criterion (its index alone drives the search); code and owner are
    // checked here: as search criteria they would be tested on every referral Task of the server.
    const members = { kind: 'reference' as const, param: 'patient', values: patients.slice(i, i + VALUES_PER_SEARCH).map((id) => ({ targetType: 'Patient', targetId: id })) };
    for (const t of (await searchAll<Task>(repo, access, 'Task', [members])).matches) {
      const owner = referenceKey(t.resource.owner);
      if (!isReferralTask(t.resource) || !owner || !owners.has(owner)) continue;
      const key = `${idOf(referenceKey(t.resource.for) ?? '')}|${idOf(owner)}`;
      const seen = out.get(key);
      if (!seen || preferred(t.resource, seen.resource)) out.set(key, t);
    }
  }
  return out;
}

/** Open before closed, then the newest authoredOn, then the latest write. */
function preferred(a: Task, b: Task): boolean {
  const ao = OPEN.includes(a.status);
  const bo = OPEN.includes(b.status);
  if (ao !== bo) return ao;
  const at = Date.parse(a.authoredOn ?? '') || 0;
  const bt = Date.parse(b.authoredOn ?? '') || 0;
  return at !== bt ? at > bt : (a.meta?.lastUpdated ?? '') > (b.meta?.lastUpdated ?? '');
}
