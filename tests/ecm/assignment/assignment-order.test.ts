import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { assignCall, capacityOf, loadMember, loadNetwork, p, readAssign, refusedRule } from './assignment-support.ts';

// ASSIGN-ORDER over a test network: each step winning, and each step skipping a provider for
// each ASSIGN-PROVIDER-QUAL reason (codes of ecm-assign-rejection), under the Kern and
// Partnership settings profiles where they differ.

const { fhir } = useFhirServer();
beforeAll(async () => {
  await loadNetwork(fhir);
});

const assigned = async (requestId: string, params: Parameters<typeof assignCall>[2] = []) => {
  const res = await assignCall(fhir, requestId, params);
  expect(res.status, res.text).toBe(200);
  return readAssign(res.body);
};
const at = (a: ReturnType<typeof readAssign>, step: string) => a.candidates.filter((c) => c.step === step);

describe('ASSIGN-ORDER step preference (the member’s stated choice)', () => {
  it('wins with the provider named in `preference`; the later steps’ providers are not reached', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'pref-win', pcp: 'Practitioner/pcp-zeta' }), [p.ref('preference', 'Organization/alpha')]);
    expect(a.step).toBe('preference');
    expect(a.provider).toBe('Organization/alpha');
    expect(a.service).toBe('HealthcareService/svc-alpha');
    expect(at(a, 'preference')).toEqual([{ provider: 'Organization/alpha', service: 'HealthcareService/svc-alpha', step: 'preference', outcome: 'selected' }]);
    expect(at(a, 'pcp')).toEqual([{ provider: 'Organization/zeta-pcp', service: 'HealthcareService/svc-zeta-pcp', step: 'pcp', outcome: 'not-reached' }]);
    expect(at(a, 'best-fit')).toEqual([]);
  });

  it('is not held to the member’s language (the member chose)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'pref-lang', language: 'vi' }), [p.ref('preference', 'HealthcareService/svc-alpha')]);
    expect([a.step, a.provider]).toEqual(['preference', 'Organization/alpha']);
  });

  it.each([
    ['no-capacity', 'Organization/epsilon-full'],
    ['not-accepting', 'Organization/eta-closed'],
    ['inactive', 'Organization/iota-inactive'],
    ['no-pof-contract', 'Organization/delta-ji'],
    ['no-pof-capacity', 'Organization/theta-pofcap'],
    ['not-ecm-provider', 'Organization/kappa-pcp-only'],
  ])('skips a preferred provider failing ASSIGN-PROVIDER-QUAL with reason %s and goes on', async (reason, provider) => {
    const a = await assigned(await loadMember(fhir, { id: `pref-skip-${reason}` }), [p.ref('preference', provider)]);
    expect(at(a, 'preference')).toEqual([expect.objectContaining({ provider, step: 'preference', outcome: 'rejected', reason })]);
    expect(a.step).toBe('best-fit');
    expect(a.provider).not.toBe(provider);
  });

  it('uses a self-referral’s desired performer as the recorded preference (Partnership assigns the referral)', async () => {
    const id = await loadMember(fhir, { id: 'pref-recorded', plan: 'partnership', request: { kind: 'referral', requester: 'Patient/pref-recorded', performer: 'Organization/zeta-pcp' } });
    const a = await assigned(id);
    expect([a.step, a.provider, a.profile]).toEqual(['preference', 'Organization/zeta-pcp', 'partnership 0.1.0']);
  });

  it('does not take a provider-made referral’s performer as the member’s choice', async () => {
    const id = await loadMember(fhir, { id: 'pref-not-recorded', plan: 'partnership', request: { kind: 'referral', requester: 'Organization/county-bhrs', performer: 'Organization/zeta-pcp' } });
    const a = await assigned(id);
    expect(at(a, 'preference')).toEqual([]);
  });
});

describe('ASSIGN-ORDER step ji-prerelease (JI-REF-PRE)', () => {
  const prerelease = [{ role: 'pre-release-care-manager', member: 'PractitionerRole/prc-delta' }];
  it('wins with the organization of the member’s pre-release care manager', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ji-win', pofs: ['incarceration-transition'], careTeamRoles: prerelease }));
    expect([a.step, a.provider, a.pof]).toEqual(['ji-prerelease', 'Organization/delta-ji', 'incarceration-transition']);
  });
  it('skips it when it is not contracted for the member’s POF (no-pof-contract)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ji-skip', pofs: ['homelessness'], careTeamRoles: prerelease }));
    expect(at(a, 'ji-prerelease')).toEqual([expect.objectContaining({ provider: 'Organization/delta-ji', outcome: 'rejected', reason: 'no-pof-contract' })]);
    expect(a.step).toBe('best-fit');
  });
});

describe('ASSIGN-ORDER step existing-ecm (COC-LOA) and the plans’ look-back', () => {
  it('wins with the provider of an ECM enrollment that ended within cocLookback (Kern 90 days)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ecm-win', programs: [{ code: 'ecm', org: 'beta-bh', start: '2025-01-01', end: '2026-09-30' }] }));
    expect([a.step, a.provider]).toEqual(['existing-ecm', 'Organization/beta-bh']);
  });
  it('Kern (90 days) does not reach back to an enrollment ended 4 months ago; Partnership (6 months) does', async () => {
    const programs = [{ code: 'ecm', org: 'beta-bh', start: '2025-01-01', end: '2026-06-30' }];
    const kern = await assigned(await loadMember(fhir, { id: 'ecm-kern-old', programs }));
    expect(at(kern, 'existing-ecm')).toEqual([]);
    expect(kern.step).toBe('best-fit');
    const partnership = await assigned(await loadMember(fhir, { id: 'ecm-pship-old', plan: 'partnership', programs }));
    expect([partnership.step, partnership.provider]).toEqual(['existing-ecm', 'Organization/beta-bh']);
  });
  it('skips an existing provider not accepting members (not-accepting)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ecm-skip', programs: [{ code: 'ecm', org: 'eta-closed', start: '2025-01-01' }] }));
    expect(at(a, 'existing-ecm')).toEqual([expect.objectContaining({ provider: 'Organization/eta-closed', outcome: 'rejected', reason: 'not-accepting' })]);
    expect(a.step).not.toBe('existing-ecm');
  });
});

describe('ASSIGN-ORDER step ccs-wcm', () => {
  const wcm = [{ code: 'ccs-wcm', start: '2024-01-01' }];
  it('wins with the CCS-flagged ECM provider for a Whole Child Model member', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ccs-win', birthDate: '2015-05-05', pofs: ['ccs-wcm'], programs: wcm }));
    expect([a.step, a.provider]).toEqual(['ccs-wcm', 'Organization/gamma-ccs']);
  });
  it('skips it when it does not speak the member’s language (language); best fit may still choose it', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'ccs-lang', birthDate: '2015-05-05', pofs: ['ccs-wcm'], programs: wcm, language: 'hmn' }));
    expect(at(a, 'ccs-wcm')).toEqual([expect.objectContaining({ provider: 'Organization/gamma-ccs', outcome: 'rejected', reason: 'language' })]);
    expect([a.step, a.provider]).toEqual(['best-fit', 'Organization/gamma-ccs']);
  });
});

describe('ASSIGN-ORDER step bh (bhAssignConditions)', () => {
  const smhs = [{ code: 'smhs', org: 'county-bhrs', start: '2025-01-01' }];
  it('wins with a BH ECM provider for an adult with SMI served by the county MHP (Kern: SUD, SMI); the MHP itself is not an ECM provider', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'bh-win', pofs: ['smh-sud'], programs: smhs, dx: ['F20.9'] }));
    expect([a.step, a.provider]).toEqual(['bh', 'Organization/beta-bh']);
    expect(at(a, 'bh')[0]).toEqual({ provider: 'Organization/county-bhrs', step: 'bh', outcome: 'rejected', reason: 'not-ecm-provider' });
  });
  it('plans differ: SMHS without an SMI or SUD diagnosis is not a Kern BH condition but is Partnership’s SMH', async () => {
    const kern = await assigned(await loadMember(fhir, { id: 'bh-kern-smh', pofs: ['smh-sud'], programs: smhs }));
    expect(at(kern, 'bh')).toEqual([]);
    expect(kern.step).toBe('best-fit');
    const partnership = await assigned(await loadMember(fhir, { id: 'bh-pship-smh', plan: 'partnership', pofs: ['smh-sud'], programs: smhs }));
    expect([partnership.step, partnership.provider]).toEqual(['bh', 'Organization/beta-bh']);
  });
  it('needs the member served through SMHS / DMC / DMC-ODS: a diagnosis alone does not make the BH default', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'bh-dx-only', pofs: ['smh-sud'], dx: ['F20.9'] }));
    expect(at(a, 'bh')).toEqual([]);
  });
  it('skips a BH provider without the member’s language (language)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'bh-lang', pofs: ['smh-sud'], programs: smhs, dx: ['F10.20'], language: 'vi' }));
    expect(at(a, 'bh')).toContainEqual(expect.objectContaining({ provider: 'Organization/beta-bh', outcome: 'rejected', reason: 'language' }));
    expect(a.step).toBe('best-fit');
  });
});

describe('ASSIGN-ORDER step pcp', () => {
  it('wins with the PCP’s practice when it is a contracted ECM provider (found through the PCP’s PractitionerRole)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'pcp-win', pcp: 'Practitioner/pcp-zeta' }));
    expect([a.step, a.provider]).toEqual(['pcp', 'Organization/zeta-pcp']);
  });
  it('skips a PCP practice that is not an ECM provider (not-ecm-provider)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'pcp-skip', pcp: 'PractitionerRole/pcp-kappa-role' }));
    expect(at(a, 'pcp')).toEqual([{ provider: 'Organization/kappa-pcp-only', step: 'pcp', outcome: 'rejected', reason: 'not-ecm-provider' }]);
    expect(a.step).toBe('best-fit');
  });
});

describe('ASSIGN-ORDER step best-fit', () => {
  it('ranks by POFs contracted, then language, then places left, then id; qualified losers are ranked-lower', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'fit-lang', pofs: ['homelessness', 'avoidable-utilization'], language: 'vi' }));
    expect([a.step, a.provider]).toEqual(['best-fit', 'Organization/zeta-pcp']);
    const fit = at(a, 'best-fit');
    expect(fit.find((c) => c.provider === 'Organization/alpha')).toMatchObject({ outcome: 'rejected', reason: 'ranked-lower' });
    expect(fit.find((c) => c.provider === 'Organization/epsilon-full')).toMatchObject({ outcome: 'rejected', reason: 'no-capacity' });
    expect(fit.find((c) => c.provider === 'Organization/delta-ji')).toMatchObject({ outcome: 'rejected', reason: 'no-pof-contract' });
    expect(fit.find((c) => c.provider === 'Organization/eta-closed')).toMatchObject({ outcome: 'rejected', reason: 'not-accepting' });
    expect(fit.find((c) => c.provider === 'Organization/iota-inactive')).toBeUndefined();
    const only = await assigned(await loadMember(fhir, { id: 'fit-nf', pofs: ['nf-transition'] }));
    expect(only.provider).toBe('Organization/alpha');
  });
  it('assigns under the first of the member’s POFs the provider has room for (ext-pof-capacity)', async () => {
    const a = await assigned(await loadMember(fhir, { id: 'fit-pof', pofs: ['avoidable-utilization', 'homelessness'] }), [p.ref('preference', 'Organization/theta-pofcap')]);
    expect([a.step, a.provider, a.pof]).toEqual(['preference', 'Organization/theta-pofcap', 'homelessness']);
  });
  it('no qualified provider: 409 naming ASSIGN-PROVIDER-QUAL; a dryRun answers with the candidates and no provider', async () => {
    const id = await loadMember(fhir, { id: 'fit-none', pofs: ['idd'] });
    const res = await assignCall(fhir, id);
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('ASSIGN-PROVIDER-QUAL');
    const dry = await assignCall(fhir, id, [p.bool('dryRun', true)]);
    expect(dry.status).toBe(200);
    const a = readAssign(dry.body);
    expect(a.provider).toBeUndefined();
    expect(a.candidates.every((c) => c.outcome === 'rejected')).toBe(true);
    // not accepting members is checked before the POF contract
    expect(new Set(a.candidates.map((c) => c.reason))).toEqual(new Set(['no-pof-contract', 'not-accepting']));
  });
  it('a request and member without any POF: 422 naming ASSIGN-PROVIDER-QUAL', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'fit-no-pof', pofs: [] }));
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('ASSIGN-PROVIDER-QUAL');
  });
});

describe('capacity (NET-CAPACITY)', () => {
  it('the last place is used by the first assignment; the next member is rejected no-capacity', async () => {
    expect(await capacityOf(fhir, 'lambda-one')).toBe(1);
    const first = await assigned(await loadMember(fhir, { id: 'cap-1' }), [p.ref('preference', 'Organization/lambda-one')]);
    expect(first.provider).toBe('Organization/lambda-one');
    expect(await capacityOf(fhir, 'lambda-one')).toBe(0);
    const second = await assigned(await loadMember(fhir, { id: 'cap-2' }), [p.ref('preference', 'Organization/lambda-one')]);
    expect(at(second, 'preference')).toEqual([expect.objectContaining({ outcome: 'rejected', reason: 'no-capacity' })]);
    expect(second.provider).not.toBe('Organization/lambda-one');
  });
});

describe('dryRun', () => {
  it('decides and answers like a real call but writes nothing', async () => {
    const id = await loadMember(fhir, { id: 'dry-1', pcp: 'Practitioner/pcp-zeta' });
    const before = (await fhir.get('/_history?_count=1')).body.total;
    const capacity = await capacityOf(fhir, 'zeta-pcp');
    const dry = readAssign((await assignCall(fhir, id, [p.bool('dryRun', true)])).body);
    expect([dry.dryRun, dry.step, dry.provider, dry.written]).toEqual([true, 'pcp', 'Organization/zeta-pcp', []]);
    expect(dry.assignmentDue).toBe('2026-11-17');
    expect((await fhir.get('/_history?_count=1')).body.total).toBe(before);
    expect(await capacityOf(fhir, 'zeta-pcp')).toBe(capacity);
    const real = await assigned(id);
    expect([real.step, real.provider]).toEqual([dry.step, dry.provider]);
    expect(real.candidates).toEqual(dry.candidates);
  });
});

describe('AUTH-FLOW: authorization before or after assignment (authBeforeAssignment)', () => {
  it('Kern (on): an authorization not yet decided → 409 naming AUTH-FLOW', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'flow-kern-draft', request: { kind: 'authorization', status: 'draft' } }));
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('AUTH-FLOW');
  });
  it('Kern (on): the referral itself → 409 naming AUTH-FLOW', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'flow-kern-ref', request: { kind: 'referral' } }));
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('AUTH-FLOW');
  });
  it('Kern (on): an approved authorization whose period has not started on the date → 409 naming AUTH-FLOW', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'flow-kern-future', request: { kind: 'authorization', start: '2026-12-01', end: '2027-11-30' } }));
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('AUTH-FLOW');
  });
  it('Partnership (off): a screened referral and an undecided authorization are assigned first; no ASSIGN-TAT due date without an authorization date', async () => {
    const referral = await assigned(await loadMember(fhir, { id: 'flow-pship-ref', plan: 'partnership', request: { kind: 'referral' } }));
    expect(referral.profile).toBe('partnership 0.1.0');
    expect(referral.rules).toEqual(expect.arrayContaining(['AUTH-FLOW', 'REF-SCREEN-ASSIGN']));
    expect(referral.assignmentDue).toBeUndefined();
    const draft = await assigned(await loadMember(fhir, { id: 'flow-pship-draft', plan: 'partnership', request: { kind: 'authorization', status: 'draft' } }));
    expect(draft.provider).toBeDefined();
  });
  it('Partnership: a referral not screened (draft) → 409 naming REF-SCREEN-ASSIGN', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'flow-pship-ref-draft', plan: 'partnership', request: { kind: 'referral', status: 'draft' } }));
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('REF-SCREEN-ASSIGN');
  });
  it('any plan: a denied authorization → 409 naming AUTH-FLOW', async () => {
    const res = await assignCall(fhir, await loadMember(fhir, { id: 'flow-pship-denied', plan: 'partnership', request: { kind: 'authorization', status: 'revoked' } }));
    expect(res.status).toBe(409);
    expect(refusedRule(res.body)).toBe('AUTH-FLOW');
  });
});

describe('bad input', () => {
  it('unknown ServiceRequest → 404 OperationOutcome', async () => {
    const res = await assignCall(fhir, 'no-such-request');
    expect(res.status).toBe(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
  it('a ServiceRequest that is neither an ECM authorization nor an ECM referral → 422 naming AUTH-FLOW', async () => {
    await fhir.put('/ServiceRequest/lab-order', { resourceType: 'ServiceRequest', id: 'lab-order', status: 'active', intent: 'order', subject: { reference: 'Patient/pref-win' } });
    const res = await assignCall(fhir, 'lab-order');
    expect(res.status).toBe(422);
    expect(refusedRule(res.body)).toBe('AUTH-FLOW');
  });
  it.each([
    [[p.str('dryRun', 'yes')], 'dryRun'],
    [[p.ref('preference', 'Patient/pref-win')], 'preference'],
    [[p.str('nonsense', 'x')], 'nonsense'],
    [[p.date('date', '2026-02-30')], 'date'],
    [[p.str('overrideReason', 'because')], 'override'],
    [[p.code('changeChannel', 'phone')], 'change'],
  ])('bad parameters %j → 400 naming the parameter', async (params, name) => {
    const res = await assignCall(fhir, 'pref-win-req', params);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([name]);
  });
  it('GET is not allowed (the operation changes data)', async () => {
    const res = await fhir.get('/ServiceRequest/pref-win-req/$ecm-assign?dryRun=true');
    expect(res.status).toBe(405);
  });
});
