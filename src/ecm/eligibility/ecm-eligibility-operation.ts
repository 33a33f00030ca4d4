import type { Flag, Patient } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { eligibilityInput } from './eligibility-input.ts';
import { eligibilityParameters } from './eligibility-parameters.ts';
import { decideMember } from './member-decision.ts';
import { loadMemberEvidence } from './member-evidence.ts';
import { planCmFollowUps } from './plan-cm-task.ts';
import { pofRecordWrites } from './persist-pof-records.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility';

/**
 * Patient/[id]/$ecm-eligibility (identification.md): evaluates every POF, exclusion and
 * continuity rule for the member on `date` (default: today in America/Los_Angeles) under the
 * settings profile of the plan paying the member's coverage, and with `persist=true` writes the
 * POF Conditions and Flags. Thin: load (one compartment search) → decide (pure) → write (one call).
 */
export const ecmEligibilityOperation: Operation = {
  name: 'ecm-eligibility',
  levels: ['instance'],
  resourceTypes: ['Patient'],
  affectsState: false,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const { date, persist, settingsProfile } = eligibilityInput(req);
    const patient = (await storedResource(ctx, 'Patient', target.id!)) as Patient & { id: string };
    const evidence = await loadMemberEvidence(ctx, patient);
    const decided = decideMember(evidence, date, ctx.conformance, settingsProfile);
    if (!decided) throw badRequest(`The settings profile "${settingsProfile}" has no version in force on ${date}`, ['settingsProfile']);
    const { decision, payors } = decided;

    let written: string[] = [];
    if (persist) {
      const author: Flag['author'] = payors[0] ? { reference: payors[0] } : undefined;
      const ops = [...pofRecordWrites(evidence, decision, author), ...(await planCmFollowUps(ctx.repo, ctx.access, [{ patientId: patient.id, decision, payors }]))];
      if (ops.length > 0) {
        const results = await ctx.repo.write(ctx.access, ops);
        written = results.map((r) => `${r.stored.resourceType}/${r.stored.id}/_history/${r.stored.versionId}`);
      }
    }
    return { status: 200, body: eligibilityParameters(decision, written) };
  },
};
