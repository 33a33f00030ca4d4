import type { PractitionerRole, Reference, Task } from '@medplum/fhirtypes';
import { systemAccess, type AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import type { TaskRole } from './task-lifecycle.ts';
import { referenceKey } from './referral-task.ts';

/**
 * The roles a caller holds on a referral Task (X-GRAVITY). It acts for the requester (or the
 * owner) when the party is one of its organizations, is its fhirUser, or is a PractitionerRole
 * of one of its organizations or of its fhirUser practitioner (Gravity requesters are often a
 * PractitionerRole). A context with neither organizations nor a user (system access,
 * authorization turned off, a backend service without tenancy) holds both roles.
 */
export async function rolesOf(repo: Repository, access: AccessContext, task: Task): Promise<Set<TaskRole>> {
  const organizations = access.organizations ?? [];
  if (organizations.length === 0 && !access.fhirUser) return new Set(['requester', 'owner']);
  const mine = new Set([...organizations.map((o) => `Organization/${o}`), ...(access.fhirUser ? [access.fhirUser] : [])]);
  const roles = new Set<TaskRole>();
  if (await actsFor(repo, mine, task.requester)) roles.add('requester');
  if (await actsFor(repo, mine, task.owner)) roles.add('owner');
  return roles;
}

async function actsFor(repo: Repository, mine: Set<string>, party: Reference | undefined): Promise<boolean> {
  const key = referenceKey(party);
  if (!key) return false;
  if (mine.has(key)) return true;
  if (!key.startsWith('PractitionerRole/')) return false;
  const stored = await repo.read(systemAccess, 'PractitionerRole', key.slice('PractitionerRole/'.length));
  if (!stored?.json || stored.deleted) return false;
  const role = JSON.parse(stored.json) as PractitionerRole;
  return [referenceKey(role.organization), referenceKey(role.practitioner)].some((k) => !!k && mine.has(k));
}
