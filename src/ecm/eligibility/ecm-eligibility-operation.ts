import type { CodeSystem, Flag, Patient, Reference } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { eligibilityRules } from '../rules/eligibility-rules.ts';
import { valueSetMatcherFor } from '../rules/value-set-match.ts';
import { settingsProfileForPayors, settingsProfileNamed, settingsProfileNames } from '../settings/settings-profile.ts';
import { isFullDate, todayInLosAngeles } from './dates.ts';
import { eligibilityParameters, POF_SYSTEM } from './eligibility-parameters.ts';
import { coverageOn, evaluateEligibility } from './evaluate-eligibility.ts';
import { loadMemberEvidence } from './member-evidence.ts';
import { pofRecordWrites } from './persist-pof-records.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-eligibility';

function single(values: string[] | undefined, name: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return values[0];
}

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
    const input = operationInput(req);
    const dateValue = single(input.values.get('date'), 'date');
    if (dateValue !== undefined && !isFullDate(dateValue)) throw badRequest(`"date" must be a full date YYYY-MM-DD, got "${dateValue}"`, ['date']);
    const persistValue = single(input.values.get('persist'), 'persist');
    if (persistValue !== undefined && persistValue !== 'true' && persistValue !== 'false') throw badRequest(`"persist" must be true or false, got "${persistValue}"`, ['persist']);
    const persist = persistValue === 'true';
    if (persist && req.method !== 'POST') throw badRequest('persist=true writes POF Conditions and Flags: use POST (operations.html#executing)', ['persist']);
    const profileName = single(input.values.get('settingsProfile'), 'settingsProfile');
    if (profileName !== undefined && !settingsProfileNames().includes(profileName)) {
      throw badRequest(`Unknown settings profile "${profileName}" (known: ${settingsProfileNames().join(', ')})`, ['settingsProfile']);
    }
    const date = dateValue ?? todayInLosAngeles();

    const patient = (await storedResource(ctx, 'Patient', target.id!)) as Patient & { id: string };
    const evidence = await loadMemberEvidence(ctx, patient);
    const { current, latest } = coverageOn(evidence.coverages, date);
    const payors = ((current ?? latest)?.payor ?? []).map((p: Reference) => p.reference).filter((r): r is string => !!r);
    const profile = profileName ? settingsProfileNamed(profileName, date) : settingsProfileForPayors(payors, date);
    if (!profile) throw badRequest(`The settings profile "${profileName}" has no version in force on ${date}`, ['settingsProfile']);
    const pofCodes = (ctx.conformance.get<CodeSystem>('CodeSystem', POF_SYSTEM)?.concept ?? []).map((c) => c.code);
    const decision = evaluateEligibility({ evidence, date, profile, rules: eligibilityRules(), valueSets: valueSetMatcherFor(ctx.conformance), pofCodes });

    let written: string[] = [];
    if (persist) {
      const author: Flag['author'] = payors[0] ? { reference: payors[0] } : undefined;
      const ops = pofRecordWrites(evidence, decision, author);
      if (ops.length > 0) {
        const results = await ctx.repo.write(ctx.access, ops);
        written = results.map((r) => `${r.stored.resourceType}/${r.stored.id}/_history/${r.stored.versionId}`);
      }
    }
    return { status: 200, body: eligibilityParameters(decision, written) };
  },
};
