import type { CareTeam, EpisodeOfCare, Group, GroupMember, Organization, Parameters, ParametersParameter, Patient, Practitioner, PractitionerRole, ServiceRequest } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import type { Cadence } from '../settings/settings-profile.ts';
import { changeTypeOf, type AttributionChange } from './attribution-group.ts';
import { readMany, searchAll } from './search-all.ts';
import { CIN_SYSTEM, CS, NPI_SYSTEM, codesOf, coding, datePart, hasCoding, idOf, ref, relativeReference } from './vocabulary.ts';

/** One line of a provider's member list: the columns of a Member Information File (DATA-MIF, X-FILES). */
export interface MemberListRow {
  plan: string;
  provider: string;
  providerNpi?: string;
  member: string;
  cin?: string;
  familyName?: string;
  givenName?: string;
  birthDate?: string;
  gender?: string;
  language?: string;
  phone?: string;
  address?: string;
  pcp?: string;
  pofs: string[];
  changeType?: AttributionChange;
  attributionStart?: string;
  attributionEnd?: string;
  enrollment?: string;
  enrollmentStatus?: string;
  assignmentDate?: string;
  authorization?: string;
  authorizationStart?: string;
  authorizationEnd?: string;
  leadCareManager?: string;
  lcmName?: string;
  lcmPhone?: string;
  lcmEmail?: string;
}

/** CSV / NDJSON column names, in order, and the row field each one shows. */
export const MEMBER_LIST_COLUMNS: [string, keyof MemberListRow][] = [
  ['plan', 'plan'],
  ['provider', 'provider'],
  ['provider_npi', 'providerNpi'],
  ['member_id', 'member'],
  ['cin', 'cin'],
  ['family_name', 'familyName'],
  ['given_name', 'givenName'],
  ['birth_date', 'birthDate'],
  ['gender', 'gender'],
  ['language', 'language'],
  ['phone', 'phone'],
  ['address', 'address'],
  ['pcp', 'pcp'],
  ['pofs', 'pofs'],
  ['change_type', 'changeType'],
  ['attribution_start', 'attributionStart'],
  ['attribution_end', 'attributionEnd'],
  ['assignment_date', 'assignmentDate'],
  ['enrollment_status', 'enrollmentStatus'],
  ['authorization_id', 'authorization'],
  ['authorization_start', 'authorizationStart'],
  ['authorization_end', 'authorizationEnd'],
  ['lcm_name', 'lcmName'],
  ['lcm_phone', 'lcmPhone'],
  ['lcm_email', 'lcmEmail'],
];

export interface MemberListQuery {
  date: string;
  /** Changes since this date (new, changed, dropped); absent = the full list of assigned members. */
  since?: string;
}

/**
 * Which entries a list shows (ASSIGN-LISTS). The full list: every member still attributed on
 * `date` (not dropped, period not ended). The changes list: members attributed (`new`) or
 * attributed again (`changed`) from a day in [since, date], and members `dropped` on such a day.
 */
export function listEntries(group: Group, q: MemberListQuery): GroupMember[] {
  return (group.member ?? []).filter((m) => {
    const start = datePart(m.period?.start);
    const end = datePart(m.period?.end);
    if (q.since === undefined) return !m.inactive && (!start || start <= q.date) && (!end || end >= q.date);
    const change = changeTypeOf(m);
    if (change === 'dropped' || m.inactive) return !!end && end >= q.since && end <= q.date;
    return !!start && start >= q.since && start <= q.date;
  });
}

function telecom(list: { system?: string; value?: string }[] | undefined, system: string): string | undefined {
  return list?.find((t) => t.system === system && t.value)?.value;
}

/** The latest enrollment of each member with the provider (the current one first). */
function enrollmentsByMember(episodes: EpisodeOfCare[]): Map<string, EpisodeOfCare> {
  const out = new Map<string, EpisodeOfCare>();
  const rank = (e: EpisodeOfCare) => `${['waitlist', 'active', 'onhold', 'planned'].includes(e.status) ? '1' : '0'}${datePart(e.period?.start) ?? ''}`;
  for (const e of episodes) {
    const member = e.patient?.reference;
    if (!member) continue;
    const seen = out.get(member);
    if (!seen || rank(e) > rank(seen)) out.set(member, e);
  }
  return out;
}

/** Loads what the rows show: members, their enrollments with the provider, authorizations, care teams and Lead Care Managers. */
export async function memberListRows(repo: Repository, access: AccessContext, group: Group & { id: string }, provider: string, entries: GroupMember[]): Promise<MemberListRow[]> {
  const plan = relativeReference(group.managingEntity) ?? '';
  const memberRefs = entries.map((m) => relativeReference(m.entity, 'Patient')).filter((r): r is string => !!r);
  const patients = await readMany<Patient>(repo, access, 'Patient', memberRefs.map(idOf));
  const organization = (await readMany<Organization>(repo, access, 'Organization', [idOf(provider)])).get(idOf(provider))?.resource;
  const { matches: episodes } = await searchAll<EpisodeOfCare>(repo, access, 'EpisodeOfCare', [
    { kind: 'reference', param: 'organization', values: [{ targetType: 'Organization', targetId: idOf(provider) }] },
    { kind: 'token', param: 'type', values: [{ system: CS.category, code: 'enrollment' }] },
  ]);
  const enrollment = enrollmentsByMember(episodes.map((e) => e.resource));
  const authRefs = [...enrollment.values()].map((e) => relativeReference(e.referralRequest?.[0], 'ServiceRequest')).filter((r): r is string => !!r);
  const authorizations = await readMany<ServiceRequest>(repo, access, 'ServiceRequest', authRefs.map(idOf));
  const teamRefs = [...enrollment.values()].flatMap((e) => (e.team ?? []).map((t) => relativeReference(t, 'CareTeam'))).filter((r): r is string => !!r);
  const teams = await readMany<CareTeam>(repo, access, 'CareTeam', teamRefs.map(idOf));
  const lcmRoleOf = (e: EpisodeOfCare | undefined): string | undefined => {
    for (const t of e?.team ?? []) {
      const team = teams.get(idOf(t.reference ?? ''))?.resource;
      const p = (team?.participant ?? []).find((x) => hasCoding(x.role, CS.role, 'lead-care-manager') && !x.period?.end);
      const role = relativeReference(p?.member, 'PractitionerRole');
      if (role) return role;
    }
    return undefined;
  };
  const roleRefs = [...enrollment.values()].map(lcmRoleOf).filter((r): r is string => !!r);
  const roles = await readMany<PractitionerRole>(repo, access, 'PractitionerRole', roleRefs.map(idOf));
  const practitionerRefs = [...roles.values()].map((r) => relativeReference(r.resource.practitioner, 'Practitioner')).filter((r): r is string => !!r);
  const practitioners = await readMany<Practitioner>(repo, access, 'Practitioner', practitionerRefs.map(idOf));

  return entries.map((m) => {
    const member = relativeReference(m.entity, 'Patient') ?? m.entity?.reference ?? '';
    const patient = patients.get(idOf(member))?.resource;
    const e = enrollment.get(member);
    const auth = authorizations.get(idOf(relativeReference(e?.referralRequest?.[0], 'ServiceRequest') ?? ''))?.resource;
    const roleRef = lcmRoleOf(e);
    const role = roleRef ? roles.get(idOf(roleRef))?.resource : undefined;
    const practitioner = practitioners.get(idOf(relativeReference(role?.practitioner, 'Practitioner') ?? ''))?.resource;
    const name = patient?.name?.find((n) => n.use === 'official') ?? patient?.name?.[0];
    const lcmName = practitioner?.name?.[0];
    const address = patient?.address?.[0];
    const pofs = [...new Set([...codesOf(e?.type, CS.pof), ...codesOf(auth?.reasonCode, CS.pof)])];
    const row: MemberListRow = {
      plan,
      provider,
      providerNpi: organization?.identifier?.find((i) => i.system === NPI_SYSTEM)?.value,
      member,
      cin: patient?.identifier?.find((i) => i.system === CIN_SYSTEM)?.value,
      familyName: name?.family,
      givenName: name?.given?.join(' '),
      birthDate: patient?.birthDate,
      gender: patient?.gender,
      language: (patient?.communication?.find((c) => c.preferred) ?? patient?.communication?.[0])?.language?.coding?.[0]?.code,
      phone: telecom(patient?.telecom, 'phone'),
      address: address ? [...(address.line ?? []), address.city, address.state, address.postalCode].filter(Boolean).join(', ') : undefined,
      pcp: relativeReference(patient?.generalPractitioner?.[0]),
      pofs,
      changeType: changeTypeOf(m),
      attributionStart: m.period?.start,
      attributionEnd: m.period?.end,
      enrollment: e ? `EpisodeOfCare/${e.id}` : undefined,
      enrollmentStatus: e?.status,
      assignmentDate: datePart(e?.period?.start),
      authorization: auth ? `ServiceRequest/${auth.id}` : undefined,
      authorizationStart: datePart(auth?.occurrencePeriod?.start),
      authorizationEnd: datePart(auth?.occurrencePeriod?.end),
      leadCareManager: roleRef,
      lcmName: lcmName ? (lcmName.text ?? [...(lcmName.given ?? []), lcmName.family].filter(Boolean).join(' ')) : undefined,
      lcmPhone: telecom(role?.telecom, 'phone') ?? telecom(practitioner?.telecom, 'phone'),
      lcmEmail: telecom(role?.telecom, 'email') ?? telecom(practitioner?.telecom, 'email'),
    };
    for (const key of Object.keys(row) as (keyof MemberListRow)[]) if (row[key] === undefined) delete row[key];
    return row;
  });
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function cell(row: MemberListRow, key: keyof MemberListRow): string {
  const v = row[key];
  return Array.isArray(v) ? v.join(';') : (v ?? '');
}

/** RFC 4180 CSV (CRLF line ends, header row), one line per member, like the eligible list (population run). */
export function memberListCsv(rows: MemberListRow[]): string {
  const lines = [MEMBER_LIST_COLUMNS.map(([c]) => c).join(',')];
  for (const r of rows) lines.push(MEMBER_LIST_COLUMNS.map(([, key]) => csvField(cell(r, key))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** NDJSON: one JSON object a line with the CSV's column names (absent values are null). */
export function memberListNdjson(rows: MemberListRow[]): string {
  return rows.map((r) => `${JSON.stringify(Object.fromEntries(MEMBER_LIST_COLUMNS.map(([c, key]) => [c, r[key] ?? null])))}\n`).join('');
}

function rowPart(r: MemberListRow): ParametersParameter {
  const part: ParametersParameter[] = [{ name: 'patient', valueReference: ref(r.member) }];
  const str = (name: string, v: string | undefined) => v !== undefined && part.push({ name, valueString: v });
  str('cin', r.cin);
  str('name', [r.givenName, r.familyName].filter(Boolean).join(' ') || undefined);
  if (r.birthDate) part.push({ name: 'birthDate', valueDate: r.birthDate });
  if (r.language) part.push({ name: 'language', valueCode: r.language });
  str('phone', r.phone);
  str('address', r.address);
  if (r.pcp) part.push({ name: 'pcp', valueReference: ref(r.pcp) });
  for (const pof of r.pofs) part.push({ name: 'pof', valueCoding: coding(CS.pof, pof) });
  if (r.changeType) part.push({ name: 'changeType', valueCoding: coding(CS.attributionChange, r.changeType) });
  if (r.attributionStart) part.push({ name: 'period', valuePeriod: { start: r.attributionStart, ...(r.attributionEnd ? { end: r.attributionEnd } : {}) } });
  if (r.enrollment) part.push({ name: 'enrollment', valueReference: ref(r.enrollment) });
  if (r.enrollmentStatus) part.push({ name: 'enrollmentStatus', valueCode: r.enrollmentStatus });
  if (r.authorization) part.push({ name: 'authorization', valueReference: ref(r.authorization) });
  if (r.authorizationStart) part.push({ name: 'authorizationPeriod', valuePeriod: { start: r.authorizationStart, ...(r.authorizationEnd ? { end: r.authorizationEnd } : {}) } });
  if (r.leadCareManager) part.push({ name: 'leadCareManager', valueReference: ref(r.leadCareManager) });
  str('lcmName', r.lcmName);
  str('lcmPhone', r.lcmPhone);
  str('lcmEmail', r.lcmEmail);
  return { name: 'member', part };
}

export interface MemberListAnswer {
  group: string;
  plan: string;
  provider: string;
  query: MemberListQuery;
  frequency: Cadence;
  settingsProfile: { name: string; version: string };
  rows: MemberListRow[];
}

/** The FHIR form of the list ($ecm-member-list without `format`). */
export function memberListParameters(a: MemberListAnswer): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'group', valueReference: ref(a.group) },
      { name: 'plan', valueReference: ref(a.plan) },
      { name: 'provider', valueReference: ref(a.provider) },
      { name: 'list', valueCode: a.query.since ? 'changes' : 'assigned' },
      { name: 'date', valueDate: a.query.date },
      ...(a.query.since ? [{ name: 'since', valueDate: a.query.since }] : []),
      { name: 'frequency', valueCode: a.frequency },
      { name: 'settingsProfile', part: [{ name: 'name', valueString: a.settingsProfile.name }, { name: 'version', valueString: a.settingsProfile.version }] },
      { name: 'count', valueInteger: a.rows.length },
      ...a.rows.map(rowPart),
    ],
  };
}
