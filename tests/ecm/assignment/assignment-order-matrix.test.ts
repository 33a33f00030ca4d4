import { describe, expect, it } from 'vitest';
import type { AssignmentFacts } from '../../../src/ecm/assignment/assignment-facts.ts';
import { decideAssignment, type DecisionInput } from '../../../src/ecm/assignment/assignment-order.ts';
import { networkService, providerNetwork, type NetworkService } from '../../../src/ecm/assignment/provider-network.ts';
import type { Rejection } from '../../../src/ecm/assignment/provider-qualification.ts';
import { settingsProfileNamed, type AssignStep } from '../../../src/ecm/settings/settings-profile.ts';
import { B, CS } from './assignment-fixtures.ts';

// ASSIGN-ORDER as a pure decision: every step skipping a provider for every ASSIGN-PROVIDER-QUAL
// reason and going on to the next (here: best fit's one good provider), and every step winning.

const DATE = '2026-11-02';
const settings = settingsProfileNamed('default', DATE)!.settings;

function service(id: string, change: (s: NetworkService) => void = () => undefined): NetworkService {
  const s = networkService({
    resource: {
      resourceType: 'HealthcareService',
      id: `svc-${id}`,
      active: true,
      providedBy: { reference: `Organization/${id}` },
      program: [{ coding: [{ system: CS.pof, code: 'homelessness' }] }],
      communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'en' }] }],
      extension: [{ url: `${B}/StructureDefinition/ext-provider-capacity`, valueInteger: 5 }],
    },
    versionId: 1,
  });
  change(s);
  return s;
}

/** How the `bad` provider fails each reason. */
const FAILURES: Record<Exclude<Rejection, 'ranked-lower' | 'overridden'>, { make: (s: NetworkService) => void; currentProvider?: boolean; noService?: boolean }> = {
  'not-ecm-provider': { make: () => undefined, noService: true },
  inactive: { make: (s) => (s.service.active = false) },
  'current-provider': { make: () => undefined, currentProvider: true },
  'not-accepting': { make: (s) => (s.service.notAvailable = [{ description: 'closed', during: { start: '2026-10-01', end: '2026-12-31' } }]) },
  'no-pof-contract': { make: (s) => (s.pofs = ['idd']) },
  language: { make: (s) => (s.languages = ['vi']) },
  'no-capacity': { make: (s) => (s.capacity = 0) },
  'no-pof-capacity': { make: (s) => s.pofCapacity.set('homelessness', { max: 3, current: 3 }) },
};

const facts = (): AssignmentFacts => ({
  patientId: 'm',
  pofs: ['homelessness'],
  language: 'en',
  jiPrereleaseProviders: [],
  existingProviders: [],
  wcm: false,
  ccsCaseManagerProviders: [],
  bhConditions: [],
  bhServed: false,
  bhProviders: [],
  pcpProviders: [],
  ltss: false,
});

/** A decision where `step` proposes only Organization/bad; best fit also has Organization/zz-good. */
function decide(step: AssignStep, failure: (typeof FAILURES)[keyof typeof FAILURES]) {
  const f = facts();
  const bad = 'Organization/bad';
  const input: Partial<DecisionInput> = {};
  if (step === 'preference') input.preference = bad;
  if (step === 'ji-prerelease') f.jiPrereleaseProviders = [bad];
  if (step === 'existing-ecm') f.existingProviders = [bad];
  if (step === 'ccs-wcm') Object.assign(f, { wcm: true, ccsCaseManagerProviders: [bad] });
  if (step === 'bh') Object.assign(f, { bhServed: true, bhConditions: ['SUD'], bhProviders: [bad] });
  if (step === 'pcp') f.pcpProviders = [bad];
  const services = [service('zz-good'), ...(failure.noService ? [] : [service('bad', failure.make)])];
  return decideAssignment({ facts: f, network: providerNetwork(services), settings, date: DATE, ...input, ...(failure.currentProvider ? { currentProvider: bad } : {}) });
}

const STEPS: AssignStep[] = ['preference', 'ji-prerelease', 'existing-ecm', 'ccs-wcm', 'bh', 'pcp'];
const DEFAULT_STEPS: AssignStep[] = ['ccs-wcm', 'bh', 'pcp'];

describe('each step skips a provider failing ASSIGN-PROVIDER-QUAL, with the reason, and the order goes on', () => {
  const cases = STEPS.flatMap((step) => Object.keys(FAILURES).map((reason) => [step, reason] as const));
  it.each(cases)('%s: %s', (step, reason) => {
    const decision = decide(step, FAILURES[reason as keyof typeof FAILURES]);
    const atStep = decision.candidates.filter((c) => c.step === step);
    if (reason === 'language' && !DEFAULT_STEPS.includes(step)) {
      // only a CCS, BH or PCP default must offer the member's language
      expect(decision.selected?.step).toBe(step);
      expect(atStep).toEqual([expect.objectContaining({ provider: 'Organization/bad', outcome: 'selected' })]);
      return;
    }
    expect(atStep).toEqual([expect.objectContaining({ provider: 'Organization/bad', outcome: 'rejected', reason })]);
    expect(decision.selected?.step).toBe('best-fit');
    expect(decision.selected?.service.provider).toBe('Organization/zz-good');
  });

  it.each(Object.keys(FAILURES).filter((r) => !['not-ecm-provider', 'inactive', 'language'].includes(r)))('best-fit: %s', (reason) => {
    const decision = decide('best-fit', FAILURES[reason as keyof typeof FAILURES]);
    expect(decision.candidates.find((c) => c.provider === 'Organization/bad')).toMatchObject({ step: 'best-fit', outcome: 'rejected', reason });
    expect(decision.selected?.service.provider).toBe('Organization/zz-good');
  });

  it('best-fit lists no inactive service and ranks language, not rejects it', () => {
    expect(decide('best-fit', FAILURES.inactive).candidates.map((c) => c.provider)).toEqual(['Organization/zz-good']);
    const decision = decide('best-fit', FAILURES.language);
    expect(decision.candidates.find((c) => c.provider === 'Organization/bad')).toMatchObject({ outcome: 'rejected', reason: 'ranked-lower' });
  });
});

describe('each step wins with a qualified provider; later steps are not reached', () => {
  it.each(STEPS)('%s', (step) => {
    const decision = decide(step, { make: () => undefined });
    expect(decision.selected?.step).toBe(step);
    expect(decision.selected?.service.provider).toBe('Organization/bad');
    expect(decision.candidates.filter((c) => c.step === 'best-fit')).toEqual([]);
  });

  it('the plan’s assignOrder decides which step runs first', () => {
    const f = { ...facts(), pcpProviders: ['Organization/bad'], existingProviders: ['Organization/zz-good'] };
    const network = providerNetwork([service('zz-good'), service('bad')]);
    const pcpFirst = { ...settings, assignOrder: ['pcp', 'existing-ecm', 'best-fit'] as AssignStep[] };
    expect(decideAssignment({ facts: f, network, settings, date: DATE }).selected?.step).toBe('existing-ecm');
    const decision = decideAssignment({ facts: f, network, settings: pcpFirst, date: DATE });
    expect([decision.selected?.step, decision.selected?.service.provider]).toEqual(['pcp', 'Organization/bad']);
    expect(decision.candidates.find((c) => c.step === 'existing-ecm')).toMatchObject({ outcome: 'not-reached' });
  });
});
