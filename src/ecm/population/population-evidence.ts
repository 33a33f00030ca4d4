import type { Patient, Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../../auth/patient-compartment.ts';
import type { StoredResource } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { addEvidence, emptyEvidence, EVIDENCE_TYPES, sortEvidence, type MemberEvidence } from '../eligibility/member-evidence.ts';
import { CompartmentPatients } from './compartment-patients.ts';

/** Rows per page: a batch's evidence of one type usually fits in one. */
const PAGE = 5000;

let searches: { type: string; param: string }[] | undefined;

/** One search per evidence type and Patient compartment parameter of that type. */
function evidenceSearches(): { type: string; param: string }[] {
  searches ??= EVIDENCE_TYPES.flatMap((type) => (patientCompartmentParams(type) ?? []).map((param) => ({ type, param })));
  return searches;
}

/**
 * The resources of `type` whose `param` points to one of the Patients `ids`, all pages. The search
 * is the chain `param:Patient._id=<ids>` on one type: the store reads the members' reference rows
 * from its index (type, param, target), a few rows per member. (A reference search with one value
 * per member is an OR the index cannot serve, and a search over several types at once does not
 * narrow the index to a type: both scan every reference row of the database, once per batch.)
 * Sorted by id, so the store runs that lookup directly rather than first walking the type's rows
 * in the default order, which pays off only for broad searches.
 */
async function referringResources(ctx: FhirContext, type: string, param: string, ids: string[]): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.repo.search(ctx.access, {
      resourceType: type,
      criteria: [{ kind: 'chain', param, targets: [{ type: 'Patient', criterion: { kind: 'id', ids } }] }],
      sort: [{ param: '_id', paramType: 'id', descending: false }],
      count: PAGE,
      offset: 0,
      cursor,
      total: false,
    });
    out.push(...page.resources);
    cursor = page.more ? page.next : undefined;
  } while (cursor);
  return out;
}

const compartmentSplitters = new WeakMap<FhirContext['searchParameters'], CompartmentPatients>();

/**
 * The evidence of many members at once, set-based: for each evidence type and each of its Patient
 * compartment parameters, one search (referringResources) for the resources pointing to any of
 * the members, with the request's access context, all of them in flight together; each resource
 * is then given to the members whose compartment it is in (CompartmentPatients), so every member
 * gets exactly what loadMemberEvidence would load for it alone. About twenty statements per
 * batch, whatever its size.
 */
export async function loadPopulationEvidence(ctx: FhirContext, patients: (Patient & { id: string })[]): Promise<Map<string, MemberEvidence>> {
  const byId = new Map(patients.map((p) => [p.id, emptyEvidence(p)]));
  if (patients.length === 0) return byId;
  let splitter = compartmentSplitters.get(ctx.searchParameters);
  if (!splitter) compartmentSplitters.set(ctx.searchParameters, (splitter = new CompartmentPatients(ctx.searchParameters, ctx.config.baseUrl)));
  const ids = patients.map((p) => p.id);
  const found = await Promise.all(evidenceSearches().map(({ type, param }) => referringResources(ctx, type, param, ids)));
  const seen = new Set<string>();
  for (const stored of found.flat()) {
    const key = `${stored.resourceType}/${stored.id}`;
    if (!stored.json || seen.has(key)) continue;
    seen.add(key);
    const resource = JSON.parse(stored.json) as Resource;
    for (const id of splitter.of(resource)) {
      const evidence = byId.get(id);
      if (evidence) addEvidence(evidence, resource);
    }
  }
  for (const evidence of byId.values()) sortEvidence(evidence);
  return byId;
}
