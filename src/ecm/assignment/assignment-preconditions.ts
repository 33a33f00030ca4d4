import { badRequest } from '../../fhir/outcome.ts';
import type { AccessContext } from '../../auth/access-context.ts';
import type { AssignInput } from './assignment-input.ts';
import { authorizedOn } from './assignment-due.ts';
import type { LoadedAssignment } from './load-assignment.ts';
import { ruleError } from '../rule-error.ts';
import { datePart } from './vocabulary.ts';

const ENDED = ['revoked', 'completed', 'entered-in-error'];

/**
 * AUTH-FLOW: where the plan authorizes before assigning (`authBeforeAssignment`, Kern), only an
 * ECM authorization authorized on the assignment date is assigned; where it assigns first
 * (Partnership), a screened referral (status active, REF-SCREEN-ASSIGN) or a not yet decided
 * authorization may be. A denied or ended request is never assigned. Returns the rule IDs applied.
 */
export function checkAuthFlow(loaded: LoadedAssignment, date: string): string[] {
  const sr = loaded.request.resource;
  const { authBeforeAssignment } = loaded.profile.settings;
  const name = `ServiceRequest/${sr.id}`;
  const profile = `settings profile ${loaded.profile.name} ${loaded.profile.version}`;
  if (loaded.kind === 'authorization') {
    if (ENDED.includes(sr.status)) throw ruleError(409, 'AUTH-FLOW', `${name} is ${sr.status === 'revoked' ? 'denied (revoked)' : sr.status}: there is nothing to assign`);
    if (authBeforeAssignment && !authorizedOn(sr, date)) {
      const period = sr.occurrencePeriod ? `${datePart(sr.occurrencePeriod.start) ?? '?'} to ${datePart(sr.occurrencePeriod.end) ?? 'open'}` : 'no period';
      throw ruleError(409, 'AUTH-FLOW', `the plan authorizes before assigning (authBeforeAssignment, ${profile}); ${name} is not authorized on ${date} (status ${sr.status}, ${period}): decide it first ($ecm-decide)`);
    }
    return ['AUTH-FLOW'];
  }
  if (authBeforeAssignment) {
    throw ruleError(409, 'AUTH-FLOW', `the plan authorizes before assigning (authBeforeAssignment, ${profile}): assign the approved ECM authorization based on ${name}, not the referral`);
  }
  if (sr.status !== 'active') throw ruleError(409, 'REF-SCREEN-ASSIGN', `only a screened referral (status active) is assigned before authorization; ${name} is ${sr.status}`);
  return ['AUTH-FLOW', 'REF-SCREEN-ASSIGN'];
}

/** The user who decides an override: `overrideBy`, else the authenticated user (fhirUser). */
export function decidingUser(input: AssignInput, access: AccessContext): string | undefined {
  if (input.overrideBy) return input.overrideBy;
  return access.fhirUser && /^(Practitioner|PractitionerRole|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/.test(access.fhirUser) ? access.fhirUser : undefined;
}

/** ASSIGN-OVERRIDE: an override needs a reason and a deciding user; reason and user alone mean nothing. */
export function checkOverrideInput(input: AssignInput, access: AccessContext): void {
  if (!input.override) {
    if (input.overrideReason || input.overrideBy) throw badRequest('"overrideReason" and "overrideBy" go with "override" (ASSIGN-OVERRIDE)', ['override']);
    return;
  }
  if (!input.overrideReason) throw ruleError(422, 'ASSIGN-OVERRIDE', 'an override needs a reason (overrideReason)', ['overrideReason']);
  if (!decidingUser(input, access)) throw ruleError(422, 'ASSIGN-OVERRIDE', 'an override needs the deciding user: sign in as a user (fhirUser) or give overrideBy (Practitioner or PractitionerRole)', ['overrideBy']);
}
