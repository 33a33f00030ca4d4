import type { Patient, Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../../auth/patient-compartment.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { addEvidence, emptyEvidence, EVIDENCE_TYPES, sortEvidence, type MemberEvidence } from '../eligibility/member-evidence.ts';
import { CompartmentPatients } from './compartment-patients.ts';

const PAGE = 1000;

/** Evidence types by compartment parameter: one search per parameter covers every type that has it. */
function typesByParam(): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const type of EVIDENCE_TYPES) {
    for (const param of patientCompartmentParams(type) ?? []) map.set(param, [...(map.get(param) ?? []), type]);
  }
  return map;
}

const compartmentSplitters = new WeakMap<FhirContext['searchParameters'], CompartmentPatients>();

/**
 * The evidence of many members at once, set-based: for each Patient compartment parameter of the
 * evidence types, one system search (paged by keyset cursor) for resources pointing to any of
 * the members, with the request's access context; each resource is then given to the members
 * whose compartment it is in (CompartmentPatients), so every member gets exactly what
 * loadMemberEvidence would load for it alone. About ten statements per batch, whatever its size.
 */
export async function loadPopulationEvidence(ctx: FhirContext, patients: (Patient & { id: string })[]): Promise<Map<string, MemberEvidence>> {
  const byId = new Map(patients.map((p) => [p.id, emptyEvidence(p)]));
  if (patients.length === 0) return byId;
  let splitter = compartmentSplitters.get(ctx.searchParameters);
  if (!splitter) compartmentSplitters.set(ctx.searchParameters, (splitter = new CompartmentPatients(ctx.searchParameters, ctx.config.baseUrl)));
  const values = patients.map((p) => ({ targetType: 'Patient', targetId: p.id }));
  const seen = new Set<string>();
  for (const [param, types] of typesByParam()) {
    let cursor: string | undefined;
    do {
      const page = await ctx.repo.search(ctx.access, {
        resourceType: 'Resource',
        types,
        criteria: [{ kind: 'reference', param, values }],
        count: PAGE,
        offset: 0,
        cursor,
        total: false,
      });
      for (const stored of page.resources) {
        const key = `${stored.resourceType}/${stored.id}`;
        if (!stored.json || seen.has(key)) continue;
        seen.add(key);
        const resource = JSON.parse(stored.json) as Resource;
        for (const id of splitter.of(resource)) {
          const evidence = byId.get(id);
          if (evidence) addEvidence(evidence, resource);
        }
      }
      cursor = page.more ? page.next : undefined;
    } while (cursor);
  }
  for (const evidence of byId.values()) sortEvidence(evidence);
  return byId;
}
