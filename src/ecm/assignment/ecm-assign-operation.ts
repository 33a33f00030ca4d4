import { setTimeout as sleep } from 'node:timers/promises';
import { conflict, FhirError } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { assignInput } from './assignment-input.ts';
import { assignmentParameters } from './assignment-parameters.ts';
import { runAssignment } from './run-assignment.ts';
import { rememberAttributionGroups } from './attribution-group.ts';
import { CS } from './vocabulary.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-assign';
const ATTEMPTS = 8;

/**
 * A write that lost a race: a version guard (If-Match) failed because a concurrent assignment
 * changed the same capacity, list or request first, or PostgreSQL broke a deadlock. The whole
 * transaction rolled back, so running it again on fresh data is safe. Refusals naming an ECM rule
 * are answers, never retried.
 */
function lostRace(err: unknown): boolean {
  if (err instanceof FhirError) {
    const namesRule = err.outcome.issue?.some((i) => i.details?.coding?.some((c) => c.system === CS.rule));
    return !namesRule && (err.status === 412 || err.status === 409);
  }
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/**
 * ServiceRequest/[id]/$ecm-assign (implementation-guide/assignment.md): assigns the member of an
 * ECM authorization (or, where the plan assigns before authorizing, of a screened referral) to an
 * ECM provider by ASSIGN-ORDER, records every candidate (ASSIGN-RECORD), and writes the
 * enrollment, care team, attribution entry, capacity used, notices and decision record in one
 * repository transaction; `dryRun` decides and writes nothing. Two calls racing for the last
 * place: the loser's capacity write fails its version guard and it decides again in the same
 * transaction on the network as committed (run-assignment.ts), then finds no place left; any
 * other lost race (the request or list changed, a deadlock) rolls back and runs again here.
 */
export const ecmAssignOperation: Operation = {
  name: 'ecm-assign',
  levels: ['instance'],
  resourceTypes: ['ServiceRequest'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const now = new Date();
    const input = assignInput(req, now);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await ctx.repo.transaction((repo) => runAssignment(ctx, repo, target.id!, input, now));
        rememberAttributionGroups(ctx.repo, outcome.attributionGroups ?? []);
        return { status: 200, body: assignmentParameters(outcome) };
      } catch (err) {
        if (!lostRace(err)) throw err;
        if (attempt >= ATTEMPTS) throw conflict('The assignment kept colliding with concurrent assignments of the same provider; retry');
        // A short random pause spreads the retries of transactions that collided together.
        await sleep(Math.floor(Math.random() * 5 * attempt));
      }
    }
  },
};
