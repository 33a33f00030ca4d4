import { newResourceId } from '../../fhir/resource-id.ts';
import type { CareTeam, CareTeamParticipant, EpisodeOfCare, Group, Patient, ServiceRequest } from '@medplum/fhirtypes';
import type { WriteOp } from '../../fhir/repository.ts';
import type { NoticeChannel } from '../settings/settings-profile.ts';
import { assignmentDueFor, assignmentDueOf, withAssignmentDue } from './assignment-due.ts';
import { intermediaryWrites } from '../referral/intermediary-tasks.ts';
import { notice, type NoticeSpec } from './assignment-notices.ts';
import type { Selection } from './assignment-order.ts';
import { newAttributionGroup, withMemberAssigned, withMemberDropped } from './attribution-group.ts';
import type { LeadCareManager } from './lead-care-manager.ts';
import type { LoadedAssignment } from './load-assignment.ts';
import { withCapacityUsed, type NetworkService } from './provider-network.ts';
import type { Stored } from './search-all.ts';
import { CIN_SYSTEM, CS, EXT, codesOf, concept, datePart, profileUrl, ref, relativeReference } from './vocabulary.ts';

/**
 * The resources one assignment writes, as repository write operations. `locks` are the capacity
 * updates (one per HealthcareService, in id order) written first: each is guarded by the version
 * read, so of two transactions taking the same last place one writes and the other fails and is
 * retried on fresh data. Every other update is guarded the same way; creates get new ids.
 */
export interface AssignmentWrites {
  locks: WriteOp[];
  ops: WriteOp[];
  assignmentDue?: string;
}

export interface WriteInput {
  loaded: LoadedAssignment;
  plan: string;
  date: string;
  now: string;
  lcm?: LeadCareManager;
  requestChannel?: string;
  /** Day the member asked for a change (ASSIGN-CHANGE). */
  changeRequested?: string;
  /** A re-assignment because the provider declined the referral (CLR-DECLINE-FOLLOWUP), with its reason. */
  declined?: DeclinedReferral;
}

export interface DeclinedReferral {
  /** Task/x: the provider's declined referral Task. */
  task: string;
  /** The decline's statusReason, as text. */
  reason: string;
}

const SNOMED = 'http://snomed.info/sct';

export function memberName(p: Patient): string {
  const n = p.name?.find((x) => x.use === 'official') ?? p.name?.[0];
  return n?.text ?? ([...(n?.given ?? []), n?.family].filter(Boolean).join(' ') || `Patient/${p.id}`);
}

function cinOf(p: Patient): string | undefined {
  return p.identifier?.find((i) => i.system === CIN_SYSTEM)?.value;
}

function providerLabel(s: NetworkService): string {
  const phone = s.organization?.telecom?.find((t) => t.system === 'phone')?.value ?? s.service.telecom?.find((t) => t.system === 'phone')?.value;
  return `${s.organization?.name ?? s.service.name ?? s.provider}${phone ? ` (phone ${phone})` : ''}`;
}

const channelOf = (channels: NoticeChannel[] | undefined, fallback: NoticeChannel): NoticeChannel => channels?.[0] ?? fallback;

function lcmParticipant(lcm: LeadCareManager, date: string): CareTeamParticipant {
  return { role: [concept(CS.role, 'lead-care-manager', 'Lead Care Manager')], member: ref(lcm.role, lcm.name), period: { start: date } };
}

function newCareTeam(w: WriteInput, provider: string, providerName?: string): CareTeam & { id: string } {
  const patient = `Patient/${w.loaded.patient.id}`;
  const participant: CareTeamParticipant[] = [
    { role: [{ coding: [{ system: SNOMED, code: '116154003', display: 'Patient' }] }], member: ref(patient) },
    // ecm-role has no code for the provider organization itself
    { role: [{ text: 'ECM provider' }], member: ref(provider, providerName), period: { start: w.date } },
  ];
  if (w.loaded.pcp) participant.push({ role: [concept(CS.role, 'pcp', 'Primary care provider')], member: ref(w.loaded.pcp.reference) });
  if (w.lcm) participant.push(lcmParticipant(w.lcm, w.date));
  return {
    resourceType: 'CareTeam',
    id: newResourceId(),
    meta: { profile: [profileUrl('ecm-care-team')] },
    status: 'active',
    category: [concept(CS.category, 'care-team', 'ECM care team')],
    name: 'ECM care team',
    subject: ref(patient),
    period: { start: w.date },
    participant,
    managingOrganization: [ref(provider)],
  };
}

function newEpisode(w: WriteInput, sel: Selection, careTeam: string): EpisodeOfCare & { id: string } {
  const eoc: EpisodeOfCare & { id: string } = {
    resourceType: 'EpisodeOfCare',
    id: newResourceId(),
    meta: { profile: [profileUrl('ecm-enrollment')] },
    // assigned, in outreach; `active` once the member enrolls (enrollment-care-plan.md)
    status: 'waitlist',
    type: [concept(CS.category, 'enrollment', 'ECM enrollment'), concept(CS.pof, sel.pof)],
    patient: ref(`Patient/${w.loaded.patient.id}`),
    managingOrganization: ref(sel.service.provider, sel.service.organization?.name),
    period: { start: w.date },
    referralRequest: [ref(`ServiceRequest/${w.loaded.request.resource.id}`)],
    team: [ref(`CareTeam/${careTeam}`)],
  };
  if (w.lcm) eoc.careManager = ref(w.lcm.practitioner, w.lcm.name);
  return eoc;
}

/** The request after assignment: performer = the provider (ecm-authorization), ASSIGN-TAT due date kept or set. */
function assignedRequest(w: WriteInput, sel: Selection): { resource: ServiceRequest & { id: string }; due?: string } {
  const sr = w.loaded.request.resource;
  const updated: ServiceRequest & { id: string } = { ...sr, performer: [ref(sel.service.provider, sel.service.organization?.name)] };
  const due = assignmentDueOf(sr) ?? assignmentDueFor(sr, w.loaded.profile.settings);
  return due ? { resource: withAssignmentDue(updated, due), due } : { resource: updated };
}

function attributionPeriod(w: WriteInput): { start: string; end?: string } {
  const end = w.loaded.kind === 'authorization' ? datePart(w.loaded.request.resource.occurrencePeriod?.end) : undefined;
  return end && end >= w.date ? { start: w.date, end } : { start: w.date };
}

/** The plan–provider Group with the member added, as an update of the stored one or a new Group. */
function attributionWrite(w: WriteInput, group: Stored<Group> | undefined, s: NetworkService): WriteOp {
  const patient = `Patient/${w.loaded.patient.id}`;
  const base = group?.resource ?? newAttributionGroup(w.plan, s.provider, s.organization?.name);
  const next = withMemberAssigned(base, patient, attributionPeriod(w));
  return group ? { kind: 'update', resource: next, ifMatch: group.versionId } : { kind: 'create', resource: next };
}

interface NewAssignment {
  ops: WriteOp[];
  episode: EpisodeOfCare & { id: string };
  due?: string;
}

/** EpisodeOfCare, CareTeam, attribution entry and the request's performer and due date for the selected provider. */
function newAssignment(w: WriteInput, sel: Selection, group: Stored<Group> | undefined): NewAssignment {
  const careTeam = newCareTeam(w, sel.service.provider, sel.service.organization?.name);
  const episode = newEpisode(w, sel, careTeam.id);
  const attribution = attributionWrite(w, group, sel.service);
  const request = assignedRequest(w, sel);
  const referralTasks = intermediaryWrites({
    referralTasks: w.loaded.referralTasks,
    request: `ServiceRequest/${w.loaded.request.resource.id}`,
    patient: `Patient/${w.loaded.patient.id}`,
    ...(w.loaded.kind === 'referral' ? { assignedReferral: { referral: w.loaded.request.resource, fillerOrders: w.loaded.fillerOrders } } : {}),
    plan: w.plan,
    provider: sel.service.provider,
    ...(sel.service.organization?.name ? { providerName: sel.service.organization.name } : {}),
    now: w.now,
  });
  return {
    ops: [
      { kind: 'create', resource: episode },
      { kind: 'create', resource: careTeam },
      attribution,
      { kind: 'update', resource: request.resource, ifMatch: w.loaded.request.versionId },
      ...referralTasks,
    ],
    episode,
    ...(request.due ? { due: request.due } : {}),
  };
}

function noticeBase(w: WriteInput, episode: string): Pick<NoticeSpec, 'patient' | 'sender' | 'about' | 'basedOn' | 'sent'> {
  const request = `ServiceRequest/${w.loaded.request.resource.id}`;
  return { patient: `Patient/${w.loaded.patient.id}`, sender: w.plan, about: [episode, request], basedOn: request, sent: w.now };
}

function memberLine(p: Patient): string {
  const cin = cinOf(p);
  return `${memberName(p)}${cin ? ` (CIN ${cin})` : ''}`;
}

/**
 * A new assignment (ASSIGN-ORDER result): capacity used, EpisodeOfCare (waitlist), CareTeam,
 * attribution entry `new`, the request's performer and ASSIGN-TAT due date, and the notices: the
 * provider (ASSIGN-TAT: the assignment communicated), the member (X-CLR-NOTICES: provider name and
 * contacts), and the PCP when the plan tells the PCP and the PCP is not the ECM provider
 * (ASSIGN-PCP-NOTICE).
 */
export function assignmentWrites(w: WriteInput, sel: Selection, group: Stored<Group> | undefined, pcpNotice: boolean): AssignmentWrites {
  const settings = w.loaded.profile.settings;
  const made = newAssignment(w, sel, group);
  const episodeRef = `EpisodeOfCare/${made.episode.id}`;
  const base = noticeBase(w, episodeRef);
  const p = w.loaded.patient;
  const provider = providerLabel(sel.service);
  const period = w.loaded.request.resource.occurrencePeriod;
  const specs: NoticeSpec[] = [
    {
      ...base,
      type: 'assignment',
      recipient: sel.service.provider,
      channel: channelOf(settings.noticeChannels.provider, 'fhir-api'),
      text: `New ECM assignment on ${w.date}: ${memberLine(p)}, Population of Focus ${sel.pof}${period?.start ? `, authorized ${period.start} to ${period.end ?? 'open'}` : ''}. Please begin outreach.`,
    },
    {
      ...base,
      type: 'assignment',
      recipient: `Patient/${p.id}`,
      channel: channelOf(settings.noticeChannels.member, 'mail'),
      text: `You have been assigned to ${provider} for Enhanced Care Management. Your care team will contact you, and you can ask for another provider at any time.`,
    },
  ];
  if (pcpNotice && w.loaded.pcp) {
    specs.push({
      ...base,
      type: 'pcp-notice',
      recipient: w.loaded.pcp.reference,
      channel: channelOf(settings.noticeChannels.provider, 'fhir-api'),
      text: `Your patient ${memberLine(p)} is authorized for Enhanced Care Management and assigned to ${provider} on ${w.date}.`,
    });
  }
  const notices = specs.map(notice);
  return {
    locks: [{ kind: 'update', resource: withCapacityUsed(sel.service, sel.pof, 1), ifMatch: sel.service.versionId }],
    ops: [...made.ops, ...notices.map((n): WriteOp => ({ kind: 'create', resource: n }))],
    ...(made.due ? { assignmentDue: made.due } : {}),
  };
}

export interface ChangeFrom {
  episode: Stored<EpisodeOfCare>;
  careTeams: Stored<CareTeam>[];
  /** The old provider's service whose capacity the member used, when it is in the network. */
  service?: NetworkService;
  pof?: string;
  group?: Stored<Group>;
}

/**
 * ASSIGN-CHANGE: the new assignment as above, plus the old one ended with its history kept: the
 * old EpisodeOfCare finished (reason `other`, text naming the change), its care team inactive, its
 * place given back, its attribution entry `dropped`; both providers told in writing and the member's
 * request acknowledged with the new provider's name and contacts (ASSIGN-CHANGE-ACK).
 */
export function changeWrites(w: WriteInput, sel: Selection, newGroup: Stored<Group> | undefined, from: ChangeFrom): AssignmentWrites {
  const settings = w.loaded.profile.settings;
  const made = newAssignment(w, sel, newGroup);
  const episodeRef = `EpisodeOfCare/${made.episode.id}`;
  const base = noticeBase(w, episodeRef);
  const p = w.loaded.patient;
  const oldProvider = relativeReference(from.episode.resource.managingOrganization, 'Organization')!;
  const requested = w.changeRequested ?? w.date;
  const declined = w.declined;
  const oldEpisode: EpisodeOfCare & { id: string } = {
    ...from.episode.resource,
    status: 'finished',
    period: { ...from.episode.resource.period, end: w.date },
    extension: [
      ...(from.episode.resource.extension ?? []).filter((e) => e.url !== EXT.discontinuationReason),
      { url: EXT.discontinuationReason, valueCodeableConcept: { coding: [{ system: CS.discontinuation, code: 'other' }], text: declined ? `The provider declined the referral (${declined.reason}); re-assigned on ${w.date} (CLR-DECLINE-FOLLOWUP)` : `Member-requested change of ECM provider on ${requested} (ASSIGN-CHANGE)` } },
    ],
  };
  const ops: WriteOp[] = [{ kind: 'update', resource: oldEpisode, ifMatch: from.episode.versionId }];
  for (const t of from.careTeams) ops.push({ kind: 'update', resource: { ...t.resource, status: 'inactive', period: { ...t.resource.period, end: w.date } }, ifMatch: t.versionId });
  const patient = `Patient/${p.id}`;
  // one Group per plan and provider: the old provider's list is another Group than the new one's
  if (from.group) ops.push({ kind: 'update', resource: withMemberDropped(from.group.resource, patient, w.date), ifMatch: from.group.versionId });
  const newProvider = providerLabel(sel.service);
  const specs: NoticeSpec[] = [
    {
      ...base,
      type: 'provider-change',
      recipient: oldProvider,
      channel: channelOf(settings.noticeChannels.provider, 'fhir-api'),
      text: declined
        ? `You declined the referral of ${memberLine(p)} (${declined.reason}); the member is assigned to another ECM provider from ${w.date}.`
        : `${memberLine(p)} asked on ${requested} for another ECM provider and is no longer assigned to you from ${w.date}. Please hand over the care plan to the new provider.`,
    },
    {
      ...base,
      type: 'provider-change',
      recipient: sel.service.provider,
      channel: channelOf(settings.noticeChannels.provider, 'fhir-api'),
      text: `New ECM assignment on ${w.date} after ${declined ? 'the previous provider declined' : 'a member-requested change of provider'}: ${memberLine(p)}, Population of Focus ${sel.pof}. Please begin outreach.`,
    },
    {
      ...base,
      type: 'provider-change',
      recipient: patient,
      channel: channelOf(settings.noticeChannels.member, 'mail'),
      text: declined
        ? `Your ECM provider could not take you on. Your new provider is ${newProvider}; your care team will contact you.`
        : `We received your request of ${requested} for another ECM provider. Your new provider is ${newProvider}; your care team will contact you.`,
      ...(w.requestChannel ? { requestChannel: w.requestChannel } : {}),
    },
  ];
  const notices = specs.map(notice);
  const locks: { service: NetworkService; op: WriteOp }[] = [{ service: sel.service, op: { kind: 'update', resource: withCapacityUsed(sel.service, sel.pof, 1), ifMatch: sel.service.versionId } }];
  if (from.service) {
    const released = from.service.service.id === sel.service.service.id ? sel.service : from.service;
    locks.push({ service: released, op: { kind: 'update', resource: withCapacityUsed(released, from.pof, -1), ifMatch: released.versionId } });
  }
  locks.sort((a, b) => (a.service.service.id < b.service.service.id ? -1 : 1));
  return {
    locks: locks.map((l) => l.op),
    ops: [...ops, ...made.ops, ...notices.map((n): WriteOp => ({ kind: 'create', resource: n }))],
    ...(made.due ? { assignmentDue: made.due } : {}),
  };
}

/**
 * ASSIGN-LCM (and a member-requested LCM change, ASSIGN-CHANGE with `memberMayChangeLcm`): the
 * current enrollment's careManager and the care team's Lead Care Manager participant (the previous
 * one kept with its period ended), creating the care team when the enrollment has none.
 */
export function leadCareManagerWrites(w: WriteInput, current: Stored<EpisodeOfCare>, careTeams: Stored<CareTeam>[], lcm: LeadCareManager): WriteOp[] {
  const ops: WriteOp[] = [];
  const team = careTeams[0];
  let careTeamId: string;
  if (team) {
    careTeamId = team.resource.id;
    const participant = (team.resource.participant ?? []).map((p) => {
      const isLcm = p.role?.some((r) => r.coding?.some((c) => c.system === CS.role && c.code === 'lead-care-manager'));
      return isLcm && !p.period?.end ? { ...p, period: { ...p.period, end: w.date } } : p;
    });
    ops.push({ kind: 'update', resource: { ...team.resource, participant: [...participant, lcmParticipant(lcm, w.date)] }, ifMatch: team.versionId });
  } else {
    const created = newCareTeam(w, relativeReference(current.resource.managingOrganization, 'Organization')!, current.resource.managingOrganization?.display);
    careTeamId = created.id;
    ops.push({ kind: 'create', resource: created });
  }
  const episode: EpisodeOfCare & { id: string } = {
    ...current.resource,
    careManager: ref(lcm.practitioner, lcm.name),
    team: (current.resource.team ?? []).some((t) => t.reference === `CareTeam/${careTeamId}`) ? current.resource.team : [...(current.resource.team ?? []), ref(`CareTeam/${careTeamId}`)],
  };
  ops.unshift({ kind: 'update', resource: episode, ifMatch: current.versionId });
  return ops;
}

/** The POF the current enrollment used capacity under (its ecm-population-of-focus type). */
export function enrollmentPof(e: EpisodeOfCare): string | undefined {
  return codesOf(e.type, CS.pof)[0];
}
