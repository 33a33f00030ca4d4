import type { Group, OperationOutcome, Parameters, Provenance, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { AccessContext } from '../../../src/auth/access-context.ts';
import { assertPlanWideWrite } from '../../../src/ecm/referral-escalation/plan-wide-access.ts';
import { FhirError } from '../../../src/fhir/outcome.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { B, FLAG_SYSTEM, PLAN, escalate, expectRule, network, patient, read, referralLoop, searchAll, storeAll, technicalAssistance } from './escalation-support.ts';

// CLR-LIST-REMOVAL: Organization/[id]/$ecm-move-list needs repeated late responses AND a technical-assistance record.

const { fhir } = useFhirServer();

const EXT = `${B}/StructureDefinition`;

function attributionGroup(id: string, provider: string, members: { patient: string; start: string; dropped?: boolean }[]): Group {
  return {
    resourceType: 'Group',
    id,
    meta: { profile: [`${EXT}/ecm-attribution-group`] },
    extension: [{ url: `${EXT}/ext-attributed-provider`, valueReference: { reference: `Organization/${provider}` } }],
    identifier: [{ system: 'https://ecm-fhir.example.org/sid/attribution-list', value: `plan-kern/${provider}` }],
    active: true,
    type: 'person',
    actual: true,
    code: { coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'attribution' }] },
    managingEntity: { reference: PLAN },
    quantity: members.filter((m) => !m.dropped).length,
    member: members.map((m) => ({
      extension: [{ url: `${EXT}/ext-attribution-change`, valueCode: m.dropped ? 'dropped' : 'new' }],
      entity: { reference: `Patient/${m.patient}` },
      period: m.dropped ? { start: m.start, end: '2026-10-31' } : { start: m.start },
      ...(m.dropped ? { inactive: true } : {}),
    })),
  };
}

const move = (provider: string, parameter: NonNullable<Parameters['parameter']>) => fhir.post(`/Organization/${provider}/$ecm-move-list`, { resourceType: 'Parameters', parameter });
const to = (id: string) => ({ name: 'to', valueReference: { reference: `Organization/${id}` } });
const reason = { name: 'reason', valueString: 'Repeated late responses after technical assistance' };
const DATE = { name: 'date', valueDateTime: '2026-11-24T10:00:00-08:00' };

function issues(body: OperationOutcome): string[] {
  return (body.issue ?? []).map((i) => i.diagnostics ?? '');
}

describe('$ecm-move-list (CLR-LIST-REMOVAL)', () => {
  it('refused without enough late responses and without a technical-assistance record; allowed with both; moves the open Tasks and the attribution list', async () => {
    await storeAll(fhir, [
      ...network(),
      patient('p1'),
      patient('p2'),
      patient('p3'),
      ...referralLoop({ id: 'a1', patient: 'p1', provider: 'alpha', due: '2026-11-10T17:00:00-08:00' }),
      ...referralLoop({ id: 'a2', patient: 'p2', provider: 'alpha', due: '2026-11-15T17:00:00-08:00' }),
      ...referralLoop({ id: 'a3', patient: 'p3', provider: 'alpha', status: 'in-progress' }),
      ...referralLoop({ id: 'a4', patient: 'p3', provider: 'alpha', status: 'completed' }),
      attributionGroup('atr-alpha', 'alpha', [
        { patient: 'p1', start: '2026-11-01' },
        { patient: 'p2', start: '2026-11-02' },
        { patient: 'p3', start: '2026-09-01', dropped: true },
      ]),
    ]);

    // nothing yet: both conditions missing, one issue each
    const none = await move('alpha', [to('gamma'), reason, DATE]);
    expect(none.status).toBe(422);
    expect(none.body.issue).toHaveLength(2);
    expectRule(none.body, 'CLR-LIST-REMOVAL');
    expect(issues(none.body)[0]).toContain('0 late referral responses');
    expect(issues(none.body)[0]).toContain('clrListRemovalMinFailures = 2');
    expect(issues(none.body)[1]).toContain('no recorded technical assistance for Organization/alpha');

    // one late response, then two; a technical-assistance record still missing
    expect((await escalate(fhir, '2026-11-12T09:00:00-08:00')).count).toBe(1);
    await storeAll(fhir, [technicalAssistance('ta-draft', 'alpha', 'in-progress')]);
    const one = await move('alpha', [to('gamma'), reason, DATE]);
    expect(one.status).toBe(422);
    expect(issues(one.body).join(' / ')).toContain('1 late referral response (');
    expect((await escalate(fhir, '2026-11-16T09:00:00-08:00')).count).toBe(1);
    const noTa = await move('alpha', [to('gamma'), reason, DATE]);
    expect(noTa.status).toBe(422);
    expect(noTa.body.issue).toHaveLength(1);
    expectRule(noTa.body, 'CLR-LIST-REMOVAL');
    expect(issues(noTa.body)[0]).toContain('technical assistance');
    // nothing moved by a refused call
    expect((await read<Task>(fhir, 'Task/a1-b')).owner).toEqual({ reference: 'Organization/alpha' });

    // both: the list moves
    await storeAll(fhir, [technicalAssistance('ta-1', 'alpha')]);
    const res = await move('alpha', [to('gamma'), reason, DATE]);
    expect(res.status, res.text).toBe(200);
    const out = res.body as Parameters;
    const refs = (name: string) => (out.parameter ?? []).filter((p) => p.name === name).map((p) => p.valueReference?.reference);
    expect(out.parameter?.find((p) => p.name === 'failures')?.valueInteger).toBe(2);
    expect(out.parameter?.find((p) => p.name === 'minFailures')?.valueInteger).toBe(2);
    expect(refs('technicalAssistance')).toEqual(['Communication/ta-1']);
    expect(refs('task').sort()).toEqual(['Task/a1-b', 'Task/a2-b', 'Task/a3-b']);
    expect(refs('member').sort()).toEqual(['Patient/p1', 'Patient/p2']);

    // a requested Task: new owner, a fresh response clock (kern: referralResponseDays 5), no escalated tag
    const a1 = await read<Task>(fhir, 'Task/a1-b');
    expect(a1.owner).toEqual({ reference: 'Organization/gamma' });
    expect(a1.status).toBe('requested');
    expect((a1.meta?.tag ?? []).some((t) => t.system === FLAG_SYSTEM)).toBe(false);
    expect(a1.restriction?.period?.end).toBe('2026-11-29T23:59:59-08:00');
    expect(a1.note?.at(-1)?.text).toContain('Moved from Organization/alpha to Organization/gamma (CLR-LIST-REMOVAL)');
    const a3 = await read<Task>(fhir, 'Task/a3-b');
    expect(a3.owner).toEqual({ reference: 'Organization/gamma' });
    expect(a3.status).toBe('in-progress');
    expect((await read<Task>(fhir, 'Task/a4-b')).owner).toEqual({ reference: 'Organization/alpha' });
    expect((await searchAll<Task>(fhir, 'Task?owner=Organization/alpha&status=requested,accepted,in-progress,on-hold')).filter((t) => t.code?.coding?.[0].code === 'fulfill')).toEqual([]);

    // the attribution lists: dropped from alpha's, new on gamma's (created)
    const from = await read<Group>(fhir, refs('fromGroup')[0]!);
    expect(from.id).toBe('atr-alpha');
    expect(from.quantity).toBe(0);
    expect(from.member?.filter((m) => m.entity?.reference !== 'Patient/p3').every((m) => m.inactive && m.period?.end === '2026-11-24')).toBe(true);
    const toGroup = await read<Group>(fhir, refs('toGroup')[0]!);
    expect(toGroup.managingEntity).toEqual({ reference: PLAN });
    expect(toGroup.extension?.[0].valueReference).toEqual({ reference: 'Organization/gamma' });
    expect(toGroup.member?.map((m) => [m.entity?.reference, m.period?.start, m.extension?.[0].valueCode])).toEqual([
      ['Patient/p1', '2026-11-24', 'new'],
      ['Patient/p2', '2026-11-24', 'new'],
    ]);
    expect((await searchAll<Group>(fhir, 'Group?attributed-provider=Organization/gamma')).map((g) => g.id)).toEqual([toGroup.id]);

    const provenance = await read<Provenance>(fhir, refs('provenance')[0]!);
    expect(provenance.reason?.[0].coding?.[0]).toEqual({ system: `${B}/CodeSystem/ecm-rule`, code: 'CLR-LIST-REMOVAL' });
    expect(provenance.reason?.at(-1)?.text).toBe(reason.valueString);
    expect(provenance.target.map((t) => t.reference)).toEqual(expect.arrayContaining(['Task/a1-b/_history/3', 'Group/atr-alpha/_history/2', `Group/${toGroup.id}/_history/1`]));
    expect(provenance.entity?.map((e) => e.what.reference)).toContain('Communication/ta-1');
    expect(provenance.agent[0].onBehalfOf).toEqual({ reference: PLAN });
  });

  it('a technical-assistance record alone is not enough: one late response → 422', async () => {
    await storeAll(fhir, [patient('p4'), ...referralLoop({ id: 'b1', patient: 'p4', provider: 'beta', due: '2026-11-18T17:00:00-08:00' }), technicalAssistance('ta-beta', 'beta')]);
    expect((await escalate(fhir, '2026-11-19T09:00:00-08:00')).escalated.map((e) => e.task)).toEqual(['Task/b1-b']);
    const res = await move('beta', [to('gamma'), reason, DATE]);
    expect(res.status).toBe(422);
    expect(res.body.issue).toHaveLength(1);
    expectRule(res.body, 'CLR-LIST-REMOVAL');
    expect(issues(res.body)[0]).toContain('Organization/beta has 1 late referral response');
    expect((await read<Task>(fhir, 'Task/b1-b')).owner).toEqual({ reference: 'Organization/beta' });
  });

  it('bad input: unknown provider 404; `to` not an ECM provider or the same → 422; missing to/reason → 400; a provider or referrer caller → 403', async () => {
    expect((await move('no-such-org', [to('gamma'), reason])).status).toBe(404);
    const notEcm = await move('beta', [to('kappa-pcp'), reason]);
    expect(notEcm.status).toBe(422);
    expectRule(notEcm.body, 'CLR-LIST-REMOVAL');
    expect(issues(notEcm.body)[0]).toContain('provides no active ECM HealthcareService');
    const same = await move('beta', [to('beta'), reason]);
    expect(same.status).toBe(422);
    const missingTo = await move('beta', [reason]);
    expect(missingTo.status).toBe(400);
    expect(missingTo.body.issue[0].expression).toEqual(['to']);
    expect((await move('beta', [to('gamma')])).status).toBe(400);
    expect((await move('beta', [to('gamma'), reason, { name: 'date', valueDate: '2026-11-24' }])).status).toBe(400);
    expect((await move('beta', [{ name: 'to', valueReference: { reference: 'Patient/p4' } }, reason])).status).toBe(400);

    // plan staff or a system client only: an organization-bound caller (row restrictions) is refused
    const providerUser: AccessContext = { actor: 'user', canRead: () => true, canWrite: () => true, organizations: ['beta'], rows: () => [{ organizations: ['beta'] }] };
    let refused: unknown;
    try {
      assertPlanWideWrite(providerUser, 'ecm-move-list', ['Task']);
    } catch (err) {
      refused = err;
    }
    expect(refused instanceof FhirError && refused.status).toBe(403);
  });
});
