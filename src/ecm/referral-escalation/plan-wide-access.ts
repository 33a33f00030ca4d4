import type { AccessContext } from '../../auth/access-context.ts';
import { fhirError } from '../../fhir/outcome.ts';

/**
 * Escalation and list moves are the plan's work: the caller must be able to write every row of
 * these types (plan staff, whose organization is a plan, or a system client), not only its own
 * organization's (an ECM provider or a referrer). 403 otherwise.
 */
export function assertPlanWideWrite(access: AccessContext, operation: string, types: string[]): void {
  for (const type of types) {
    const create = access.rows?.('c', type);
    const update = access.rows?.('u', type);
    if (!access.canWrite(type) || create !== undefined || update !== undefined) {
      throw fhirError(403, 'forbidden', `$${operation} is for plan staff or a system client: it needs write access to every ${type}`);
    }
  }
}
