import type { Bundle, Encounter, Resource, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  ANCHOR_DATE, CIN_SYSTEM, DEFAULT_SEED, PROVIDER_IDS, cinOf, memberResources, patientId, populationBatches,
  populationOrganizations, populationResources, transactionBundle,
} from '../../seed/population/generate.ts';
import { structuralIssues } from '../../src/fhir/validation/validate-resource.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const MEMBERS = 300;
const population = [...populationResources(MEMBERS)];

/** Every `reference` string anywhere in a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

describe('synthetic population generator (seed/population)', () => {
  it('gives byte-identical output for the same seed, and different output for another seed', () => {
    const again = JSON.stringify([...populationResources(MEMBERS)]);
    expect(again).toBe(JSON.stringify(population));
    expect(JSON.stringify([...populationResources(MEMBERS, DEFAULT_SEED + 1)])).not.toBe(again);
  });

  it('generates any member range on its own exactly as within the whole population', () => {
    const whole = [...populationBatches({ to: 60, membersPerBatch: 7 })].flatMap((b) => b.resources);
    const part = [...populationBatches({ from: 20, to: 40, membersPerBatch: 50 })];
    expect(part).toHaveLength(1);
    expect(part[0]).toMatchObject({ from: 20, to: 40 });
    const start = whole.findIndex((r) => r.id === patientId(20));
    const end = whole.findIndex((r) => r.id === patientId(40));
    expect(JSON.stringify(part[0].resources)).toBe(JSON.stringify(whole.slice(start, end)));
    // Batches hold whole members: 60 members in batches of 7 → 9 batches, the last with 4 members.
    const batches = [...populationBatches({ to: 60, membersPerBatch: 7 })];
    expect(batches.map((b) => b.to - b.from)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    expect(() => [...populationBatches({ to: 10, membersPerBatch: 0 })]).toThrow(/membersPerBatch/);
  });

  it('gives each member about 20 resources: one Patient, one Coverage, encounters, conditions, observations, tasks, outreach', () => {
    const perMember = (population.length - populationOrganizations().length) / MEMBERS;
    expect(perMember).toBeGreaterThan(18);
    expect(perMember).toBeLessThan(22);
    for (const n of [0, 1, 137, MEMBERS - 1]) {
      const types = memberResources(n, DEFAULT_SEED).map((r) => r.resourceType);
      expect(types.filter((t) => t === 'Patient')).toHaveLength(1);
      expect(types.filter((t) => t === 'Coverage')).toHaveLength(1);
      for (const t of ['Encounter', 'Condition', 'Observation', 'Task', 'Communication']) expect(types).toContain(t);
    }
    const count = (type: string) => population.filter((r) => r.resourceType === type).length;
    expect(count('Patient')).toBe(MEMBERS);
    expect(count('Encounter')).toBeGreaterThan(3 * MEMBERS);
  });

  it('has unique ids, and every reference resolves to a resource of the population', () => {
    const keys = population.map((r) => `${r.resourceType}/${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    const known = new Set(keys);
    const dangling = population.flatMap((r) => references(r).filter((ref) => !known.has(ref)).map((ref) => `${r.resourceType}/${r.id} → ${ref}`));
    expect(dangling).toEqual([]);
    expect(population.flatMap((r) => references(r)).length).toBeGreaterThan(population.length);
  });

  it('gives each Patient a unique Medi-Cal CIN that Coverage.subscriberId repeats', () => {
    const patients = population.filter((r) => r.resourceType === 'Patient');
    const cins = patients.map((p) => (p as { identifier: { system: string; value: string }[] }).identifier.find((i) => i.system === CIN_SYSTEM)?.value);
    expect(new Set(cins).size).toBe(MEMBERS);
    expect(cins[5]).toBe(cinOf(5));
    expect(cins.every((c) => /^9\d{7}[A-Z]$/.test(c ?? ''))).toBe(true);
    const coverage = memberResources(5, DEFAULT_SEED).find((r) => r.resourceType === 'Coverage') as { subscriberId?: string };
    expect(coverage.subscriberId).toBe(cinOf(5));
  });

  it('spreads encounters (emergency ones included) over the 18 months before the anchor date, and routes Tasks to every provider', () => {
    const encounters = population.filter((r): r is Encounter => r.resourceType === 'Encounter');
    const starts = encounters.map((e) => e.period!.start!);
    const earliest = new Date(Date.parse(`${ANCHOR_DATE}T00:00:00Z`) - 548 * 86_400_000).toISOString();
    expect(starts.every((s) => s >= earliest && s < `${ANCHOR_DATE}T23:59:59Z`)).toBe(true);
    const emergencyMonths = new Set(encounters.filter((e) => e.class.code === 'EMER').map((e) => e.period!.start!.slice(0, 7)));
    expect(emergencyMonths.size).toBeGreaterThanOrEqual(17);
    for (const cls of ['EMER', 'IMP', 'AMB']) expect(encounters.some((e) => e.class.code === cls)).toBe(true);
    const tasks = population.filter((r): r is Task => r.resourceType === 'Task');
    expect(new Set(tasks.map((t) => t.owner?.reference))).toEqual(new Set(PROVIDER_IDS.map((id) => `Organization/${id}`)));
    expect(tasks.some((t) => t.status === 'requested')).toBe(true);
    const conditionCodes = population.flatMap((r) => (r.resourceType === 'Condition' ? r.code?.coding?.map((c) => c.code) ?? [] : []));
    expect(conditionCodes.some((c) => c?.startsWith('Z59.'))).toBe(true);
    expect(conditionCodes.some((c) => /^F1\d\./.test(c ?? ''))).toBe(true);
  });

  it('passes the server\'s structural validation resource by resource', () => {
    const sample = [...populationOrganizations(), ...[0, 1, 2, 3, 4, 99, 250].flatMap((n) => memberResources(n, DEFAULT_SEED))];
    const invalid = sample.map((r) => ({ r: `${r.resourceType}/${r.id}`, issues: structuralIssues(r) })).filter((x) => x.issues.length > 0);
    expect(invalid).toEqual([]);
  });
});

describe('a generated member through the transaction endpoint', () => {
  const { fhir } = useFhirServer();

  it('is accepted (200, every entry 201) and can then be read and searched', async () => {
    const member: Resource[] = [...populationOrganizations(), ...memberResources(7, DEFAULT_SEED)];
    const res = await fhir.post('', transactionBundle(member));
    expect(res.status, res.text).toBe(200);
    const bundle = res.body as Bundle;
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry).toHaveLength(member.length);
    expect(bundle.entry!.every((e) => e.response?.status?.startsWith('201'))).toBe(true);

    const patient = await fhir.get(`/Patient/${patientId(7)}`);
    expect(patient.status).toBe(200);
    expect(patient.body.identifier[0]).toEqual({ system: CIN_SYSTEM, value: cinOf(7) });
    const tasks = member.filter((r): r is Task => r.resourceType === 'Task');
    const found = await fhir.get(`/Task?patient=${patientId(7)}`);
    expect(found.status).toBe(200);
    expect(found.body.entry.map((e: { resource: Task }) => e.resource.id).sort()).toEqual(tasks.map((t) => t.id).sort());
  });
});
