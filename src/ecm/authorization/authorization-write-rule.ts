import type { ServiceRequest } from '@medplum/fhirtypes';
import type { FhirContext } from '../../fhir/request.ts';
import type { WriteRule } from '../../fhir/write-rules.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { authorizationDeleteProblem, authorizationUpdateProblem } from './authorization-flow.ts';
import { continuityOfCare, decisionClockStart, memberSettingsProfile } from './authorization-lookups.ts';
import { decisionDueOf, isAuthorization, isExpedited, isUndecided, withDecisionDue } from './authorization-resource.ts';
import { decisionDue } from './decision-due.ts';

/** The name `$ecm-decide` passes to the write rules: the only writer of a decision (AUTH-FLOW). */
export const DECIDE_OPERATION = 'ecm-decide';

/**
 * The write rule of ECM authorizations (ServiceRequest with profile or category
 * ecm-authorization), on every create and update whatever the route:
 * - AUTH-TAT: an undecided request (`draft`, `on-hold`) gets the server-owned decision due date
 *   (ext-decision-due) on receipt; later writes keep it, unless the priority moves between
 *   routine and expedited, which recomputes it from the same clock start. A value a client writes
 *   is replaced.
 * - AUTH-FLOW: an update may not decide (draft/on-hold → active/revoked/on-hold) unless it is
 *   `$ecm-decide`'s, may not reopen or change a decision, and may not stop being an authorization.
 *   A create is recorded with the status it has (an authorization decided elsewhere, e.g. migrated
 *   from a plan's previous system); the plain API cannot move it afterwards. Nor delete it unless
 *   it was marked entered-in-error (DELETE, conditional delete, transaction entries: 409).
 */
export const authorizationWriteRule: WriteRule = {
  resourceType: 'ServiceRequest',
  async prepare(resource, previous, { fhir, operation }) {
    const next = resource as ServiceRequest & { id: string };
    const prev = previous as ServiceRequest | undefined;
    const wasAuthorization = !!prev && isAuthorization(prev);
    if (!wasAuthorization && !isAuthorization(next)) return undefined;
    if (prev && wasAuthorization) {
      const problem = authorizationUpdateProblem(prev, next, operation === DECIDE_OPERATION);
      if (problem) throw problem;
      const kept = decisionDueOf(prev);
      if (kept && isExpedited(prev) === isExpedited(next)) return withDecisionDue(next, kept);
      if (!kept && !isUndecided(next)) return withDecisionDue(next, undefined);
      return withDecisionDue(next, await computeDecisionDue(fhir, next));
    }
    if (!isUndecided(next)) return next;
    return withDecisionDue(next, await computeDecisionDue(fhir, next));
  },
  async prepareDelete(current) {
    const problem = isAuthorization(current as ServiceRequest) ? authorizationDeleteProblem(current as ServiceRequest) : undefined;
    if (problem) throw problem;
  },
};

/**
 * AUTH-TAT due date of a request under the settings of the member's plan on the clock-start date;
 * AUTH-EXPEDITE-COC: where the plan sets `cocExpedite`, a member with prior ECM (continuity of
 * care met on that date) gets the expedited clock whatever the request's priority.
 */
export async function computeDecisionDue(fhir: FhirContext, authorization: ServiceRequest & { id: string }): Promise<string> {
  const clockStart = await decisionClockStart(fhir, authorization, new Date());
  const date = localDateOf(clockStart);
  const profile = await memberSettingsProfile(fhir, authorization.subject, date);
  const expedited = isExpedited(authorization) || (profile.settings.cocExpedite && (await continuityOfCare(fhir, authorization.subject, date, profile.name)));
  return decisionDue(clockStart, expedited, profile.settings);
}
