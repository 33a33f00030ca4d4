/**
 * The search scenarios: realistic distinct requests (parameter values rotated over the generated
 * population) and, per scenario, a check that one response is a plausible, non-empty answer.
 */
import type { Bundle, BundleEntry, Encounter, Patient, Resource, Task } from '@medplum/fhirtypes';
import { CIN_SYSTEM, PROVIDER_IDS, cinOf, memberResources, patientId } from '../../seed/population/generate.ts';

export type GoalGroup = 'single' | 'complex';

/** p95 goals of issue 3, in ms. */
export const P95_GOAL: Record<GoalGroup, number> = { single: 20, complex: 50 };

export interface SearchScenario {
  name: string;
  label: string;
  group: GoalGroup;
  /** Distinct request paths, cycled by every connection. */
  paths: string[];
  /** Pages per walk: >1 follows `next` links from each path (the walk restarts after that many). */
  pages: number;
  /** Why a response is not a plausible answer to `path`, or undefined when it is. */
  check(path: string, bundle: Bundle): string | undefined;
  /** A further check with follow-up requests to the server at `baseUrl`. */
  verify?(baseUrl: string, path: string, bundle: Bundle): Promise<string | undefined>;
}

const enc = encodeURIComponent;

const TASK_STATUSES = ['requested', 'accepted', 'in-progress', 'completed'];
const NAME_PREFIXES = ['smi', 'gar', 'ngu', 'joh', 'lop', 'kim', 'che', 'wil', 'her', 'ram', 'tra', 'mor'];

/** Months wholly inside the generated 18-month window (anchor 2026-11-01). */
const MONTHS = ['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** `count` member numbers spread evenly over the population. */
function sampleMembers(members: number, count: number): number[] {
  const n = Math.min(count, members);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * members) / n));
}

const resources = (b: Bundle, mode = 'match'): Resource[] =>
  (b.entry ?? []).filter((e: BundleEntry) => e.search?.mode === mode).map((e) => e.resource as Resource);

const param = (path: string, name: string): string[] => new URL(path, 'http://x').searchParams.getAll(name);

/** The ids of member `n`'s referral Tasks, as generated. */
function memberTaskIds(n: number, seed: number): string[] {
  return memberResources(n, seed).filter((r) => r.resourceType === 'Task').map((r) => r.id!).sort();
}

const ids = (rs: Resource[]) => rs.map((r) => r.id!).sort();
const sameIds = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export function searchScenarios(members: number, seed: number): SearchScenario[] {
  const sample = sampleMembers(members, 500);
  return [
    {
      name: 'token',
      label: 'Token: `Task?status={s}&owner=Organization/{provider}`',
      group: 'single',
      paths: PROVIDER_IDS.flatMap((p) => TASK_STATUSES.map((s) => `/fhir/Task?status=${s}&owner=${enc(`Organization/${p}`)}`)),
      pages: 1,
      check: (path, b) => {
        const status = param(path, 'status')[0];
        const owner = param(path, 'owner')[0];
        const bad = (resources(b) as Task[]).find((t) => t.resourceType !== 'Task' || t.status !== status || t.owner?.reference !== owner);
        return bad ? `a Task with status ${(bad as Task).status} and owner ${(bad as Task).owner?.reference} does not match` : undefined;
      },
    },
    {
      name: 'date',
      label: 'Date range: `Encounter?date=ge{month}&date=lt{next month}&class=EMER`',
      group: 'single',
      paths: MONTHS.map((m) => `/fhir/Encounter?date=ge${m}-01&date=lt${nextMonth(m)}-01&class=EMER`),
      pages: 1,
      check: (path, b) => {
        const [ge, lt] = param(path, 'date').map((d) => d.slice(2));
        const bad = (resources(b) as Encounter[]).find((e) => {
          const start = e.period?.start ?? '';
          const end = e.period?.end ?? start;
          // FHIR date search: the period overlaps [ge, lt) (search.html#date).
          return e.class?.code !== 'EMER' || end < ge || start >= lt;
        });
        return bad ? `Encounter ${bad.id} (${(bad as Encounter).class?.code}, ${JSON.stringify((bad as Encounter).period)}) does not match` : undefined;
      },
    },
    {
      name: 'string',
      label: 'String: `Patient?name={prefix}`',
      group: 'single',
      paths: NAME_PREFIXES.map((p) => `/fhir/Patient?name=${p}`),
      pages: 1,
      check: (path, b) => {
        const prefix = param(path, 'name')[0].toLowerCase();
        const bad = (resources(b) as Patient[]).find(
          (p) => !(p.name ?? []).some((n) => [n.family ?? '', ...(n.given ?? [])].some((s) => s.toLowerCase().startsWith(prefix))),
        );
        return bad ? `Patient ${bad.id} has no name starting with "${prefix}"` : undefined;
      },
    },
    {
      name: 'chained',
      label: 'Chained: `Task?patient.identifier={CIN system}\\|{cin}`',
      group: 'complex',
      paths: sample.map((n) => `/fhir/Task?patient.identifier=${enc(`${CIN_SYSTEM}|${cinOf(n)}`)}`),
      pages: 1,
      check: (path, b) => {
        const cin = param(path, 'patient.identifier')[0].split('|')[1];
        const expected = `Patient/${patientId(Number(cin.slice(1, 8)))}`;
        const expectedTasks = memberTaskIds(Number(cin.slice(1, 8)), seed);
        const found = ids(resources(b));
        return sameIds(found, expectedTasks) ? undefined : `found Tasks ${found.join(', ')}; ${expected} has ${expectedTasks.join(', ')}`;
      },
    },
    {
      name: 'revinclude',
      label: '`_revinclude`: `Patient?_id={id}&_revinclude=Task:patient`',
      group: 'complex',
      paths: sample.map((n) => `/fhir/Patient?_id=${patientId(n)}&_revinclude=Task:patient`),
      pages: 1,
      check: (path, b) => {
        const id = param(path, '_id')[0];
        const matches = resources(b);
        if (matches.length !== 1 || matches[0].id !== id) return `expected exactly Patient/${id} as the match, got ${matches.map((r) => `${r.resourceType}/${r.id}`).join(', ')}`;
        const included = resources(b, 'include');
        const bad = included.find((t) => t.resourceType !== 'Task');
        if (bad) return `included ${bad.resourceType}/${bad.id} is not a Task`;
        const expectedTasks = memberTaskIds(Number(id.slice('pop-'.length)), seed);
        return sameIds(ids(included), expectedTasks) ? undefined : `included Tasks ${ids(included).join(', ')}; Patient/${id} has ${expectedTasks.join(', ')}`;
      },
    },
    {
      name: 'has',
      label: '`_has`: `Patient?_has:Task:patient:status={s}`',
      group: 'complex',
      paths: TASK_STATUSES.map((s) => `/fhir/Patient?_has:Task:patient:status=${s}`),
      pages: 1,
      // Which Tasks a Patient has is not in the Patient: the check can only see the shape; the
      // generator guarantees every status is common, so an empty page is wrong.
      check: (_path, b) => {
        const bad = resources(b).find((r) => r.resourceType !== 'Patient');
        return bad ? `a ${bad.resourceType} among the matches` : undefined;
      },
      // Each of the first matches must have such a Task: asked with a plain token + reference search.
      verify: async (baseUrl, path, b) => {
        const status = path.split('=').pop()!;
        for (const p of resources(b).slice(0, 3)) {
          const res = await fetch(`${baseUrl}/fhir/Task?patient=Patient/${p.id}&status=${status}&_count=1`, { headers: { accept: 'application/fhir+json' } });
          const tasks = res.status === 200 ? resources((await res.json()) as Bundle) : [];
          if (tasks.length === 0) return `Patient/${p.id} matched, but Task?patient=Patient/${p.id}&status=${status} finds no Task`;
        }
        return undefined;
      },
    },
    {
      name: 'paged',
      label: 'Sorted paged walk: `Encounter?_sort=-date&_count=50`, 20 pages following `next`',
      group: 'single',
      paths: ['/fhir/Encounter?_sort=-date&_count=50'],
      pages: 20,
      // Descending by the period's start or by its end (search.html#_sort leaves periods to the server).
      check: (_path, b) => {
        const found = resources(b) as Encounter[];
        const sorted = (key: (e: Encounter) => string) => found.every((e, i) => i === 0 || key(e) <= key(found[i - 1]));
        if (sorted((e) => e.period?.start ?? '') || sorted((e) => e.period?.end ?? '')) return undefined;
        return 'the page is not sorted by Encounter date, descending';
      },
    },
  ];
}

/** The path of a Bundle's `next` link (relative to the server), if any. */
export function nextPath(b: Bundle): string | undefined {
  const url = b.link?.find((l) => l.relation === 'next')?.url;
  if (!url) return undefined;
  const u = new URL(url);
  return u.pathname + u.search;
}

/** Warnings the server attached (an ignored parameter means the search is not supported yet). */
export function outcomeWarnings(b: Bundle): string[] {
  return (b.entry ?? [])
    .filter((e) => e.search?.mode === 'outcome')
    .flatMap((e) => ((e.resource as { issue?: { diagnostics?: string }[] }).issue ?? []).map((i) => i.diagnostics ?? 'warning'))
    .filter((w, i, all) => all.indexOf(w) === i);
}
