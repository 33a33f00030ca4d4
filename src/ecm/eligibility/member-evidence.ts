import type { Communication, Condition, Coverage, Encounter, EpisodeOfCare, Flag, Observation, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../../auth/patient-compartment.ts';
import type { FhirContext } from '../../fhir/request.ts';

/** Everything the eligibility rules read about one member, loaded in one compartment search. */
export interface MemberEvidence {
  patient: Patient & { id: string };
  coverages: Coverage[];
  encounters: Encounter[];
  conditions: Condition[];
  observations: Observation[];
  episodes: EpisodeOfCare[];
  communications: Communication[];
  serviceRequests: ServiceRequest[];
  flags: Flag[];
}

export const EVIDENCE_TYPES = ['Coverage', 'Encounter', 'Condition', 'Observation', 'EpisodeOfCare', 'Communication', 'ServiceRequest', 'Flag'] as const;

const PAGE = 1000;

/**
 * The member's evidence: one system search over the Patient compartment for every evidence type
 * (paged by keyset cursor), with the request's access context, so a caller sees no more than
 * its token reaches.
 */
export async function loadMemberEvidence(ctx: FhirContext, patient: Patient & { id: string }): Promise<MemberEvidence> {
  const types = [...EVIDENCE_TYPES];
  const params = [...new Set(types.flatMap((t) => patientCompartmentParams(t) ?? []))];
  const evidence = emptyEvidence(patient);
  let cursor: string | undefined;
  do {
    const page = await ctx.repo.search(ctx.access, {
      resourceType: 'Resource',
      types,
      criteria: [{ kind: 'compartment', params, targetType: 'Patient', targetId: patient.id }],
      count: PAGE,
      offset: 0,
      cursor,
      total: false,
      prepared: true,
    });
    for (const stored of page.resources) if (stored.json) addEvidence(evidence, JSON.parse(stored.json) as Resource);
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  return sortEvidence(evidence);
}

const byId = (a: Resource, b: Resource) => ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0);

/**
 * Evidence in id order within each type, whatever order the database returned it in, so the
 * determinations (their evidence lists and reason sentences) do not depend on how it was loaded.
 */
export function sortEvidence(e: MemberEvidence): MemberEvidence {
  for (const list of [e.coverages, e.encounters, e.conditions, e.observations, e.episodes, e.communications, e.serviceRequests, e.flags]) list.sort(byId);
  return e;
}

export function emptyEvidence(patient: Patient & { id: string }): MemberEvidence {
  return { patient, coverages: [], encounters: [], conditions: [], observations: [], episodes: [], communications: [], serviceRequests: [], flags: [] };
}

export function addEvidence(e: MemberEvidence, r: Resource): void {
  switch (r.resourceType) {
    case 'Coverage': e.coverages.push(r); break;
    case 'Encounter': e.encounters.push(r); break;
    case 'Condition': e.conditions.push(r); break;
    case 'Observation': e.observations.push(r); break;
    case 'EpisodeOfCare': e.episodes.push(r); break;
    case 'Communication': e.communications.push(r); break;
    case 'ServiceRequest': e.serviceRequests.push(r); break;
    case 'Flag': e.flags.push(r); break;
    default: break;
  }
}
