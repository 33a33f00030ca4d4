import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { SearchQuery } from '../../../src/fhir/repository.ts';
import { PostgresRepository } from '../../../src/store/postgres-repository.ts';
import { addCalendarDays } from '../../../src/ecm/calendar/deadlines.ts';
import { endOfLocalDay } from '../../../src/ecm/authorization/decision-due.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { B, CS } from './assignment-fixtures.ts';
import { assignCall, capacityOf, loadMember, loadNetwork, p, readAssign, refusedRule, search } from './assignment-support.ts';

// What one $ecm-assign writes, in one transaction: EpisodeOfCare, CareTeam, the attribution
// Group entry, capacity used, the request's performer and ASSIGN-TAT due date, the notices and
// the decision record; overrides (ASSIGN-OVERRIDE), Lead Care Managers (ASSIGN-LCM*) and
// member-requested changes (ASSIGN-CHANGE, ASSIGN-CHANGE-ACK).

const { fhir } = useFhirServer();
beforeAll(async () => {
  await loadNetwork(fhir);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources read back as JSON
type Json = any;
const read = async (reference: string): Promise<Json> => {
  const res = await fhir.get(`/${reference.replace(/\/_history\/\d+$/, '')}`);
  expect(res.status, reference).toBe(200);
  return res.body;
};
const written = (a: ReturnType<typeof readAssign>, type: string) => a.written.filter((w) => w.startsWith(`${type}/`));
const noErrors = async (resource: Json) => {
  const res = await fhir.post(`/${resource.resourceType}/$validate`, resource);
  return res.body.issue.filter((i: { severity: string }) => i.severity === 'error' || i.severity === 'fatal').map((i: { diagnostics: string }) => i.diagnostics);
};
const noticeType = (c: Json) => c.category.find((x: Json) => x.coding[0].system.endsWith('/ecm-notice-type')).coding[0].code;
async function assigned(requestId: string, params: Parameters<typeof assignCall>[2] = [], date?: string) {
  const res = await assignCall(fhir, requestId, params, date);
  expect(res.status, res.text).toBe(200);
  return readAssign(res.body);
}

describe('a new assignment writes, in one transaction', () => {
  it('EpisodeOfCare, CareTeam, attribution entry, capacity, request, notices and decision record, each conforming to its profile', async () => {
    const requestId = await loadMember(fhir, { id: 'w-1', pcp: 'PractitionerRole/pcp-kappa-role', pofs: ['homelessness'] });
    const capacity = await capacityOf(fhir, 'alpha');
    const a = await assigned(requestId, [p.ref('preference', 'Organization/alpha'), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-untrained')]);

    const [eoc] = await Promise.all(written(a, 'EpisodeOfCare').map(read));
    expect(eoc).toMatchObject({
      status: 'waitlist',
      patient: { reference: 'Patient/w-1' },
      managingOrganization: { reference: 'Organization/alpha' },
      period: { start: '2026-11-02' },
      referralRequest: [{ reference: 'ServiceRequest/w-1-req' }],
      careManager: { reference: 'Practitioner/lcm-untrained' },
    });
    expect(eoc.type[1].coding[0]).toEqual({ system: CS.pof, code: 'homelessness' });
    expect(await noErrors(eoc)).toEqual([]);

    const [team] = await Promise.all(written(a, 'CareTeam').map(read));
    expect(eoc.team).toEqual([{ reference: `CareTeam/${team.id}` }]);
    const roleOf = (code: string) => team.participant.find((x: Json) => x.role[0].coding?.[0].code === code)?.member.reference;
    expect(roleOf('116154003')).toBe('Patient/w-1');
    expect(roleOf('pcp')).toBe('PractitionerRole/pcp-kappa-role');
    expect(roleOf('lead-care-manager')).toBe('PractitionerRole/lcm-alpha-untrained');
    expect(team.participant.find((x: Json) => x.role[0].text === 'ECM provider').member.reference).toBe('Organization/alpha');
    expect(await noErrors(team)).toEqual([]);

    const [group] = await Promise.all(written(a, 'Group').map(read));
    expect(group.managingEntity.reference).toBe('Organization/plan-kern');
    expect(group.extension[0]).toEqual({ url: `${B}/StructureDefinition/ext-attributed-provider`, valueReference: { reference: 'Organization/alpha' } });
    expect(group.member).toEqual([{ extension: [{ url: `${B}/StructureDefinition/ext-attribution-change`, valueCode: 'new' }], entity: { reference: 'Patient/w-1' }, period: { start: '2026-11-02', end: '2027-11-01' } }]);
    expect(group.quantity).toBe(1);
    expect(await noErrors(group)).toEqual([]);
    expect(await search(fhir, '/Group?attributed-provider=Organization/alpha')).toHaveLength(1);

    expect(await capacityOf(fhir, 'alpha')).toBe(capacity - 1);
    const service = await read('HealthcareService/svc-alpha');
    expect(await noErrors(service)).toEqual([]);

    const request = await read('ServiceRequest/w-1-req');
    expect(request.performer).toEqual([{ reference: 'Organization/alpha', display: 'Alpha Community Care' }]);
    expect(request.extension).toContainEqual({ url: `${B}/StructureDefinition/ext-assignment-due`, valueDate: '2026-11-17' });
    expect(await noErrors(request)).toEqual([]);

    const notices = await Promise.all(written(a, 'Communication').map(read));
    expect(notices.map((n) => [noticeType(n), n.recipient[0].reference]).sort()).toEqual([
      ['assignment', 'Organization/alpha'],
      ['assignment', 'Patient/w-1'],
      ['pcp-notice', 'PractitionerRole/pcp-kappa-role'],
    ]);
    for (const n of notices) {
      expect(n.about).toEqual([{ reference: eoc.id && `EpisodeOfCare/${eoc.id}` }, { reference: 'ServiceRequest/w-1-req' }]);
      expect(await noErrors(n)).toEqual([]);
    }
    expect(notices.find((n) => n.recipient[0].reference === 'Patient/w-1').payload[0].contentString).toContain('Alpha Community Care (phone 661-555-0100)');
    expect(a.pcpNoticeDue).toBe('2026-11-17');

    const [record] = await Promise.all(written(a, 'Provenance').map(read));
    expect(record.target.map((t: Json) => t.reference)).toEqual(expect.arrayContaining([`EpisodeOfCare/${eoc.id}/_history/1`, 'ServiceRequest/w-1-req/_history/2', 'HealthcareService/svc-alpha/_history/' + service.meta.versionId]));
    expect(record.reason[0].coding[0]).toEqual({ system: CS.step, code: 'preference' });
    expect(record.reason.map((r: Json) => r.coding[0].code)).toEqual(expect.arrayContaining(['ASSIGN-ORDER', 'ASSIGN-RECORD', 'ASSIGN-TAT', 'DECISION-RECORD']));
    expect(record.activity.text).toContain('settings profile kern 0.1.0');
    expect(record.agent[0].who.reference).toBe('Organization/plan-kern');
    const candidate = record.entity.find((e: Json) => e.what.reference === 'HealthcareService/svc-alpha');
    expect(candidate.agent[0].role.map((r: Json) => r.coding[0].code)).toEqual(['preference', 'selected']);
    expect(await noErrors(record)).toEqual([]);
  });

  it('ASSIGN-TAT: the due date counts business days from the authorization date across Thanksgiving and is searchable', async () => {
    const requestId = await loadMember(fhir, { id: 'w-tat', request: { kind: 'authorization', authoredOn: '2026-11-20T16:30:00-08:00', start: '2026-11-20' } });
    const a = await assigned(requestId, [], '2026-11-24');
    // Fri 20 Nov: 23, 24, 25, (26, 27 Thanksgiving), 30, 1, 2, 3, 4, 7, 8 December
    expect(a.assignmentDue).toBe('2026-12-08');
    const due = await search(fhir, '/ServiceRequest?assignment-due=2026-12-08');
    expect(due.map((r: Json) => r.id)).toContain('w-tat-req');
    const overdueUnassigned = await search(fhir, '/ServiceRequest?assignment-due=lt2026-12-09&performer:missing=true');
    expect(overdueUnassigned.map((r: Json) => r.id)).not.toContain('w-tat-req');
  });

  it('ASSIGN-PCP-NOTICE: no PCP notice when the PCP’s practice is the ECM provider, nor under Partnership (approvalNoticeRecipients without pcp)', async () => {
    const same = await assigned(await loadMember(fhir, { id: 'w-pcp-same', pcp: 'Practitioner/pcp-zeta' }));
    expect(same.provider).toBe('Organization/zeta-pcp');
    expect(same.rules).not.toContain('ASSIGN-PCP-NOTICE');
    expect(written(same, 'Communication')).toHaveLength(2);
    const pship = await assigned(await loadMember(fhir, { id: 'w-pcp-pship', plan: 'partnership', pcp: 'PractitionerRole/pcp-kappa-role' }));
    expect(pship.rules).not.toContain('ASSIGN-PCP-NOTICE');
    expect(written(pship, 'Communication')).toHaveLength(2);
    const medium = await read(written(pship, 'Communication')[0]);
    expect(medium.medium[0].text).toMatch(/^(pcc|phone)$/);
  });

  it('CLR-STATUS: the referral Task gets the response due date of the member’s plan from the Coverages read with the member’s records, without searching them again', async () => {
    const requestId = await loadMember(fhir, { id: 'w-clr-due' });
    const search = vi.spyOn(PostgresRepository.prototype, 'search');
    try {
      const a = await assigned(requestId);
      expect(search.mock.calls.filter(([, q]) => (q as SearchQuery).resourceType === 'Coverage')).toEqual([]);
      const [task] = await Promise.all(written(a, 'Task').map(read));
      // Kern: referralResponseDays 5, calendar days, to the end of the local day
      const due = [0, 1].map((late) => endOfLocalDay(addCalendarDays(new Date(Date.now() - late * 60_000), 5)));
      expect(due).toContain(task.restriction.period.end);
    } finally {
      search.mockRestore();
    }
  });

  it('assigning an already assigned member again → 409 naming ASSIGN-CHANGE, nothing written', async () => {
    const requestId = await loadMember(fhir, { id: 'w-twice' });
    await assigned(requestId);
    const before = (await fhir.get('/_history?_count=1')).body.total;
    const res = await assignCall(fhir, requestId);
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('ASSIGN-CHANGE');
    expect((await fhir.get('/_history?_count=1')).body.total).toBe(before);
  });
});

describe('ASSIGN-OVERRIDE', () => {
  const withBh = { pofs: ['smh-sud'], programs: [{ code: 'smhs', org: 'county-bhrs', start: '2025-01-01' }], dx: ['F20.9'] };
  it('replaces the BH default with the plan’s choice, recording reason and user', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'o-1', ...withBh }), [
      p.ref('override', 'Organization/delta-ji'),
      p.str('overrideReason', 'Member is in reentry; the JI provider already knows them'),
      p.ref('overrideBy', 'Practitioner/plan-reviewer'),
    ]);
    expect([a.step, a.provider, a.overrideReplaced]).toEqual(['override', 'Organization/delta-ji', 'bh']);
    expect(a.candidates.find((c) => c.step === 'bh' && c.provider === 'Organization/beta-bh')).toMatchObject({ outcome: 'rejected', reason: 'overridden' });
    expect(a.candidates.at(-1)).toEqual({ provider: 'Organization/delta-ji', service: 'HealthcareService/svc-delta-ji', step: 'override', outcome: 'selected' });
    const record = await read(written(a, 'Provenance')[0]);
    expect(record.agent[0].who.reference).toBe('Practitioner/plan-reviewer');
    expect(record.agent[0].onBehalfOf.reference).toBe('Organization/plan-kern');
    expect(record.reason.find((r: Json) => r.coding[0].code === 'override').text).toBe('Member is in reentry; the JI provider already knows them');
  });

  it.each([
    ['without a reason', [p.ref('override', 'Organization/delta-ji'), p.ref('overrideBy', 'Practitioner/plan-reviewer')]],
    ['without a deciding user (no fhirUser, no overrideBy)', [p.ref('override', 'Organization/delta-ji'), p.str('overrideReason', 'better fit')]],
  ])('%s → 422 naming ASSIGN-OVERRIDE', async (_what, params) => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: `o-bad-${params.length}-${params[1].name}`, ...withBh }), params);
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('ASSIGN-OVERRIDE');
  });

  it('may not replace the member’s own choice → 422 naming ASSIGN-OVERRIDE', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'o-pref' }), [
      p.ref('preference', 'Organization/alpha'),
      p.ref('override', 'Organization/beta-bh'),
      p.str('overrideReason', 'closer'),
      p.ref('overrideBy', 'Practitioner/plan-reviewer'),
    ]);
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('ASSIGN-OVERRIDE');
  });

  it.each([
    ['Organization/epsilon-full', 409],
    ['Organization/eta-closed', 409],
    ['Organization/gamma-ccs', 422],
    ['Organization/kappa-pcp-only', 422],
  ])('a named provider failing ASSIGN-PROVIDER-QUAL (%s) → %i naming ASSIGN-PROVIDER-QUAL, nothing written', async (provider, status) => {
    const requestId = await loadMember(fhir, { id: `o-qual-${provider.split('/')[1]}`, pofs: ['homelessness'] });
    const before = (await fhir.get('/_history?_count=1')).body.total;
    const res = await assignCall(fhir, requestId, [p.ref('override', provider), p.str('overrideReason', 'plan choice'), p.ref('overrideBy', 'Practitioner/plan-reviewer')]);
    expect(res.status).toBe(status);
    expect(refusedRule(res.body)).toBe('ASSIGN-PROVIDER-QUAL');
    expect((await fhir.get('/_history?_count=1')).body.total).toBe(before);
  });
});

describe('Lead Care Manager (ASSIGN-LCM, ASSIGN-LCM-RECORD, ASSIGN-LCM-LTSS)', () => {
  it('an LTSS member (ltc-risk) gets an LCM trained in person-centered planning; an untrained one → 422 naming ASSIGN-LCM-LTSS', async () => {
    const refused = await assignCall(fhir, await loadMember(fhir, { id: 'l-ltss-1', pofs: ['ltc-risk'] }), [p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-untrained')]);
    expect(refused.status).toBe(422);
    expect(refusedRule(refused.body)).toBe('ASSIGN-LCM-LTSS');
    const a = await assigned(await loadMember(fhir, { id: 'l-ltss-2', pofs: ['ltc-risk'] }), [p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-trained')]);
    expect(a.rules).toContain('ASSIGN-LCM-LTSS');
    expect(a.lcm?.part?.map((x) => x.valueString ?? x.valueReference?.reference)).toEqual(['PractitionerRole/lcm-alpha-trained', 'Practitioner/lcm-trained', 'Maria Castillo', '661-555-0199', 'lcm-alpha-trained@example.org']);
  });

  it('an LCM of another provider → 422 naming ASSIGN-LCM; one without phone and email → 422 naming ASSIGN-LCM-RECORD', async () => {
    const other = await assignCall(fhir, await loadMember(fhir, { id: 'l-other' }), [p.ref('preference', 'Organization/alpha'), p.ref('leadCareManager', 'PractitionerRole/lcm-beta')]);
    expect(other.status).toBe(422);
    expect(refusedRule(other.body)).toBe('ASSIGN-LCM');
    const noContact = await assignCall(fhir, await loadMember(fhir, { id: 'l-nocontact' }), [p.ref('preference', 'Organization/alpha'), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-nocontact')]);
    expect(noContact.status).toBe(422);
    expect(refusedRule(noContact.body)).toBe('ASSIGN-LCM-RECORD');
  });

  it('names the LCM of an assignment made earlier (no change): careManager and care-team participant', async () => {
    const requestId = await loadMember(fhir, { id: 'l-later' });
    const first = await assigned(requestId, [p.ref('preference', 'Organization/alpha')]);
    const a = await assigned(requestId, [p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-trained')]);
    expect([a.mode, a.provider]).toEqual(['lead-care-manager', 'Organization/alpha']);
    const eoc = await read(written(first, 'EpisodeOfCare')[0]);
    expect(eoc.careManager.reference).toBe('Practitioner/lcm-trained');
    const team = await read(eoc.team[0].reference);
    expect(team.participant.filter((x: Json) => x.role[0].coding?.[0].code === 'lead-care-manager').map((x: Json) => x.member.reference)).toEqual(['PractitionerRole/lcm-alpha-trained']);
  });
});

describe('member-requested change (ASSIGN-CHANGE, ASSIGN-CHANGE-ACK)', () => {
  it('within changeTatDays: old enrollment finished, care team inactive, place given back, entry dropped; new entry new; both providers told; request acknowledged', async () => {
    const requestId = await loadMember(fhir, { id: 'c-1', pofs: ['homelessness'] });
    const first = await assigned(requestId, [p.ref('preference', 'Organization/alpha')]);
    const alphaAfterFirst = await capacityOf(fhir, 'alpha');
    const zetaBefore = await capacityOf(fhir, 'zeta-pcp');
    const a = await assigned(requestId, [p.bool('change', true), p.date('changeRequested', '2026-11-20'), p.code('changeChannel', 'phone'), p.ref('preference', 'Organization/zeta-pcp')], '2026-12-01');
    expect([a.mode, a.step, a.provider, a.changeDue, a.changeOnTime]).toEqual(['change', 'preference', 'Organization/zeta-pcp', '2026-12-20', true]);
    expect(a.rules).toEqual(expect.arrayContaining(['ASSIGN-CHANGE', 'ASSIGN-CHANGE-ACK']));

    const old = await read(written(first, 'EpisodeOfCare')[0]);
    expect(old.status).toBe('finished');
    expect(old.period).toEqual({ start: '2026-11-02', end: '2026-12-01' });
    expect(old.extension[0].valueCodeableConcept.coding[0].code).toBe('other');
    expect(await noErrors(old)).toEqual([]);
    expect((await read(old.team[0].reference)).status).toBe('inactive');
    const history = await fhir.get(`/EpisodeOfCare/${old.id}/_history`);
    expect(history.body.total).toBe(2);

    expect(await capacityOf(fhir, 'alpha')).toBe(alphaAfterFirst + 1);
    expect(await capacityOf(fhir, 'zeta-pcp')).toBe(zetaBefore - 1);
    const oldGroup = await read(written(first, 'Group')[0]);
    expect(oldGroup.member.find((m: Json) => m.entity.reference === 'Patient/c-1')).toMatchObject({ inactive: true, period: { start: '2026-11-02', end: '2026-12-01' }, extension: [{ valueCode: 'dropped' }] });
    const newGroup = await read(written(a, 'Group').find((g) => !g.startsWith(`Group/${oldGroup.id}/`))!);
    expect(newGroup.member.find((m: Json) => m.entity.reference === 'Patient/c-1')).toMatchObject({ period: { start: '2026-12-01' }, extension: [{ valueCode: 'new' }] });

    const notices = await Promise.all(written(a, 'Communication').map(read));
    expect(notices.map((n) => [noticeType(n), n.recipient[0].reference]).sort()).toEqual([
      ['provider-change', 'Organization/alpha'],
      ['provider-change', 'Organization/zeta-pcp'],
      ['provider-change', 'Patient/c-1'],
    ]);
    const ack = notices.find((n) => n.recipient[0].reference === 'Patient/c-1');
    expect(ack.extension[0].valueCodeableConcept.coding[0]).toEqual({ system: `${B}/CodeSystem/ecm-referral-channel`, code: 'phone' });
    expect(ack.payload[0].contentString).toContain('request of 2026-11-20');
    expect(await noErrors(ack)).toEqual([]);
    const current = await search(fhir, '/EpisodeOfCare?patient=Patient/c-1&status=waitlist,active');
    expect(current.map((e: Json) => e.managingOrganization.reference)).toEqual(['Organization/zeta-pcp']);
  });

  it('the current provider is never chosen again (current-provider); a late change is flagged, not refused', async () => {
    const requestId = await loadMember(fhir, { id: 'c-late', pcp: 'Practitioner/pcp-zeta' });
    await assigned(requestId);
    const a = await assigned(requestId, [p.bool('change', true), p.date('changeRequested', '2026-10-01')], '2026-11-30');
    expect(a.candidates.find((c) => c.step === 'pcp')).toMatchObject({ provider: 'Organization/zeta-pcp', outcome: 'rejected', reason: 'current-provider' });
    expect(a.provider).not.toBe('Organization/zeta-pcp');
    expect([a.changeDue, a.changeOnTime]).toEqual(['2026-10-31', false]);
  });

  it('without a current assignment → 409 naming ASSIGN-CHANGE', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'c-none' }), [p.bool('change', true)]);
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('ASSIGN-CHANGE');
  });

  it('a change of Lead Care Manager only: Kern allows it (memberMayChangeLcm), Partnership does not → 422 naming ASSIGN-CHANGE', async () => {
    const kern = await loadMember(fhir, { id: 'c-lcm-kern' });
    await assigned(kern, [p.ref('preference', 'Organization/alpha'), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-untrained')]);
    const a = await assigned(kern, [p.bool('change', true), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-trained')]);
    expect([a.mode, a.provider]).toEqual(['lead-care-manager', 'Organization/alpha']);
    const eoc = (await search(fhir, '/EpisodeOfCare?patient=Patient/c-lcm-kern&status=waitlist'))[0];
    const team = await read(eoc.team[0].reference);
    const lcms = team.participant.filter((x: Json) => x.role[0].coding?.[0].code === 'lead-care-manager');
    expect(lcms.map((x: Json) => [x.member.reference, x.period.end])).toEqual([['PractitionerRole/lcm-alpha-untrained', '2026-11-02'], ['PractitionerRole/lcm-alpha-trained', undefined]]);

    const pship = await loadMember(fhir, { id: 'c-lcm-pship', plan: 'partnership' });
    await assigned(pship, [p.ref('preference', 'Organization/alpha')]);
    const res = await assignCall(fhir, pship, [p.bool('change', true), p.ref('leadCareManager', 'PractitionerRole/lcm-alpha-trained')]);
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('ASSIGN-CHANGE');
  });
});
