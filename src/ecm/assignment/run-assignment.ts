import type { CareTeam, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import type { Repository, WriteOp, WriteResult } from '../../fhir/repository.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { applyWriteRules } from '../../fhir/write-rules.ts';
import { changeDueFor, pcpNoticeDueFor } from './assignment-due.ts';
import type { AssignInput } from './assignment-input.ts';
import { decideAssignment, type AssignmentDecision, type Selection } from './assignment-order.ts';
import { checkAuthFlow, checkOverrideInput, decidingUser } from './assignment-preconditions.ts';
import { assignmentRecord } from './assignment-record.ts';
import { assignmentWrites, changeWrites, enrollmentPof, leadCareManagerWrites, type AssignmentWrites, type ChangeFrom, type WriteInput } from './assignment-writes.ts';
import { findAttributionGroup } from './attribution-group.ts';
import { checkLeadCareManager, type LeadCareManager } from './lead-care-manager.ts';
import { loadAssignment, type LoadedAssignment } from './load-assignment.ts';
import { ruleError } from '../rule-error.ts';
import { readStored, type Stored } from './search-all.ts';
import { relativeReference } from './vocabulary.ts';

export type AssignmentMode = 'assign' | 'change' | 'lead-care-manager';

/** What $ecm-assign decided and wrote (assignment-parameters.ts turns it into the answer). */
export interface AssignmentOutcome {
  mode: AssignmentMode;
  date: string;
  dryRun: boolean;
  settingsProfile: { name: string; version: string };
  rules: string[];
  /** The provider assigned (or kept, for a Lead Care Manager change). */
  provider?: { reference: string; display?: string; service?: string };
  step?: string;
  pof?: string;
  decision?: AssignmentDecision;
  override?: { reason: string; by: string; replaced?: string };
  leadCareManager?: LeadCareManager;
  assignmentDue?: string;
  pcpNoticeDue?: string;
  changeDue?: string;
  written: string[];
}

async function loadLeadCareManager(ctx: FhirContext, repo: Repository, reference: string | undefined) {
  if (!reference) return undefined;
  const role = (await readStored<PractitionerRole>(repo, ctx.access, reference))?.resource;
  const practitionerRef = relativeReference(role?.practitioner, 'Practitioner');
  const practitioner = practitionerRef ? (await readStored<Practitioner>(repo, ctx.access, practitionerRef))?.resource : undefined;
  return { reference, role, practitioner };
}

function chooseMode(loaded: LoadedAssignment, input: AssignInput, lcmOrganization: string | undefined): AssignmentMode {
  const current = loaded.current?.resource;
  const request = `ServiceRequest/${loaded.request.resource.id}`;
  const currentProvider = relativeReference(current?.managingOrganization, 'Organization');
  const namesProvider = input.preference !== undefined || input.override !== undefined;
  if (!input.change) {
    if (!current) return 'assign';
    const forThisRequest = (current.referralRequest ?? []).some((r) => r.reference === request);
    if (forThisRequest && input.leadCareManager && !namesProvider) return 'lead-care-manager';
    throw ruleError(409, 'ASSIGN-CHANGE', `Patient/${loaded.patient.id} is already assigned to ${currentProvider ?? 'a provider'} (EpisodeOfCare/${current.id}); a member-requested change of provider needs change=true, and a Lead Care Manager for this assignment is named with leadCareManager alone`);
  }
  if (!current) throw ruleError(409, 'ASSIGN-CHANGE', `Patient/${loaded.patient.id} has no current ECM assignment to change; assign without change=true`);
  if (input.leadCareManager && !namesProvider && lcmOrganization === currentProvider) {
    if (!loaded.profile.settings.memberMayChangeLcm) {
      throw ruleError(422, 'ASSIGN-CHANGE', `under settings profile ${loaded.profile.name} ${loaded.profile.version} the member may change provider, not only the Lead Care Manager (memberMayChangeLcm false)`, ['leadCareManager']);
    }
    return 'lead-care-manager';
  }
  return 'change';
}

/** "Type/id/_history/n" of each write that is not a notice: what the decision record is about. */
function targets(ops: WriteOp[]): string[] {
  return ops.flatMap((op) => {
    if (op.kind === 'delete' || op.resource.resourceType === 'Communication') return [];
    const version = op.kind === 'create' ? 1 : (op.ifMatch ?? 0) + 1;
    return [`${op.resource.resourceType}/${op.resource.id}/_history/${version}`];
  });
}

function noQualifiedProvider(decision: AssignmentDecision): never {
  const reasons = [...new Set(decision.candidates.filter((c) => c.reason).map((c) => `${c.service ?? c.provider} ${c.reason}`))];
  throw ruleError(409, 'ASSIGN-PROVIDER-QUAL', `no provider of the network qualifies for this member (${reasons.join('; ') || 'no ECM provider'})`);
}

/** The old assignment a change ends: its care teams, the service whose place it used, its attribution list. */
async function changeFrom(ctx: FhirContext, repo: Repository, loaded: LoadedAssignment, plan: string): Promise<ChangeFrom> {
  const episode = loaded.current!;
  const provider = relativeReference(episode.resource.managingOrganization, 'Organization')!;
  const teamRefs = new Set((episode.resource.team ?? []).map((t) => t.reference));
  const careTeams = loaded.careTeams.filter((t) => teamRefs.has(`CareTeam/${t.resource.id}`) && t.resource.status !== 'inactive');
  const pof = enrollmentPof(episode.resource);
  const services = loaded.network.byProvider(provider);
  const service = services.find((s) => pof && s.pofs.includes(pof)) ?? services[0];
  const group = await findAttributionGroup(repo, ctx.access, plan, provider);
  return { episode, careTeams, ...(service ? { service } : {}), ...(pof ? { pof } : {}), ...(group ? { group } : {}) };
}

/** The name this operation gives the server's write rules (src/fhir/write-rules.ts). */
export const ASSIGN_OPERATION = 'ecm-assign';

async function applyWrites(ctx: FhirContext, repo: Repository, locks: WriteOp[], ops: WriteOp[]): Promise<WriteResult[]> {
  const txCtx: FhirContext = { ...ctx, repo };
  const judged = async (list: WriteOp[]) => {
    const out: WriteOp[] = [];
    for (const op of list) out.push(await applyWriteRules(txCtx, op, ASSIGN_OPERATION));
    return out;
  };
  const results: WriteResult[] = [];
  // Capacity rows first, one statement each in id order: the row lock is taken before anything else is written.
  for (const lock of await judged(locks)) results.push(...(await repo.write(ctx.access, [lock])));
  results.push(...(await repo.write(ctx.access, await judged(ops))));
  return results;
}

const versioned = (r: WriteResult) => `${r.stored.resourceType}/${r.stored.id}/_history/${r.stored.versionId}`;

/**
 * $ecm-assign inside one repository transaction (`repo` is bound to it): load → check AUTH-FLOW,
 * ASSIGN-OVERRIDE and the mode (new assignment, member-requested change, Lead Care Manager) →
 * decide (ASSIGN-ORDER, pure) → write everything, the decision record included, or nothing.
 */
export async function runAssignment(ctx: FhirContext, repo: Repository, requestId: string, input: AssignInput, now: Date): Promise<AssignmentOutcome> {
  const loaded = await loadAssignment(ctx, repo, requestId, input.date);
  const settings = loaded.profile.settings;
  const rules = ['DECISION-RECORD', ...checkAuthFlow(loaded, input.date)];
  checkOverrideInput(input, ctx.access);
  const plan = loaded.plan;
  if (!plan) throw ruleError(422, 'ELIG-BASE', `Patient/${loaded.patient.id} has no Coverage naming the plan on ${input.date}, so there is no plan–provider attribution list to add the member to`);
  const lcmLoaded = await loadLeadCareManager(ctx, repo, input.leadCareManager);
  const mode = chooseMode(loaded, input, relativeReference(lcmLoaded?.role?.organization, 'Organization'));
  const outcome: AssignmentOutcome = {
    mode,
    date: input.date,
    dryRun: input.dryRun,
    settingsProfile: { name: loaded.profile.name, version: loaded.profile.version },
    rules,
    written: [],
  };
  const nowIso = now.toISOString();
  const writeInput: WriteInput = {
    loaded,
    plan,
    date: input.date,
    now: nowIso,
    ...(input.changeChannel ? { requestChannel: input.changeChannel } : {}),
    ...(input.change ? { changeRequested: input.changeRequested ?? input.date } : {}),
  };
  const agent = decidingUser(input, ctx.access) ?? plan;
  if (input.change) {
    outcome.changeDue = changeDueFor(input.changeRequested ?? input.date, settings);
    rules.push('ASSIGN-CHANGE', 'ASSIGN-CHANGE-ACK');
  }

  if (mode === 'lead-care-manager') {
    const current = loaded.current!;
    const provider = relativeReference(current.resource.managingOrganization, 'Organization')!;
    const lcm = checkLeadCareManager(input.leadCareManager!, lcmLoaded?.role, lcmLoaded?.practitioner, provider, loaded.facts.ltss);
    rules.push('ASSIGN-LCM', 'ASSIGN-LCM-RECORD', ...(loaded.facts.ltss ? ['ASSIGN-LCM-LTSS'] : []));
    Object.assign(outcome, { provider: { reference: provider, ...(current.resource.managingOrganization?.display ? { display: current.resource.managingOrganization.display } : {}) }, leadCareManager: lcm });
    if (input.dryRun) return outcome;
    const teamRefs = new Set((current.resource.team ?? []).map((t) => t.reference));
    const teams: Stored<CareTeam>[] = loaded.careTeams.filter((t) => teamRefs.has(`CareTeam/${t.resource.id}`) && t.resource.status !== 'inactive');
    const ops = leadCareManagerWrites(writeInput, current, teams, lcm);
    const record = assignmentRecord({
      targets: targets(ops), request: `ServiceRequest/${requestId}`, date: input.date, recorded: nowIso, agent, plan,
      settingsProfile: outcome.settingsProfile, rules, activity: input.change ? 'Member-requested change of Lead Care Manager' : 'Lead Care Manager named',
    });
    outcome.written = (await applyWrites(ctx, repo, [], [...ops, { kind: 'create', resource: record }])).map(versioned);
    return outcome;
  }

  if (loaded.facts.pofs.length === 0) {
    throw ruleError(422, 'ASSIGN-PROVIDER-QUAL', `ServiceRequest/${requestId} names no Population of Focus (reasonCode or reasonReference) and the member has no active POF Condition, so no POF contract can be checked`);
  }
  const currentProvider = mode === 'change' ? relativeReference(loaded.current!.resource.managingOrganization, 'Organization') : undefined;
  const decision = decideAssignment({
    facts: loaded.facts,
    network: loaded.network,
    settings,
    date: input.date,
    ...(input.preference ? { preference: input.preference } : {}),
    ...(currentProvider ? { currentProvider } : {}),
    ...(input.override ? { override: input.override } : {}),
  });
  rules.push(...decision.rules);
  outcome.decision = decision;
  if (input.override) outcome.override = { reason: input.overrideReason!, by: agent, ...(decision.overridden ? { replaced: decision.overridden } : {}) };
  const selected: Selection | undefined = decision.selected;
  if (!selected) {
    if (input.dryRun) return outcome;
    noQualifiedProvider(decision);
  }
  Object.assign(outcome, {
    provider: { reference: selected.service.provider, ...(selected.service.organization?.name ? { display: selected.service.organization.name } : {}), service: `HealthcareService/${selected.service.service.id}` },
    step: selected.step,
    pof: selected.pof,
  });
  if (input.leadCareManager) {
    outcome.leadCareManager = checkLeadCareManager(input.leadCareManager, lcmLoaded?.role, lcmLoaded?.practitioner, selected.service.provider, loaded.facts.ltss);
    rules.push('ASSIGN-LCM', 'ASSIGN-LCM-RECORD', ...(loaded.facts.ltss ? ['ASSIGN-LCM-LTSS'] : []));
    writeInput.lcm = outcome.leadCareManager;
  }
  // ASSIGN-PCP-NOTICE: when the plan tells the PCP (approvalNoticeRecipients) and the PCP is not the ECM provider.
  const pcpNotice = mode === 'assign' && settings.approvalNoticeRecipients.includes('pcp') && !!loaded.pcp && !loaded.pcp.organizations.includes(selected.service.provider);
  if (pcpNotice) {
    const due = pcpNoticeDueFor(loaded.request.resource, settings);
    if (due) outcome.pcpNoticeDue = due;
    rules.push('ASSIGN-PCP-NOTICE');
  }

  const newGroup = await findAttributionGroup(repo, ctx.access, plan, selected.service.provider);
  const writes: AssignmentWrites = mode === 'change'
    ? changeWrites(writeInput, selected, newGroup, await changeFrom(ctx, repo, loaded, plan))
    : assignmentWrites(writeInput, selected, newGroup, pcpNotice);
  if (writes.assignmentDue) {
    outcome.assignmentDue = writes.assignmentDue;
    rules.push('ASSIGN-TAT');
  }
  rules.push('ASSIGN-PROVIDER-FEED');
  if (input.dryRun) return outcome;
  const record = assignmentRecord({
    targets: targets([...writes.locks, ...writes.ops]), request: `ServiceRequest/${requestId}`, date: input.date, recorded: nowIso, agent, plan,
    settingsProfile: outcome.settingsProfile, step: selected.step, rules, decision, ...(input.overrideReason ? { overrideReason: input.overrideReason } : {}),
    activity: mode === 'change' ? 'Member-requested change of ECM provider' : 'ECM provider assignment',
  });
  outcome.written = (await applyWrites(ctx, repo, writes.locks, [...writes.ops, { kind: 'create', resource: record }])).map(versioned);
  return outcome;
}

