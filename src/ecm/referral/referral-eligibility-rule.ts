import { newResourceId } from '../../fhir/resource-id.ts';
import type { Condition, DocumentReference, Flag, Patient, Reference, ServiceRequest } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import type { Repository, WriteOp } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { applyWriteRules, writeWithRules, type WriteRule } from '../../fhir/write-rules.ts';
import { isReferral, referenceId } from '../authorization/authorization-resource.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { POF_SYSTEM, eligibilityParameters } from '../eligibility/eligibility-parameters.ts';
import { loadMemberEvidence } from '../eligibility/member-evidence.ts';
import { decideMember } from '../eligibility/member-decision.ts';
import { pofRecordWrites } from '../eligibility/persist-pof-records.ts';
import { planCmFollowUps } from '../eligibility/plan-cm-task.ts';
import { notMetOfferTask } from './not-met-offer.ts';

const CATEGORY = { system: `${CANONICAL_BASE}/CodeSystem/ecm-category`, code: 'eligibility-determination', display: 'ECM eligibility determination' };

/** The operation name the eligibility run's writes are judged under (src/fhir/write-rules.ts). */
const OPERATION = 'ecm-eligibility';

/** Writes decided while preparing a referral's create, handed to its follow-ups (same call of applyWriteRules). */
const pending = new Map<string, WriteOp[]>();
/** Referrals whose member was not stored yet when they were prepared: evaluated after the transaction's writes. */
const deferred = new Set<string>();

/** The eligibility run for a referral's member: the writes it makes and the references to attach to the referral. */
async function screenReferral(fhir: FhirContext, sr: ServiceRequest & { id: string }, patient: Patient & { id: string }): Promise<{ ops: WriteOp[]; attached: Reference[] } | undefined> {
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
    id: newResourceId(),
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
  const ops: WriteOp[] = [...pof, { kind: 'create', resource: document }, ...(offer ? [{ kind: 'update' as const, resource: offer }] : [])];
  return { ops, attached: [`DocumentReference/${document.id}`, ...metConditions].map((reference) => ({ reference })) };
}

async function storedPatient(fhir: FhirContext, sr: ServiceRequest): Promise<(Patient & { id: string }) | undefined> {
  const patientId = referenceId(sr.subject, 'Patient')?.id;
  const stored = patientId ? await fhir.repo.read(systemAccess, 'Patient', patientId) : undefined;
  return stored?.json && !stored.deleted ? (JSON.parse(stored.json) as Patient & { id: string }) : undefined;
}

/**
 * A referral whose member is created in the same transaction Bundle: evaluated once every entry is
 * written (the follow-up work of the transaction), the determination then attached as a second
 * version of the referral in the same transaction.
 */
async function screenAfterWrites(fhir: FhirContext, repo: Repository, referral: ServiceRequest & { id: string }): Promise<void> {
  const tx: FhirContext = { ...fhir, repo };
  const patient = await storedPatient(tx, referral);
  if (!patient) return;
  const screened = await screenReferral(tx, referral, patient);
  if (!screened) return;
  const ops: WriteOp[] = [];
  for (const op of screened.ops) ops.push(await applyWriteRules(tx, op, OPERATION));
  await writeWithRules(repo, systemAccess, ops);
  const current = await repo.read(systemAccess, 'ServiceRequest', referral.id);
  if (!current?.json || current.deleted) return;
  const stored = JSON.parse(current.json) as ServiceRequest & { id: string };
  await repo.write(systemAccess, [{ kind: 'update', resource: { ...stored, supportingInfo: [...(stored.supportingInfo ?? []), ...screened.attached] }, ifMatch: current.versionId }]);
}

/**
 * A new ECM referral triggers an `$ecm-eligibility` run for its member (CLR-ANY-SOURCE: a member
 * not yet on the eligibility list can be referred; REF-SCREEN-ASSIGN: staff screen each referral):
 * on the referral's create, the member is evaluated on today's date under their plan's settings,
 * the POF Conditions and Flags are written as `persist=true` would, and the result is attached to
 * the referral's `supportingInfo`: a DocumentReference (category eligibility-determination) holding
 * the operation's Parameters, and each POF Condition met. A member meeting no POF under a plan
 * with `notMetOffer` gets the ELIG-NOT-MET-OFFER Task (not-met-offer.ts). Written in the
 * referral's transaction; a member created in the same transaction is evaluated after its writes.
 */
export const referralEligibilityRule: WriteRule = {
  resourceType: 'ServiceRequest',
  async prepare(resource, previous, { fhir }) {
    const sr = resource as ServiceRequest & { id: string };
    if (previous || !isReferral(sr)) return undefined;
    const patient = await storedPatient(fhir, sr);
    if (!patient) {
      deferred.add(sr.id);
      return sr;
    }
    const screened = await screenReferral(fhir, sr, patient);
    if (!screened) return undefined;
    pending.set(sr.id, screened.ops);
    return { ...sr, supportingInfo: [...(sr.supportingInfo ?? []), ...screened.attached] };
  },
  async followUps(resource, _previous, { fhir }) {
    if (deferred.delete(resource.id)) return [{ run: (repo) => screenAfterWrites(fhir, repo, resource as ServiceRequest & { id: string }) }];
    const ops = pending.get(resource.id) ?? [];
    pending.delete(resource.id);
    return ops.map((op) => ({ op, operation: OPERATION }));
  },
};
