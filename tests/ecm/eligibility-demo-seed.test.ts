import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDemoSeed } from '../../src/seed/load-demo-seed.ts';
import { useFhirServer } from '../support/fhir-client.ts';
import { readEligibility, sorted } from './eligibility-support.ts';

interface Expected { code: string; rules: string[]; evidence: string[]; reason: string }
interface MemberExpectation {
  patient: string;
  scenario: string;
  base: { met: boolean; evidence: string[] };
  eligible: boolean;
  populations: Expected[];
  notMet: Expected[];
  exclusions: Expected[];
  continuity?: Expected;
  settingsDifferences?: { profile: string; code: string; met: boolean; rules: string[] }[];
}
const expectations = JSON.parse(readFileSync(new URL('../../seed/demo-expectations.json', import.meta.url), 'utf8')) as {
  evaluationDate: string;
  settingsProfile: string;
  members: MemberExpectation[];
};

const { fhir, app } = useFhirServer();
beforeAll(async () => {
  await loadDemoSeed(app().fhir);
}, 120_000);

const E = expectations.evaluationDate;

describe('$ecm-eligibility reproduces seed/demo-expectations.json (ELIG-RESULT, DECISION-RECORD)', () => {
  it.each(expectations.members.map((m) => [m.patient, m] as const))('%s', async (patient, m) => {
    const res = await fhir.get(`/${patient}/$ecm-eligibility?date=${E}&settingsProfile=${expectations.settingsProfile}`);
    expect(res.status).toBe(200);
    const r = readEligibility(res.body);
    expect(r.profile).toBe('default 0.1.0');
    expect(r.base.met, 'ELIG-BASE').toBe(m.base.met);
    expect(r.base.evidence).toEqual(m.base.evidence);
    expect(r.populations).toHaveLength(10);
    const metCodes = r.populations.filter((p) => p.met).map((p) => p.code);
    expect(sorted(metCodes as string[]), 'POFs met').toEqual(sorted(m.populations.map((p) => p.code)));
    for (const p of m.populations) {
      const got = r.population(p.code);
      expect(sorted(got.rules), `${p.code} rules`).toEqual(sorted(p.rules));
      expect(sorted(got.evidence), `${p.code} evidence`).toEqual(sorted(p.evidence));
      expect(got.reason).not.toBe('');
    }
    for (const p of m.notMet) {
      const got = r.population(p.code);
      expect(got.met).toBe(false);
      expect(sorted(got.rules), `${p.code} rules (not met)`).toEqual(sorted(p.rules));
      expect(sorted(got.evidence), `${p.code} evidence (not met)`).toEqual(sorted(p.evidence));
    }
    expect(sorted(r.exclusions.map((x) => x.code!)), 'exclusions').toEqual(sorted(m.exclusions.map((x) => x.code)));
    for (const x of m.exclusions) {
      const got = r.exclusions.find((y) => y.code === x.code)!;
      expect(sorted(got.rules)).toEqual(sorted(x.rules));
      expect(sorted(got.evidence), `${x.code} evidence`).toEqual(sorted(x.evidence));
    }
    if (m.continuity) {
      expect(r.continuity, 'continuity').toBeDefined();
      expect(sorted(r.continuity!.rules)).toEqual(sorted(m.continuity.rules));
      expect(sorted(r.continuity!.evidence)).toEqual(sorted(m.continuity.evidence));
    } else {
      expect(r.continuity).toBeUndefined();
    }
    expect(r.eligible, 'eligible').toBe(m.eligible);
  });

  const differences = expectations.members.flatMap((m) => (m.settingsDifferences ?? []).map((d) => [`${m.patient} under ${d.profile}: ${d.code}`, m.patient, d] as const));
  it.each(differences)('settingsDifferences: %s', async (_name, patient, d) => {
    const r = readEligibility((await fhir.get(`/${patient}/$ecm-eligibility?date=${E}&settingsProfile=${d.profile}`)).body);
    expect(r.profile).toBe(`${d.profile} 0.1.0`);
    const got = r.population(d.code);
    expect(got.met).toBe(d.met);
    expect(sorted(got.rules)).toEqual(sorted(d.rules));
  });

  it('selects the kern profile from the Coverage payor (Organization/plan-kern) when none is named', async () => {
    const r = readEligibility((await fhir.get(`/Patient/demo-member-12/$ecm-eligibility?date=${E}`)).body);
    expect(r.profile).toBe('kern 0.1.0');
    expect(r.population('homelessness').met).toBe(true);
  });
});
