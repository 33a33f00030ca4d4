import type { CareTeam, Group, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { asVersion } from '../../store/resource-json.ts';
import type { Repository, WriteOp, WriteResult } from '../../fhir/repository.ts';
import { FhirError, versionConflict } from '../../fhir/outcome.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { applyWriteRules, writeWithRules, type KnownVersions } from '../../fhir/write-rules.ts';
import { changeDueFor, pcpNoticeDueFor } from './assignment-due.ts';
import type { AssignInput } from './assignment-input.ts';
import { decideAssignment, type AssignmentDecision, type Selection } from './assignment-order.ts';
import { checkAuthFlow, checkOverrideInput, decidingUser } from './assignment-preconditions.ts';
import { assignmentRecord } from './assignment-record.ts';
import { assignmentWrites, changeWrites, enrollmentPof, leadCareManagerWrites, type AssignmentWrites, type ChangeFrom, type WriteInput } from './assignment-writes.ts';
import { findAttributionGroup } from './attribution-group.ts';
import { checkLeadCareManager, type LeadCareManager } from './lead-care-manager.ts';
import { loadAssignment, type LoadedAssignment } from './load-assignment.ts';
import { loadProviderNetwork, networkService, providerNetwork, withCapacityUsed, type ProviderNetwork } from './provider-network.ts';
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
  /** The attribution Groups written, as stored (for rememberAttributionGroups once committed; not part of the answer). */
  attributionGroups?: Stored<Group>[];
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
async function changeFrom(ctx: FhirContext, repo: Repository, loaded: LoadedAssignment, network: ProviderNetwork, plan: string): Promise<ChangeFrom> {
  const episode = loaded.current!;
  const provider = relativeReference(episode.resource.managingOrganization, 'Organization')!;
  const teamRefs = new Set((episode.resource.team ?? []).map((t) => t.reference));
  const careTeams = loaded.careTeams.filter((t) => teamRefs.has(`CareTeam/${t.resource.id}`) && t.resource.status !== 'inactive');
  const pof = enrollmentPof(episode.resource);
  const services = network.byProvider(provider);
  const service = services.find((s) => pof && s.pofs.includes(pof)) ?? services[0];
  const group = await findAttributionGroup(repo, ctx.access, plan, provider, ctx.repo);
  return { episode, careTeams, ...(service ? { service } : {}), ...(pof ? { pof } : {}), ...(group ? { group } : {}) };
}

/** The name this operation gives the server's write rules (src/fhir/write-rules.ts). */
export const ASSIGN_OPERATION = 'ecm-assign';

/**
 * The first capacity row was changed by a concurrent assignment after this one read the network:
 * nothing is written yet, and the row lock taken by the failed write is now this transaction's.
 */
class StaleCapacity {
  constructor(readonly error: FhirError) {}
}

/** The service selected is being assigned by a concurrent transaction, which holds its capacity row. */
class Busy {
  constructor(readonly service: string) {}
}

/** Busy services counted with a place less before the assignment waits for one of them instead. */
const BUSY_SKIPS = 3;

/**
 * The network with one place less at each busy service (ext-provider-capacity): what it will hold
 * once the concurrent assignment there commits. Deciding on it gives the decision that assignment
 * would get right after the other one, without waiting for it: concurrent best fits ranking the
 * same service first (most places left, a margin of one place) spread over the services instead of
 * queueing behind one row lock. A busy service still first with a place less is waited for.
 */
function withPlacesTaken(network: ProviderNetwork, busy: Set<string>): ProviderNetwork {
  if (busy.size === 0) return network;
  return providerNetwork(
    network.services.map((s) => (busy.has(s.service.id) ? networkService({ resource: withCapacityUsed(s, undefined, 1), versionId: s.versionId }, s.organization) : s)),
  );
}

/** What the assignment read in its transaction and may update: the write rules judge those updates without reading them again. */
function knownVersions(loaded: LoadedAssignment): KnownVersions {
  const known = new Map<string, { resource: Resource; versionId: number }>();
  for (const s of [loaded.request, ...loaded.referralTasks, ...loaded.fillerOrders, ...loaded.careTeams, ...(loaded.current ? [loaded.current] : [])]) {
    known.set(`${s.resource.resourceType}/${s.resource.id}`, s);
  }
  return known;
}

/**
 * One write of everything, the capacity rows first (in id order): the repository locks the rows
 * in that order and checks every version before it writes anything.
 */
async function applyWrites(ctx: FhirContext, repo: Repository, loaded: LoadedAssignment, locks: WriteOp[], ops: WriteOp[], outcome: AssignmentOutcome): Promise<WriteResult[] | StaleCapacity> {
  const txCtx: FhirContext = { ...ctx, repo };
  const known = knownVersions(loaded);
  const judged: WriteOp[] = [];
  for (const op of [...locks, ...ops]) judged.push(await applyWriteRules(txCtx, op, ASSIGN_OPERATION, known));
  try {
    const results = await writeWithRules(repo, ctx.access, judged);
    outcome.attributionGroups = judged.flatMap((op, i) =>
      op.kind !== 'delete' && op.resource.resourceType === 'Group' && results[i]?.stored.json
        ? [{ resource: asVersion(op.resource as Group & { id: string }, results[i].stored.versionId, results[i].stored.lastUpdated), versionId: results[i].stored.versionId }]
        : [],
    );
    return results;
  } catch (err) {
    // The first capacity row's version guard failed after its lock: nothing is written, no SQL error, the transaction goes on.
    const first = locks[0];
    if (first && first.kind !== 'delete' && err instanceof FhirError && err.status === 412 && err.conflictOn === `${first.resource.resourceType}/${first.resource.id}`) return new StaleCapacity(err);
    throw err;
  }
}

function written(results: WriteResult[] | StaleCapacity): string[] {
  if (results instanceof StaleCapacity) throw results.error;
  return results.map(versioned);
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
    ...(input.declined ? { declined: input.declined } : {}),
  };
  const agent = decidingUser(input, ctx.access) ?? plan;
  if (input.declined) rules.push('CLR-DECLINE-FOLLOWUP');
  else if (input.change) {
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
    outcome.written = written(await applyWrites(ctx, repo, loaded, [], [...ops, { kind: 'create', resource: record }], outcome));
    return outcome;
  }

  if (loaded.facts.pofs.length === 0) {
    throw ruleError(422, 'ASSIGN-PROVIDER-QUAL', `ServiceRequest/${requestId} names no Population of Focus (reasonCode or reasonReference) and the member has no active POF Condition, so no POF contract can be checked`);
  }
  const attempt: Attempt = { ctx, repo, loaded, input, mode, plan, agent, nowIso, requestId, lcmLoaded, writeInput, outcome };
  let network = loaded.network;
  const busy = new Set<string>();
  for (let round = 1; ; ) {
    const result = await decideAndWrite(attempt, network, busy);
    if (result instanceof Busy) {
      busy.add(result.service);
      continue;
    }
    if (!(result instanceof StaleCapacity)) return result;
    // Another assignment took a place at the chosen service after the network was read (the usual
    // race: concurrent best fits rank the same service first). Rather than rolling back and loading
    // the member again, decide again in this transaction on the network as committed now; the
    // service that was chosen stays locked by this transaction, so choosing it again cannot fail.
    if (round++ >= REDECIDE_ROUNDS) throw result.error;
    network = await loadProviderNetwork(repo, ctx.access);
    // the fresh network holds what the busy services' assignments committed meanwhile
    busy.clear();
  }
}

/** Decisions per transaction before a lost capacity race rolls the transaction back (ecm-assign-operation.ts retries it). */
const REDECIDE_ROUNDS = 4;

interface Attempt {
  ctx: FhirContext;
  repo: Repository;
  loaded: LoadedAssignment;
  input: AssignInput;
  mode: AssignmentMode;
  plan: string;
  agent: string;
  nowIso: string;
  requestId: string;
  lcmLoaded: Awaited<ReturnType<typeof loadLeadCareManager>>;
  /** As before the decision: each attempt starts from a copy. */
  writeInput: WriteInput;
  outcome: AssignmentOutcome;
}

/**
 * ASSIGN-ORDER on `network`, then the writes of the selected provider (the capacity row first);
 * StaleCapacity when that row changed since `network` was read and nothing is written yet; Busy
 * when a concurrent transaction holds it (and fewer than BUSY_SKIPS services were found busy).
 */
async function decideAndWrite(a: Attempt, network: ProviderNetwork, busy: Set<string>): Promise<AssignmentOutcome | StaleCapacity | Busy> {
  const { ctx, repo, loaded, input, mode, plan, agent, nowIso, requestId, lcmLoaded } = a;
  const settings = loaded.profile.settings;
  const rules = [...a.outcome.rules];
  const outcome: AssignmentOutcome = { ...a.outcome, rules, written: [] };
  const writeInput: WriteInput = { ...a.writeInput };
  const currentProvider = mode === 'change' ? relativeReference(loaded.current!.resource.managingOrganization, 'Organization') : undefined;
  const decision = decideAssignment({
    facts: loaded.facts,
    network: withPlacesTaken(network, busy),
    settings,
    date: input.date,
    ...(input.preference ? { preference: input.preference } : {}),
    ...(currentProvider ? { currentProvider } : {}),
    ...(input.override ? { override: input.override } : {}),
  });
  rules.push(...decision.rules);
  outcome.decision = decision;
  if (input.override) outcome.override = { reason: input.overrideReason!, by: agent, ...(decision.overridden ? { replaced: decision.overridden } : {}) };
  const decided: Selection | undefined = decision.selected;
  if (!decided) {
    if (input.dryRun) return outcome;
    noQualifiedProvider(decision);
  }
  // capacity is written from the row as read (a busy service's place less was only for deciding)
  const selected: Selection = { ...decided, service: network.byService(`HealthcareService/${decided.service.service.id}`) ?? decided.service };
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

  if (!input.dryRun && !busy.has(selected.service.service.id) && busy.size < BUSY_SKIPS) {
    const id = selected.service.service.id;
    const locked = (await repo.lockIfFree(ctx.access, 'HealthcareService', [id])).get(id);
    if (locked === undefined) return new Busy(id);
    // locked now by this transaction: a version other than the one decided on is final
    if (locked !== selected.service.versionId) return new StaleCapacity(versionConflict(`HealthcareService/${id}`, `Version conflict on HealthcareService/${id}: its capacity changed after the network was read`));
  }
  const newGroup = await findAttributionGroup(repo, ctx.access, plan, selected.service.provider, ctx.repo);
  const writes: AssignmentWrites = mode === 'change'
    ? changeWrites(writeInput, selected, newGroup, await changeFrom(ctx, repo, loaded, network, plan))
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
    activity: input.declined ? 'Re-assignment after the provider declined the referral' : mode === 'change' ? 'Member-requested change of ECM provider' : 'ECM provider assignment',
  });
  const results = await applyWrites(ctx, repo, loaded, writes.locks, [...writes.ops, { kind: 'create', resource: record }], outcome);
  if (results instanceof StaleCapacity) return results;
  outcome.written = written(results);
  return outcome;
}

