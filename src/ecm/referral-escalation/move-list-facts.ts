import type { Communication, Group, HealthcareService, Organization, Task } from '@medplum/fhirtypes';
import { systemAccess } from '../../auth/access-context.ts';
import { notFound } from '../../fhir/outcome.ts';
import type { FhirContext } from '../../fhir/request.ts';
import { findAttributionGroup } from '../assignment/attribution-group.ts';
import { readStored, searchAll, type Stored } from '../assignment/search-all.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import { ruleError } from '../rule-error.ts';
import { settingsProfileForPayors, type SettingsProfile } from '../settings/settings-profile.ts';
import { CATEGORY_SYSTEM, NOTICE_TYPE_SYSTEM, ORGANIZATION_TYPE_SYSTEM, OVERDUE_NOTICE, TASK_CODE_SYSTEM, TECHNICAL_ASSISTANCE } from './escalation-vocabulary.ts';
import type { MoveListInput } from './move-list-input.ts';

/** Referral Task statuses still open: the list moves these (CLR-LIST-REMOVAL). */
export const OPEN_STATUSES: readonly Task['status'][] = ['requested', 'accepted', 'in-progress', 'on-hold'];

/** What $ecm-move-list decides on and moves, loaded with system access once the caller was checked. */
export interface MoveListFacts {
  provider: Stored<Organization>;
  to: Stored<Organization>;
  plan?: string;
  profile: SettingsProfile;
  /** The overdue referral Tasks the provider was notified of (referral-overdue notices, by `about`). */
  failures: string[];
  /** The notices themselves (Provenance sources). */
  failureNotices: string[];
  technicalAssistance: string[];
  openTasks: Stored<Task>[];
  fromGroup?: Stored<Group>;
  toGroup?: Stored<Group>;
}

const refOf = (r: { resourceType: string; id: string }) => `${r.resourceType}/${r.id}`;
const orgRef = (reference: string | undefined) => /(?:^|\/)(Organization\/[A-Za-z0-9\-.]{1,64})$/.exec(reference ?? '')?.[1];

function isPlan(org: Organization | undefined): boolean {
  return (org?.type ?? []).some((t) => t.coding?.some((c) => c.system === ORGANIZATION_TYPE_SYSTEM && c.code === 'pay'));
}

/** An ECM provider: an active Organization providing an active ECM HealthcareService (category ecm-category#ecm). */
async function assertEcmProvider(fhir: FhirContext, org: Stored<Organization> | undefined, reference: string): Promise<Stored<Organization>> {
  if (!org || org.resource.active === false) throw ruleError(422, 'CLR-LIST-REMOVAL', `"to" must be an active ECM provider Organization; ${reference} ${org ? 'is inactive' : 'does not exist'}`, ['to']);
  const { matches } = await searchAll<HealthcareService>(fhir.repo, systemAccess, 'HealthcareService', [
    { kind: 'reference', param: 'organization', values: [{ targetType: 'Organization', targetId: org.resource.id }] },
    { kind: 'token', param: 'service-category', values: [{ system: CATEGORY_SYSTEM, code: 'ecm' }] },
  ]);
  if (!matches.some((m) => m.resource.active !== false)) {
    throw ruleError(422, 'CLR-LIST-REMOVAL', `"to" must be an ECM provider: ${reference} provides no active ECM HealthcareService (category ecm-category#ecm)`, ['to']);
  }
  return org;
}

/**
 * The plan whose list moves: `plan` when given, else the only plan among the requesters of the
 * provider's open referral Tasks and the managing entities of its attribution Groups.
 */
async function planOf(fhir: FhirContext, input: MoveListInput, provider: string, openTasks: Stored<Task>[]): Promise<string | undefined> {
  if (input.plan) {
    const plan = await readStored<Organization>(fhir.repo, systemAccess, input.plan);
    if (!plan || !isPlan(plan.resource)) throw ruleError(422, 'CLR-LIST-REMOVAL', `"plan" must be a health plan Organization (type pay); ${input.plan} is not`, ['plan']);
    return input.plan;
  }
  const { matches: groups } = await searchAll<Group>(fhir.repo, systemAccess, 'Group', [
    { kind: 'reference', param: 'attributed-provider', values: [{ targetType: 'Organization', targetId: provider.slice('Organization/'.length) }] },
  ]);
  const candidates = new Set<string>(groups.map((g) => orgRef(g.resource.managingEntity?.reference)).filter((r): r is string => !!r));
  const requesters = [...new Set(openTasks.map((t) => orgRef(t.resource.requester?.reference)).filter((r): r is string => !!r && !candidates.has(r)))];
  for (const r of requesters) if (isPlan((await readStored<Organization>(fhir.repo, systemAccess, r))?.resource)) candidates.add(r);
  if (candidates.size > 1) {
    throw ruleError(422, 'CLR-LIST-REMOVAL', `${provider} works for several plans (${[...candidates].sort().join(', ')}): give "plan", the plan whose list moves`, ['plan']);
  }
  return [...candidates][0];
}

export async function loadMoveListFacts(ctx: FhirContext, providerId: string, input: MoveListInput): Promise<MoveListFacts> {
  const fhir: FhirContext = { ...ctx, access: systemAccess };
  const providerRef = `Organization/${providerId}`;
  const provider = await readStored<Organization>(ctx.repo, ctx.access, providerRef);
  if (!provider) throw notFound(`${providerRef} not found`);
  if (input.to === providerRef) throw ruleError(422, 'CLR-LIST-REMOVAL', `"to" must be another provider than ${providerRef}`, ['to']);
  const to = await assertEcmProvider(fhir, await readStored<Organization>(fhir.repo, systemAccess, input.to), input.to);

  const { matches: owned } = await searchAll<Task>(fhir.repo, systemAccess, 'Task', [
    { kind: 'reference', param: 'owner', values: [{ targetType: 'Organization', targetId: providerId }] },
    { kind: 'token', param: 'code', values: [{ system: TASK_CODE_SYSTEM, code: 'fulfill' }] },
    { kind: 'token', param: 'status', values: OPEN_STATUSES.map((code) => ({ code })) },
  ]);
  const plan = await planOf(fhir, input, providerRef, owned);
  const openTasks = plan ? owned.filter((t) => orgRef(t.resource.requester?.reference) === plan) : owned;
  const profile = settingsProfileForPayors(plan ? [plan] : [], localDateOf(input.date));

  const toProvider = (type: string) => [
    { kind: 'reference' as const, param: 'recipient', values: [{ targetType: 'Organization', targetId: providerId }] },
    { kind: 'token' as const, param: 'category', values: [{ system: NOTICE_TYPE_SYSTEM, code: type }] },
  ];
  // sent by the plan: the plan Organization or one of its staff (a Practitioner or PractitionerRole)
  const fromPlan = (c: Communication) => {
    const sender = orgRef(c.sender?.reference);
    return !plan || !sender || sender === plan;
  };
  const { matches: overdue } = await searchAll<Communication>(fhir.repo, systemAccess, 'Communication', toProvider(OVERDUE_NOTICE));
  const notices = overdue.filter((n) => fromPlan(n.resource));
  const failures = [...new Set(notices.map((n) => n.resource.about?.find((a) => a.reference?.startsWith('Task/'))?.reference ?? refOf(n.resource)))];
  const { matches: assistance } = await searchAll<Communication>(fhir.repo, systemAccess, 'Communication', toProvider(TECHNICAL_ASSISTANCE));
  const at = Date.parse(input.date);
  const technicalAssistance = assistance
    .filter((c) => c.resource.status === 'completed' && fromPlan(c.resource) && (!c.resource.sent || Date.parse(c.resource.sent) <= at))
    .map((c) => refOf(c.resource));

  const fromGroup = plan ? await findAttributionGroup(fhir.repo, systemAccess, plan, providerRef) : undefined;
  const toGroup = plan ? await findAttributionGroup(fhir.repo, systemAccess, plan, input.to) : undefined;
  return { provider, to, plan, profile, failures, failureNotices: notices.map((n) => refOf(n.resource)), technicalAssistance, openTasks, fromGroup, toGroup };
}
