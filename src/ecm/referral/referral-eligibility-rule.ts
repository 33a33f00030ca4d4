import { randomUUID } from 'node:crypto';
import type { Condition, DocumentReference, Flag, Patient, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import type { WriteOp } from '../../fhir/repository.ts';
import type { WriteRule } from '../../fhir/write-rules.ts';
import { isReferral, referenceId } from '../authorization/authorization-resource.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { POF_SYSTEM, eligibilityParameters } from '../eligibility/eligibility-parameters.ts';
import { loadMemberEvidence } from '../eligibility/member-evidence.ts';
import { decideMember } from '../eligibility/member-decision.ts';
import { pofRecordWrites } from '../eligibility/persist-pof-records.ts';
import { planCmFollowUps } from '../eligibility/plan-cm-task.ts';
import { notMetOfferTask } from './not-met-offer.ts';

const CATEGORY = { system: `${CANONICAL_BASE}/CodeSystem/ecm-category`, code: 'eligibility-determination', display: 'ECM eligibility determination' };

/** Writes decided while preparing a referral's create, handed to its follow-ups (same call of applyWriteRules). */
const pending = new Map<string, WriteOp[]>();

/**
 * A new ECM referral triggers an `$ecm-eligibility` run for its member (CLR-ANY-SOURCE: a member
 * not yet on the eligibility list can be referred; REF-SCREEN-ASSIGN: staff screen each referral):
 * on the referral's create, the member is evaluated on today's date under their plan's settings,
 * the POF Conditions and Flags are written as `persist=true` would, and the result is attached to
 * the referral's `supportingInfo`: a DocumentReference (category eligibility-determination) holding
 * the operation's Parameters, and each POF Condition met. A member meeting no POF under a plan
 * with `notMetOffer` gets the ELIG-NOT-MET-OFFER Task (not-met-offer.ts). Written in the
 * referral's transaction.
 */
export const referralEligibilityRule: WriteRule = {
  resourceType: 'ServiceRequest',
  async prepare(resource, previous, { fhir }) {
    const sr = resource as ServiceRequest & { id: string };
    if (previous || !isReferral(sr)) return undefined;
    const patientId = referenceId(sr.subject, 'Patient')?.id;
    const stored = patientId ? await fhir.repo.read(systemAccess, 'Patient', patientId) : undefined;
    if (!stored?.json || stored.deleted) return undefined;
    const patient = JSON.parse(stored.json) as Patient & { id: string };
    const evidence = await loadMemberEvidence({ ...fhir, access: systemAccess }, patient);
    const date = localDateOf(new Date());
    const decided = decideMember(evidence, date, fhir.conformance);
    if (!decided) return undefined;
    const author: Flag['author'] = decided.payors[0] ? { reference: decided.payors[0] } : undefined;
    const pof = [
      ...pofRecordWrites(evidence, decided.decision, author),
      ...(await planCmFollowUps(fhir.repo, systemAccess, [{ patientId: patient.id, decision: decided.decision, payors: decided.payors }])),
    ];
    const result = eligibilityParameters(decided.decision, []);
    const met = decided.decision.populations.filter((p) => p.met).map((p) => p.code);
    const document: DocumentReference & { id: string } = {
      resourceType: 'DocumentReference',
      id: randomUUID(),
      status: 'current',
      type: { coding: [CATEGORY] },
      category: [{ coding: [CATEGORY] }],
      subject: { reference: `Patient/${patient.id}` },
      date: new Date().toISOString(),
      description: `$ecm-eligibility on ${date} for the referral ServiceRequest/${sr.id}: ${decided.decision.eligible ? 'eligible' : 'not eligible'}${met.length > 0 ? ` (POFs met: ${met.join(', ')})` : ''}`,
      content: [{ attachment: { contentType: 'application/fhir+json', title: '$ecm-eligibility result (Parameters)', data: Buffer.from(JSON.stringify(result)).toString('base64') } }],
      context: { related: [{ reference: `ServiceRequest/${sr.id}` }] },
    };
    // the POF Conditions met: the ones written now, else the member's active one that did not change
    const pofCode = (c: Condition) => c.code?.coding?.find((x) => x.system === POF_SYSTEM)?.code;
    const written = new Map<string | undefined, string>();
    for (const op of pof) if (op.kind !== 'delete' && op.resource.resourceType === 'Condition') written.set(pofCode(op.resource as Condition), op.resource.id);
    const activeNow = (code: string) => evidence.conditions.find((c) => pofCode(c) === code && c.clinicalStatus?.coding?.some((x) => x.code === 'active'))?.id;
    const metConditions = met.map((code) => written.get(code) ?? activeNow(code)).filter((id): id is string => !!id).map((id) => `Condition/${id}`);
    const offer = notMetOfferTask({
      patientId: patient.id, referralId: sr.id, date, decision: decided.decision, profile: decided.profile,
      ...(decided.payors[0] ? { plan: decided.payors[0] } : {}), determination: `DocumentReference/${document.id}`,
    });
    pending.set(sr.id, [...pof, { kind: 'create', resource: document }, ...(offer ? [{ kind: 'update' as const, resource: offer }] : [])]);
    const attached: Reference[] = [`DocumentReference/${document.id}`, ...metConditions].map((reference) => ({ reference }));
    return { ...sr, supportingInfo: [...(sr.supportingInfo ?? []), ...attached] };
  },
  async followUps(resource) {
    const ops = pending.get(resource.id) ?? [];
    pending.delete(resource.id);
    return ops.map((op) => ({ op, operation: 'ecm-eligibility' }));
  },
};
