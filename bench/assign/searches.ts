/**
 * The two overdue-authorization searches of the work queues (implementation-guide/authorization.md
 * and assignment.md), as bench/search/measure.ts scenarios, and the number of matches each
 * request must have, known from the generator.
 */
import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import { EXT } from '../../src/ecm/assignment/vocabulary.ts';
import { DECISION_DUE_URL } from '../../src/ecm/authorization/authorization-resource.ts';
import { plusDays } from '../../src/ecm/calendar/local-dates.ts';
import type { SearchScenario } from '../search/scenarios.ts';
import type { AuthorizationFacts } from './dataset.ts';

/** Issue 8: the overdue-authorization search p95 under 20 ms. */
export const OVERDUE_P95_GOAL_MS = 20;

export interface OverdueScenario extends SearchScenario {
  /** Matches each path must have. */
  expected(path: string): number;
}

const matches = (b: Bundle): ServiceRequest[] => (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as ServiceRequest);
const param = (path: string, name: string) => new URL(path, 'http://x').searchParams.get(name) ?? '';
const threshold = (path: string, name: string) => param(path, name).replace(/^lt/, '');

/**
 * `decision-due=lt<instant>&status=draft,on-hold` with the instant now and 1-11 hours before;
 * `assignment-due=lt<date>&performer:missing=true` with today and 1-6 days before. `facts` are
 * the loaded authorizations the generator made (the members' own are assigned or due later, and
 * so never match).
 */
export function overdueScenarios(now: Date, today: string, facts: AuthorizationFacts[]): OverdueScenario[] {
  const instants = Array.from({ length: 12 }, (_, h) => new Date(Math.floor(now.getTime() / 1000) * 1000 - h * 3_600_000).toISOString().replace('.000Z', 'Z'));
  const days = Array.from({ length: 7 }, (_, d) => plusDays(today, -d));
  const undecided = facts.filter((f) => f.status === 'draft' || f.status === 'on-hold').map((f) => Date.parse(f.decisionDue!));
  const unassigned = facts.filter((f) => f.kind === 'approved-unassigned' && f.assignmentDue).map((f) => f.assignmentDue!);
  return [
    {
      name: 'decision-overdue',
      label: '`ServiceRequest?decision-due=lt<now>&status=draft,on-hold`',
      group: 'single',
      pages: 1,
      paths: instants.map((t) => `/fhir/ServiceRequest?decision-due=lt${encodeURIComponent(t)}&status=draft,on-hold`),
      expected: (path) => {
        const limit = Date.parse(threshold(path, 'decision-due'));
        return undecided.filter((due) => due < limit).length;
      },
      check(path, bundle) {
        const limit = Date.parse(threshold(path, 'decision-due'));
        for (const sr of matches(bundle)) {
          if (sr.status !== 'draft' && sr.status !== 'on-hold') return `ServiceRequest/${sr.id} has status ${sr.status}`;
          const due = sr.extension?.find((e) => e.url === DECISION_DUE_URL)?.valueDateTime;
          if (!due || !(Date.parse(due) < limit)) return `ServiceRequest/${sr.id} is due ${due ?? 'never'}, not before ${threshold(path, 'decision-due')}`;
        }
        return undefined;
      },
    },
    {
      name: 'assignment-overdue',
      label: '`ServiceRequest?assignment-due=lt<today>&performer:missing=true`',
      group: 'single',
      pages: 1,
      paths: days.map((d) => `/fhir/ServiceRequest?assignment-due=lt${d}&performer:missing=true`),
      expected: (path) => {
        const limit = threshold(path, 'assignment-due');
        return unassigned.filter((due) => due < limit).length;
      },
      check(path, bundle) {
        const limit = threshold(path, 'assignment-due');
        for (const sr of matches(bundle)) {
          if (sr.performer?.length) return `ServiceRequest/${sr.id} has a performer`;
          const due = sr.extension?.find((e) => e.url === EXT.assignmentDue)?.valueDate;
          if (!due || !(due < limit)) return `ServiceRequest/${sr.id} is due ${due ?? 'never'}, not before ${limit}`;
        }
        return undefined;
      },
    },
  ];
}

/** Paths whose count of matches (`_summary=count`) differs from the expected one, with both numbers. */
export async function countMismatches(baseUrl: string, s: OverdueScenario): Promise<{ path: string; expected: number; found: number | string }[]> {
  const out: { path: string; expected: number; found: number | string }[] = [];
  for (const path of s.paths) {
    const res = await fetch(`${baseUrl}${path}&_summary=count&_total=accurate`, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    const found = res.status === 200 ? ((JSON.parse(text) as Bundle).total ?? 'no total') : `status ${res.status}`;
    const expected = s.expected(path);
    if (found !== expected) out.push({ path, expected, found });
  }
  return out;
}
