import { newResourceId } from '../../fhir/resource-id.ts';
import type { Parameters, ProvenanceAgent } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import type { WriteOp } from '../../fhir/repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { applyWriteRules, writeWithRules } from '../../fhir/write-rules.ts';
import { ruleError } from '../rule-error.ts';
import { MOVE_LIST_OPERATION } from './escalation-vocabulary.ts';
import { listRemovalRefused, missingForListRemoval } from './list-removal-conditions.ts';
import { loadMoveListFacts } from './move-list-facts.ts';
import { moveListInput } from './move-list-input.ts';
import { moveListWrites, type MoveListWrites } from './move-list-records.ts';
import { assertPlanWideWrite } from './plan-wide-access.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-move-list';

/**
 * `POST [base]/Organization/[id]/$ecm-move-list` (referral-loop.md, CLR-LIST-REMOVAL,
 * CLR-REASSIGN): the plan moves an ECM provider's list to another ECM provider: its open referral
 * Tasks (re-owned) and its members on the plan's attribution Group. Refused (422) unless the
 * provider has at least `clrListRemovalMinFailures` late responses (referral-overdue notices)
 * and a recorded technical-assistance event. One transaction, with a Provenance.
 */
export const ecmMoveListOperation: Operation = {
  name: 'ecm-move-list',
  levels: ['instance'],
  resourceTypes: ['Organization'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const now = new Date();
    const input = moveListInput(req, now);
    assertPlanWideWrite(ctx.access, 'ecm-move-list', ['Task', 'Group', 'Provenance']);
    const facts = await loadMoveListFacts(ctx, target.id!, input);
    const provider = `Organization/${facts.provider.resource.id}`;
    const conditions = {
      provider,
      failures: facts.failures,
      minFailures: facts.profile.settings.clrListRemovalMinFailures,
      technicalAssistance: facts.technicalAssistance,
      settingsProfile: { name: facts.profile.name, version: facts.profile.version },
    };
    const missing = missingForListRemoval(conditions);
    if (missing.length > 0) throw listRemovalRefused(missing);

    const writes = moveListWrites(facts, input, { provenance: newResourceId() }, now.toISOString(), agentOf(ctx.access, facts.plan));
    await ctx.repo
      .transaction(async (repo) => {
        const tx: FhirContext = { ...ctx, repo };
        const ops: WriteOp[] = [];
        for (const op of writes.ops) ops.push(await applyWriteRules(tx, op, MOVE_LIST_OPERATION));
        return writeWithRules(repo, ctx.access, ops);
      })
      .catch((err: unknown) => {
        if (err instanceof FhirError && err.status === 412) {
          throw ruleError(409, 'CLR-LIST-REMOVAL', `a Task or attribution Group of ${provider} changed while its list was being moved; try again`);
        }
        throw err;
      });
    return { status: 200, body: moveListParameters(conditions, facts.profile, writes) };
  },
};

/** Who moved the list: the user (fhirUser), else the plan acting through a system client. */
function agentOf(access: AccessContext, plan: string | undefined): ProvenanceAgent['who'] {
  if (access.fhirUser) return { reference: access.fhirUser };
  return { ...(plan ? { reference: plan } : {}), display: access.actor };
}

function moveListParameters(
  c: { failures: string[]; minFailures: number; technicalAssistance: string[] },
  profile: { name: string; version: string },
  w: MoveListWrites,
): Parameters {
  const refs = (name: string, list: string[]) => list.map((reference) => ({ name, valueReference: { reference } }));
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'failures', valueInteger: c.failures.length },
      { name: 'minFailures', valueInteger: c.minFailures },
      ...refs('technicalAssistance', c.technicalAssistance),
      { name: 'settingsProfile', part: [{ name: 'name', valueString: profile.name }, { name: 'version', valueString: profile.version }] },
      ...refs('task', w.tasks),
      ...refs('member', w.members),
      ...(w.fromGroup ? refs('fromGroup', [w.fromGroup]) : []),
      ...(w.toGroup ? refs('toGroup', [w.toGroup]) : []),
      { name: 'provenance', valueReference: { reference: `Provenance/${w.provenance.id}` } },
    ],
  };
}
