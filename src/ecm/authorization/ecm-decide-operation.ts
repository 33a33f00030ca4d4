import { newResourceId } from '../../fhir/resource-id.ts';
import type { Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { FhirError, gone, notFound } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import type { WriteOp } from '../../fhir/repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { applyWriteRules } from '../../fhir/write-rules.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { decideMember } from '../eligibility/member-decision.ts';
import { loadMemberEvidence } from '../eligibility/member-evidence.ts';
import { referralOf, renewedAuthorization, reviewerRoles } from './authorization-lookups.ts';
import { decisionDueOf, isAuthorization, referenceId } from './authorization-resource.ts';
import { ruleError } from '../rule-error.ts';
import { DECIDE_OPERATION } from './authorization-write-rule.ts';
import { assertUndecided, criteriaOutcome, decideAuthorization } from './decide-authorization.ts';
import { decideInput } from './decide-input.ts';
import { decideParameters } from './decide-parameters.ts';
import { decidedOnTime } from './decision-due.ts';
import { approvalNotices, denialRecords } from './decision-notices.ts';
import { decidedAuthorization, decisionProvenance } from './decision-records.ts';
import { jiReleaseDate } from './ji-release.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-decide';

/**
 * ServiceRequest/[id]/$ecm-decide (authorization.md): approves, denies or pends for case-by-case
 * review an ECM authorization request. Load (the request with the caller's access; the member's
 * evidence, referral, renewed authorization and reviewer with system access) → decide (pure:
 * eligibility on the decision date under the member's plan settings, then the AUTH-* rules) →
 * write in one transaction the new version of the authorization, the notices, the appeal case
 * and the Provenance, each through the write rules as `$ecm-decide`.
 */
export const ecmDecideOperation: Operation = {
  name: 'ecm-decide',
  levels: ['instance'],
  resourceTypes: ['ServiceRequest'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const now = new Date();
    const input = decideInput(req, now);
    const id = target.id!;
    const stored = await ctx.repo.read(ctx.access, 'ServiceRequest', id);
    if (!stored) throw notFound(`ServiceRequest/${id} not found`);
    if (stored.deleted || stored.json === null) throw gone(`ServiceRequest/${id} was deleted`);
    const authorization = JSON.parse(stored.json) as ServiceRequest & { id: string };
    if (!isAuthorization(authorization)) {
      throw ruleError(422, 'AUTH-FLOW', `ServiceRequest/${id} is not an ECM authorization (meta.profile or category ecm-authorization); create one based on the referral first`);
    }
    assertUndecided(authorization);

    const lookup: FhirContext = { ...ctx, access: systemAccess };
    const patientId = referenceId(authorization.subject, 'Patient')?.id;
    const patientStored = patientId ? await lookup.repo.read(systemAccess, 'Patient', patientId) : undefined;
    if (!patientStored?.json) {
      throw ruleError(422, 'DECISION-RECORD', `ServiceRequest/${id}.subject must reference an existing Patient (the member), got "${authorization.subject?.reference ?? ''}"`, ['ServiceRequest.subject']);
    }
    const patient = JSON.parse(patientStored.json) as Patient & { id: string };
    const evidence = await loadMemberEvidence(lookup, patient);
    const decisionDate = localDateOf(input.decidedAt);
    const { decision: eligibility, profile } = decideMember(evidence, decisionDate, ctx.conformance)!;
    const referral = await referralOf(lookup, authorization);
    const renews = await renewedAuthorization(lookup, authorization);
    const releaseDate = renews ? undefined : jiReleaseDate(eligibility, evidence.episodes);
    const needsRole = input.decision !== 'pend-review' && criteriaOutcome(eligibility, profile).fails;
    // a reviewer that does not exist holds no role
    const roles = needsRole ? ((await reviewerRoles(lookup, input.reviewer)) ?? []) : undefined;
    const decision = decideAuthorization({ authorization, input, profile, eligibility, renews, releaseDate, reviewerRoles: roles });

    const newId = newResourceId;
    const provenanceId = newId();
    const facts = { authorization, patient, referral, profile, decidedAt: input.decidedAt, newId };
    const created: Resource[] = [];
    let skippedNotices: string[] = [];
    let appeal: string | undefined;
    if (input.decision === 'approve' && decision.period) {
      const approval = approvalNotices(facts, decision.period);
      created.push(...approval.notices);
      skippedNotices = approval.skipped;
    } else if (input.decision === 'deny') {
      const denial = denialRecords(facts, input.reason!, provenanceId);
      created.push(denial.notice, denial.appeal);
      appeal = `Task/${denial.appeal.id}`;
    }
    // DECISION-RECORD: the evidence per criterion, met (what counted) and failed (what was examined)
    const evidenceRefs = [...eligibility.populations, ...eligibility.exclusions, ...(eligibility.continuity ? [eligibility.continuity] : [])].flatMap((d) => d.evidence);
    const reviewerRole = roles?.includes(profile.settings.caseByCaseReviewerRole) ? profile.settings.caseByCaseReviewerRole : undefined;
    created.push(
      decisionProvenance({
        id: provenanceId,
        authorizationId: id,
        authorizationVersion: stored.versionId + 1,
        decision,
        input,
        profile,
        plan: authorization.requester,
        reviewerRole,
        sources: [...(referral ? [`ServiceRequest/${referral.id}`] : []), ...evidenceRefs],
        revises: renews ? `ServiceRequest/${renews.id}` : undefined,
        recordedAt: now.toISOString(),
      }),
    );

    const next = decidedAuthorization(authorization, decision, input, profile);
    const written = await ctx.repo
      .transaction(async (repo) => {
        const tx: FhirContext = { ...ctx, repo };
        const ops: WriteOp[] = [await applyWriteRules(tx, { kind: 'update', resource: next, ifMatch: stored.versionId }, DECIDE_OPERATION)];
        for (const resource of created) ops.push(await applyWriteRules(tx, { kind: 'create', resource: resource as Resource & { id: string } }, DECIDE_OPERATION));
        return repo.write(ctx.access, ops);
      })
      .catch((err: unknown) => {
        // Another write changed the request since it was read: most likely a concurrent decision.
        if (err instanceof FhirError && err.status === 412) {
          throw ruleError(409, 'AUTH-FLOW', `ServiceRequest/${id} changed while it was being decided (another decision or update came first); read it again`);
        }
        throw err;
      });

    const saved = JSON.parse(written[0].stored.json!) as ServiceRequest;
    const due = decisionDueOf(saved);
    const refOf = (i: number) => `${written[i].stored.resourceType}/${written[i].stored.id}`;
    const notices = written.slice(1).filter((w) => w.stored.resourceType === 'Communication').map((w) => `Communication/${w.stored.id}`);
    return {
      status: 200,
      body: decideParameters({
        authorization: saved,
        period: decision.period,
        rules: decision.rules,
        settingsProfile: { name: profile.name, version: profile.version },
        decisionDue: due,
        onTime: due && input.decision !== 'pend-review' ? decidedOnTime(input.decidedAt, due) : undefined,
        notices,
        appeal,
        provenance: refOf(written.length - 1),
        skippedNotices,
      }),
    };
  },
};
