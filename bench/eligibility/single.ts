/**
 * Single-member `Patient/[id]/$ecm-eligibility`: a sample of members asked one by one (what the
 * population exercises, and whether each answer agrees with the population run's list), and the
 * request paths autocannon cycles through (bench/search/measure.ts runs them).
 */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { patientId } from '../../seed/population/generate.ts';
import type { SearchScenario } from '../search/scenarios.ts';

/** Issue 6: single-member $ecm-eligibility p95 under 50 ms. */
export const SINGLE_P95_GOAL_MS = 50;

/** `count` member numbers spread evenly over the population. */
export function spreadMembers(members: number, count: number): number[] {
  const n = Math.min(count, members);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * members) / n));
}

export function singlePath(n: number, date: string): string {
  return `/fhir/Patient/${patientId(n)}/$ecm-eligibility?date=${date}`;
}

/** The single-member requests as a scenario of bench/search/measure.ts (one page, no body check). */
export function singleScenario(members: number, distinct: number, date: string): SearchScenario {
  return {
    name: 'single',
    label: '`GET Patient/[id]/$ecm-eligibility?date=`',
    group: 'complex',
    paths: spreadMembers(members, distinct).map((n) => singlePath(n, date)),
    pages: 1,
    check: () => undefined,
  };
}

/** What a sample of single-member answers shows, and how they compare with the population run. */
export interface SampleCheck {
  members: number;
  eligible: number;
  baseMet: number;
  /** Members meeting each POF (eligible or not; every POF of the CodeSystem, 0 when none), and members with each exclusion. */
  pofMet: Record<string, number>;
  exclusions: Record<string, number>;
  /** Members whose per-member answer disagrees with the population list (eligible, or its POFs). */
  disagreements: string[];
}

const parts = (p: ParametersParameter | undefined) => p?.part ?? [];
const codeOf = (p: ParametersParameter) => parts(p).find((x) => x.name === 'code')?.valueCoding?.code ?? '?';
const metOf = (p: ParametersParameter) => parts(p).find((x) => x.name === 'met')?.valueBoolean === true;

/**
 * Asks `sample` members one by one; `listed` is the population run's list (member → POFs met).
 * Members without the population run's list (undefined) are only counted.
 */
export async function checkSample(serverUrl: string, sample: number[], date: string, listed: Map<string, string[]> | undefined): Promise<SampleCheck> {
  const out: SampleCheck = { members: 0, eligible: 0, baseMet: 0, pofMet: {}, exclusions: {}, disagreements: [] };
  for (const n of sample) {
    const res = await fetch(serverUrl + singlePath(n, date), { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${singlePath(n, date)} answered ${res.status}: ${text.slice(0, 300)}`);
    const params = (JSON.parse(text) as Parameters).parameter ?? [];
    const eligible = params.find((p) => p.name === 'eligible')?.valueBoolean === true;
    const populations = params.filter((p) => p.name === 'population');
    for (const p of populations) out.pofMet[codeOf(p)] ??= 0;
    const pofs = populations.filter(metOf).map(codeOf).sort();
    out.members++;
    if (eligible) out.eligible++;
    if (metOf(params.find((p) => p.name === 'base')!)) out.baseMet++;
    for (const code of pofs) out.pofMet[code] = (out.pofMet[code] ?? 0) + 1;
    for (const x of params.filter((p) => p.name === 'exclusion')) out.exclusions[codeOf(x)] = (out.exclusions[codeOf(x)] ?? 0) + 1;
    if (listed) {
      const inList = listed.get(patientId(n));
      if (eligible !== (inList !== undefined) || (inList && inList.join() !== pofs.join())) {
        out.disagreements.push(`${patientId(n)}: per member ${eligible ? `eligible (${pofs.join(', ')})` : 'not eligible'}, population list ${inList ? `eligible (${inList.join(', ')})` : 'not listed'}`);
      }
    }
  }
  return out;
}
