import type { CareTeam, Patient, Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import { patientCompartmentParams } from '../../auth/patient-compartment.ts';
import type { Repository } from '../../fhir/repository.ts';
import { EVIDENCE_TYPES, addEvidence, emptyEvidence, sortEvidence, type MemberEvidence } from '../eligibility/member-evidence.ts';
import type { Stored } from './search-all.ts';
import { literalTarget } from './vocabulary.ts';

const PAGE = 1000;

/**
 * What $ecm-assign reads about the member, in one compartment search (paged by keyset cursor):
 * the eligibility evidence, as loadMemberEvidence reads it, and the CareTeams whose subject is
 * the member, with their versions (a change of provider updates them). One statement instead of
 * two on every assignment.
 */
export async function loadMemberRecords(repo: Repository, access: AccessContext, patient: Patient & { id: string }): Promise<{ evidence: MemberEvidence; careTeams: Stored<CareTeam>[] }> {
  const types = [...EVIDENCE_TYPES, 'CareTeam'];
  const params = [...new Set(types.flatMap((t) => patientCompartmentParams(t) ?? []))];
  const evidence = emptyEvidence(patient);
  const careTeams: Stored<CareTeam>[] = [];
  const member = `Patient/${patient.id}`;
  let cursor: string | undefined;
  do {
    const page = await repo.search(access, {
      resourceType: 'Resource',
      types,
      criteria: [{ kind: 'compartment', params, targetType: 'Patient', targetId: patient.id }],
      count: PAGE,
      offset: 0,
      cursor,
      total: false,
      prepared: true,
    });
    for (const stored of page.resources) {
      if (!stored.json) continue;
      const resource = JSON.parse(stored.json) as Resource;
      if (resource.resourceType !== 'CareTeam') addEvidence(evidence, resource);
      // in the compartment as a participant too; the member's own teams are those about the member
      else if (literalTarget(resource.subject?.reference) === member) careTeams.push({ resource: resource as CareTeam & { id: string }, versionId: stored.versionId });
    }
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  careTeams.sort((a, b) => (a.resource.id < b.resource.id ? -1 : a.resource.id > b.resource.id ? 1 : 0));
  return { evidence: sortEvidence(evidence), careTeams };
}
