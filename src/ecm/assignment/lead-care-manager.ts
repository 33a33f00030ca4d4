import type { ContactPoint, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { ruleError } from '../rule-error.ts';
import { CS, hasCoding, relativeReference } from './vocabulary.ts';

/** The Lead Care Manager as the plan stores it (ASSIGN-LCM-RECORD). */
export interface LeadCareManager {
  role: string;
  practitioner: string;
  name: string;
  phone: string;
  email: string;
}

function telecom(list: ContactPoint[], system: 'phone' | 'email'): string | undefined {
  return list.find((t) => t.system === system && t.value && (!t.period?.end))?.value;
}

function nameOf(p: Practitioner): string | undefined {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  if (!n) return undefined;
  return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/**
 * The LCM named for a member of `provider` (ASSIGN-LCM): an active PractitionerRole coded
 * ecm-role#lead-care-manager at the assigned provider; the plan stores name, phone and email
 * (ASSIGN-LCM-RECORD); an LTSS member's LCM is trained in person-centered planning, shown by the
 * ecm-role#person-centered-planning-trained qualification of the Practitioner or on the role
 * (ASSIGN-LCM-LTSS). Any failure is a 422 naming the rule.
 */
export function checkLeadCareManager(
  reference: string,
  role: PractitionerRole | undefined,
  practitioner: Practitioner | undefined,
  provider: string,
  ltss: boolean,
): LeadCareManager {
  const where = ['leadCareManager'];
  if (!role) throw ruleError(422, 'ASSIGN-LCM', `${reference} does not exist`, where);
  if (role.active === false) throw ruleError(422, 'ASSIGN-LCM', `${reference} is not active`, where);
  if (!hasCoding(role.code, CS.role, 'lead-care-manager')) throw ruleError(422, 'ASSIGN-LCM', `${reference} is not coded ecm-role#lead-care-manager`, where);
  if (relativeReference(role.organization, 'Organization') !== provider) {
    throw ruleError(422, 'ASSIGN-LCM', `${reference} works for ${role.organization?.reference ?? 'no organization'}, not for the assigned provider ${provider}`, where);
  }
  const practitionerRef = relativeReference(role.practitioner, 'Practitioner');
  const name = practitioner ? nameOf(practitioner) : undefined;
  const contacts = [...(role.telecom ?? []), ...(practitioner?.telecom ?? [])];
  const phone = telecom(contacts, 'phone');
  const email = telecom(contacts, 'email');
  if (!practitionerRef || !name || !phone || !email) {
    const missing = [!name && 'name', !phone && 'phone', !email && 'email'].filter(Boolean).join(', ');
    throw ruleError(422, 'ASSIGN-LCM-RECORD', `the plan stores the LCM's name, phone and email; ${reference} has no ${missing || 'practitioner'}`, where);
  }
  const trained = hasCoding(practitioner?.qualification?.map((q) => q.code), CS.role, 'person-centered-planning-trained') || hasCoding(role.specialty, CS.role, 'person-centered-planning-trained') || hasCoding(role.code, CS.role, 'person-centered-planning-trained');
  if (ltss && !trained) {
    throw ruleError(422, 'ASSIGN-LCM-LTSS', `the member is in an LTSS Population of Focus (ltc-risk or nf-transition), so the LCM must be trained in person-centered planning (ecm-role#person-centered-planning-trained); ${reference} is not`, where);
  }
  return { role: reference, practitioner: practitionerRef, name, phone, email };
}
