import type { Subscription } from '@medplum/fhirtypes';
import { systemAccess } from '../auth/access-context.ts';
import { FhirError } from '../fhir/outcome.ts';
import type { Repository } from '../fhir/repository.ts';
import { subscriptionWorkerAccess } from './subscriber-access.ts';

/**
 * Sets Subscription.status (and `error`, R4: "latest error note") as the server: a new version
 * written by the delivery worker, pinned to the version read, so a client's concurrent update
 * wins (the worker looks again on its next round). Returns whether it wrote.
 */
export async function setSubscriptionStatus(repo: Repository, id: string, status: 'active' | 'error' | 'off', error?: string): Promise<boolean> {
  const stored = await repo.read(systemAccess, 'Subscription', id);
  if (!stored?.json || stored.deleted) return false;
  const current = JSON.parse(stored.json) as Subscription & { id: string };
  if (current.status === 'off' || (current.status === status && (current.error ?? undefined) === error)) return false;
  const { error: _previousError, ...rest } = current;
  const next: Subscription & { id: string } = { ...rest, status, ...(error ? { error } : {}) };
  try {
    await repo.write(subscriptionWorkerAccess, [{ kind: 'update', resource: next, ifMatch: stored.versionId }]);
    return true;
  } catch (err) {
    if (err instanceof FhirError && (err.status === 409 || err.status === 412)) return false;
    throw err;
  }
}
