import { readFileSync } from 'node:fs';
import type { Bundle, CareTeam, Condition, Consent, EpisodeOfCare, Flag, Group, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DemoExpectations } from '../../src/seed/demo/build-demo-seed.ts';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { useFhirServer } from '../support/fhir-client.ts';

/**
 * The care relationships of the demo seed that organization tenancy is built on (seed/README.md,
 * "Care relationships"): an ECM provider's members are linked through EpisodeOfCare
 * (`organization`), CareTeam (`participant`) and the attribution Group (`attributed-provider` +
 * `member`); an ROI consent is a Consent with status active, category ecm-category|roi.
 */

const read = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as T;
const resources = (read<Bundle>('../../seed/demo-bundle.json').entry ?? []).map((e) => e.resource as Resource);
const expectations = read<DemoExpectations>('../../seed/demo-expectations.json');
const auth = read<{ users: { username: string; fhirUser: string; organization?: string }[] }>('../../seed/auth/demo-auth.json');
const E = expectations.evaluationDate;
const of = <T extends Resource>(type: T['resourceType']) => resources.filter((r): r is T => r.resourceType === type);
const byKey = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));

const BAKERSFIELD = 'Organization/ecm-provider-bakersfield';
const ROI = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category|roi';
const ENROLLMENT = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category|enrollment';
const member = (n: number) => `Patient/demo-member-${n}`;
/** The facts seed/README.md states. */
const BAKERSFIELD_FULLY_LINKED = [1, 2, 13, 14, 24].map(member);
const BAKERSFIELD_WITHOUT_ACTIVE_ROI = [34, 55].map(member);

const sorted = (refs: Iterable<string | undefined>) => [...new Set(refs)].filter((r): r is string => !!r).sort();

describe('demo seed: care relationships (who an ECM provider serves)', () => {
  const { fhir, app } = useFhirServer();
  beforeAll(async () => {
    expect(await loadDemoSeed(app().fhir)).toBe(resources.length);
  }, 60_000);

  const search = async <T extends Resource>(query: string): Promise<T[]> => {
    const res = await fhir.get(`/${query}${query.includes('?') ? '&' : '?'}_count=1000`);
    expect(res.status, query).toBe(200);
    return ((res.body.entry ?? []) as { resource: T }[]).map((e) => e.resource);
  };
  const activeRoi = async (patient: string) => search<Consent>(`Consent?status=active&category=${encodeURIComponent(ROI)}&patient=${patient}`);

  it('ties the demo users to these facts: the clinician works for Bakersfield, the member user is demo-member-1', () => {
    expect(auth.users.find((u) => u.username === 'demo-clinician')?.organization).toBe('ecm-provider-bakersfield');
    expect(auth.users.find((u) => u.username === 'demo-member')?.fhirUser).toBe(member(1));
  });

  it('gives Bakersfield members 1, 2, 13, 14, 24 with EpisodeOfCare + CareTeam + active ROI consent (found by search)', async () => {
    const enrolled = sorted((await search<EpisodeOfCare>(`EpisodeOfCare?organization=${BAKERSFIELD}`)).map((e) => e.patient.reference));
    expect(enrolled).toEqual(sorted([...BAKERSFIELD_FULLY_LINKED, ...BAKERSFIELD_WITHOUT_ACTIVE_ROI]));
    const teams = sorted((await search<CareTeam>(`CareTeam?participant=${BAKERSFIELD}&status=active`)).map((t) => t.subject?.reference));
    expect(teams).toEqual(sorted([...BAKERSFIELD_FULLY_LINKED, member(34)]));
    const withRoi: string[] = [];
    for (const p of enrolled) if ((await activeRoi(p)).length > 0) withRoi.push(p);
    const fullyLinked = enrolled.filter((p) => teams.includes(p) && withRoi.includes(p));
    expect(fullyLinked).toEqual(sorted(BAKERSFIELD_FULLY_LINKED));
    expect(fullyLinked.length).toBeGreaterThanOrEqual(4);
  });

  it('lists Bakersfield’s members on its attribution Group, including 34 (expired ROI) and 55 (no ROI, waitlisted)', async () => {
    const groups = await search<Group>(`Group?attributed-provider=${BAKERSFIELD}`);
    expect(groups.map((g) => g.id)).toEqual(['demo-attribution-ecm-provider-bakersfield']);
    expect(groups[0].managingEntity?.reference).toBe('Organization/plan-kern');
    expect(sorted(groups[0].member?.map((m) => m.entity.reference) ?? [])).toEqual(sorted([...BAKERSFIELD_FULLY_LINKED, ...BAKERSFIELD_WITHOUT_ACTIVE_ROI]));
    expect((await search<Group>(`Group?member=${member(55)}`)).map((g) => g.id)).toEqual(['demo-attribution-ecm-provider-bakersfield']);
    for (const p of BAKERSFIELD_WITHOUT_ACTIVE_ROI) expect(await activeRoi(p), p).toEqual([]);
    const expired = await search<Consent>(`Consent?patient=${member(34)}`);
    expect(expired.map((c) => [c.status, c.provision?.period?.end])).toEqual([['inactive', '2026-10-31']]);
    expect(await search<Consent>(`Consent?patient=${member(55)}`)).toEqual([]);
    const waitlisted = await search<EpisodeOfCare>(`EpisodeOfCare?patient=${member(55)}&type=${encodeURIComponent(ENROLLMENT)}`);
    expect(waitlisted.map((e) => [e.status, e.managingOrganization?.reference, e.careManager])).toEqual([['waitlist', BAKERSFIELD, undefined]]);
  });

  it('enrolls demo-member-1 at Bakersfield with the Lead Care Manager and care team', async () => {
    const [eoc, ...more] = await search<EpisodeOfCare>(`EpisodeOfCare?patient=${member(1)}&status=active&type=${encodeURIComponent(ENROLLMENT)}`);
    expect(more).toEqual([]);
    expect(eoc).toMatchObject({ managingOrganization: { reference: BAKERSFIELD }, careManager: { reference: 'Practitioner/demo-lcm-1' }, team: [{ reference: 'CareTeam/demo-m1-care-team' }] });
  });

  it('links no member of another provider to Bakersfield', async () => {
    const elsewhere = of<EpisodeOfCare>('EpisodeOfCare')
      .filter((e) => e.id?.startsWith('demo-enrollment-') && e.managingOrganization?.reference !== BAKERSFIELD)
      .map((e) => e.patient.reference);
    expect(sorted(elsewhere)).toEqual(sorted([16, 19, 23, 29, 56].map(member)));
    const linked = new Set([
      ...(await search<EpisodeOfCare>(`EpisodeOfCare?organization=${BAKERSFIELD}`)).map((e) => e.patient.reference),
      ...(await search<CareTeam>(`CareTeam?participant=${BAKERSFIELD}`)).map((t) => t.subject?.reference),
      ...(await search<Group>(`Group?attributed-provider=${BAKERSFIELD}`)).flatMap((g) => g.member?.map((m) => m.entity.reference) ?? []),
    ]);
    for (const p of elsewhere) expect(linked.has(p), p).toBe(false);
  });

  it('refuses (422) an ROI consent without its time frame and an attribution Group without its provider, keeping the stored versions', async () => {
    const consent = structuredClone(byKey.get('Consent/demo-m1-roi') as Consent);
    delete consent.provision!.period;
    const refused = await fhir.put('/Consent/demo-m1-roi', consent);
    expect(refused.status).toBe(422);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(refused.body.issue)).toContain('Consent.provision.period');
    expect((await fhir.get('/Consent/demo-m1-roi')).body.provision.period).toEqual({ start: '2026-09-18', end: '2027-09-17' });
    const group = structuredClone(byKey.get('Group/demo-attribution-ecm-provider-bakersfield') as Group);
    delete group.extension;
    expect((await fhir.put('/Group/demo-attribution-ecm-provider-bakersfield', group)).status).toBe(422);
    expect((await search<Group>(`Group?attributed-provider=${BAKERSFIELD}`)).length).toBe(1);
  });
});

describe('demo seed: care relationships are consistent in the bundle', () => {
  const enrollments = of<EpisodeOfCare>('EpisodeOfCare').filter((e) => e.id?.startsWith('demo-enrollment-'));

  it('gives every enrolled member a care team run by the enrolling provider, with its Lead Care Manager, and nobody else one', () => {
    const teams = of<CareTeam>('CareTeam');
    const active = enrollments.filter((e) => e.status === 'active');
    expect(sorted(teams.map((t) => t.subject?.reference))).toEqual(sorted(active.map((e) => e.patient.reference)));
    for (const e of active) {
      const team = byKey.get(e.team?.[0]?.reference ?? '') as CareTeam;
      expect(team.subject?.reference, e.id).toBe(e.patient.reference);
      expect(team.managingOrganization?.[0]?.reference, e.id).toBe(e.managingOrganization?.reference);
      const members = team.participant?.map((p) => p.member?.reference) ?? [];
      expect(members, e.id).toContain(e.managingOrganization?.reference);
      const lcmRole = byKey.get(`PractitionerRole/${e.careManager?.reference?.split('/')[1]}-role`) as PractitionerRole;
      expect(lcmRole.organization?.reference, e.id).toBe(e.managingOrganization?.reference);
      expect(members, e.id).toContain(`PractitionerRole/${lcmRole.id}`);
    }
  });

  it('puts on each provider’s attribution list exactly the members waitlisted or enrolled there (one list per provider)', () => {
    const providers = resources.filter((r) => r.resourceType === 'Organization' && r.id?.startsWith('ecm-provider-')).map((r) => `Organization/${r.id}`);
    const groups = of<Group>('Group');
    expect(groups.length).toBe(providers.length);
    for (const provider of providers) {
      const group = groups.filter((g) => g.extension?.some((x) => x.url.endsWith('/ext-attributed-provider') && x.valueReference?.reference === provider));
      expect(group.length, provider).toBe(1);
      const assigned = enrollments.filter((e) => e.managingOrganization?.reference === provider && ['active', 'waitlist'].includes(e.status));
      expect(sorted(group[0].member?.map((m) => m.entity.reference) ?? []), provider).toEqual(sorted(assigned.map((e) => e.patient.reference)));
      expect(group[0].quantity, provider).toBe(assigned.length);
    }
  });

  it('has ROI consents that cover the evaluation date when active and ended before it when inactive, shared with the member’s provider', () => {
    const consents = of<Consent>('Consent');
    expect(consents.filter((c) => c.status === 'active').length).toBeGreaterThanOrEqual(8);
    for (const c of consents) {
      const period = c.provision?.period;
      if (c.status === 'active') expect(period?.start && period.start <= E && (!period.end || period.end >= E), c.id).toBe(true);
      else expect(c.status === 'inactive' && !!period?.end && period.end < E, c.id).toBe(true);
      const provider = enrollments.find((e) => e.patient.reference === c.patient?.reference)?.managingOrganization?.reference;
      expect(c.provision?.actor?.map((a) => a.reference.reference), c.id).toContain(provider);
    }
  });

  it('records POF Conditions and Flags only for POFs the expectations say are met, with their evidence', () => {
    const conditions = of<Condition>('Condition').filter((c) => c.meta?.profile?.[0]?.endsWith('/ecm-pof-condition'));
    const flags = of<Flag>('Flag');
    expect(conditions.length).toBeGreaterThanOrEqual(3);
    expect(flags.length).toBe(conditions.length);
    for (const c of [...conditions, ...flags]) {
      const expected = expectations.members.find((m) => m.patient === c.subject?.reference);
      const met = expected?.populations.find((d) => d.code === c.code?.coding?.[0]?.code);
      expect(met, `${c.resourceType}/${c.id}`).toBeDefined();
      if (c.resourceType === 'Condition') expect(sorted(c.evidence?.flatMap((ev) => ev.detail?.map((d) => d.reference) ?? []) ?? [])).toEqual(sorted(met!.evidence));
    }
  });
});
