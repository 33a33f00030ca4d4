import type { Bundle, Encounter, Goal, Patient, Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';

/**
 * Pages read in order from an index (src/store/search/driven-page.ts, date-sorted-page.ts and the
 * ordered walk): followed link by link, they must give exactly the matches, in order, once each,
 * forwards and backwards, whatever path the server takes.
 */
const { fhir } = useFhirServer();
const STATUSES = ['requested', 'accepted', 'in-progress', 'completed'] as const;
const OWNERS = ['Organization/op-a', 'Organization/op-b', 'Organization/op-c'];

type Entry = { resource?: { id?: string }; search?: { mode?: string } };
const matches = (b: Bundle) => ((b.entry ?? []) as Entry[]).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);
const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;
const relative = (url: string) => url.slice(url.indexOf('/fhir') + '/fhir'.length);

/** Every page from `path`, following `next`; then back from the last page, following `previous`. */
async function walk(path: string): Promise<{ forward: string[]; backward: string[]; pages: number }> {
  const forward: string[] = [];
  const pages: Bundle[] = [];
  for (let url: string | undefined = path; url; ) {
    const res = await fhir.get(url);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    pages.push(res.body as Bundle);
    forward.push(...matches(res.body as Bundle));
    const next = link(res.body as Bundle, 'next');
    url = next ? relative(next) : undefined;
    expect(pages.length).toBeLessThan(100);
  }
  const backward: string[] = [];
  for (let url = link(pages[pages.length - 1], 'previous'); url; ) {
    const res = await fhir.get(relative(url));
    expect(res.status).toBe(200);
    backward.unshift(...matches(res.body as Bundle));
    url = link(res.body as Bundle, 'previous');
  }
  return { forward, backward: [...backward, ...matches(pages[pages.length - 1])], pages: pages.length };
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const tasks: Task[] = [];
const encounters: Encounter[] = [];

beforeAll(async () => {
  const entries: { resource: Patient | Task | Encounter | Goal; request: { method: 'PUT'; url: string } }[] = [];
  for (let i = 0; i < 12; i++) {
    const patient: Patient = { resourceType: 'Patient', id: `op-p${String(i).padStart(2, '0')}`, gender: 'unknown' };
    entries.push({ resource: patient, request: { method: 'PUT', url: `Patient/${patient.id}` } });
  }
  for (let i = 0; i < 90; i++) {
    const task: Task = {
      resourceType: 'Task',
      id: `op-t${String(i).padStart(3, '0')}`,
      status: STATUSES[(i * 7) % 4],
      intent: 'order',
      owner: { reference: OWNERS[(i * 5) % 3] },
      for: { reference: `Patient/op-p${String(i % 12).padStart(2, '0')}` },
      // two codings with the same code: two index rows for one resource
      code: { coding: [{ system: 'urn:a', code: 'fulfill' }, { system: 'urn:b', code: 'fulfill' }] },
    };
    tasks.push(task);
    entries.push({ resource: task, request: { method: 'PUT', url: `Task/${task.id}` } });
  }
  for (let i = 0; i < 40; i++) {
    const day = String(1 + ((i * 11) % 28)).padStart(2, '0');
    const encounter: Encounter = {
      resourceType: 'Encounter',
      id: `op-e${String(i).padStart(2, '0')}`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: i % 2 ? 'EMER' : 'AMB' },
      // every 7th has no period; equal periods tie and fall back on the id
      ...(i % 7 === 3 ? {} : { period: { start: `2026-03-${day}T08:00:00Z`, end: `2026-03-${day}T${String(9 + (i % 3)).padStart(2, '0')}:00:00Z` } }),
    };
    encounters.push(encounter);
    entries.push({ resource: encounter, request: { method: 'PUT', url: `Encounter/${encounter.id}` } });
  }
  // a Goal with two target dates: sorted by the earliest ascending and the latest descending
  const goal = (id: string, dates: string[]): Goal => ({
    resourceType: 'Goal', id, lifecycleStatus: 'active', description: { text: id }, subject: { reference: 'Patient/op-p00' },
    target: dates.map((dueDate) => ({ dueDate })),
  });
  for (const g of [goal('op-g1', ['2026-01-10', '2026-09-10']), goal('op-g2', ['2026-05-01']), goal('op-g3', ['2026-02-01', '2026-03-01'])]) {
    entries.push({ resource: g, request: { method: 'PUT', url: `Goal/${g.id}` } });
  }
  const res = await fhir.post('/', { resourceType: 'Bundle', type: 'transaction', entry: entries });
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  // a referenced patient deleted: `_has` must not return it
  expect((await fhir.delete('/Patient/op-p11')).status).toBeLessThan(300);
});

describe('pages in the default order from an id-ordered index', () => {
  it('token AND reference: every match once, in id order, forwards and backwards', async () => {
    for (const status of STATUSES) {
      for (const owner of OWNERS) {
        const expected = tasks.filter((t) => t.status === status && t.owner?.reference === owner).map((t) => t.id!).sort(byId);
        const { forward, backward } = await walk(`/Task?status=${status}&owner=${owner}&_count=3`);
        expect(forward).toEqual(expected);
        expect(backward).toEqual(expected);
      }
    }
  });

  it('a resource with two index rows for the value comes once', async () => {
    const { forward } = await walk('/Task?code=fulfill&owner=Organization/op-b&_count=7');
    expect(forward).toEqual(tasks.filter((t) => t.owner?.reference === 'Organization/op-b').map((t) => t.id!).sort(byId));
  });

  it('a value matching nothing gives an empty page, and a token :not is not mistaken for a driver', async () => {
    expect((await walk('/Task?status=failed&owner=Organization/op-a')).forward).toEqual([]);
    const { forward } = await walk('/Task?status:not=requested&owner=Organization/op-a&_count=4');
    expect(forward).toEqual(tasks.filter((t) => t.status !== 'requested' && t.owner?.reference === 'Organization/op-a').map((t) => t.id!).sort(byId));
  });

  it('_has: the referred resources in id order, never a deleted one, whether the nested criterion is broad or narrow', async () => {
    for (const status of STATUSES) {
      const referred = new Set(tasks.filter((t) => t.status === status).map((t) => t.for!.reference!.slice('Patient/'.length)));
      referred.delete('op-p11');
      const { forward, backward } = await walk(`/Patient?_has:Task:patient:status=${status}&_id=${[...Array(12).keys()].map((i) => `op-p${String(i).padStart(2, '0')}`).join(',')}&_count=2`);
      expect(forward).toEqual([...referred].sort(byId));
      expect(backward).toEqual([...referred].sort(byId));
    }
    // the nested criterion as the only one (a driver of its own kind)
    const { forward } = await walk('/Patient?_has:Task:owner:_id=op-t000&_count=2');
    expect(forward).toEqual([]);
  });

  it('the ordered walk (no criterion an index enumerates) pages :missing and :not', async () => {
    const expected = tasks.filter((t) => t.status !== 'completed').map((t) => t.id!).sort(byId);
    const { forward, backward } = await walk('/Task?status:not=completed&owner:missing=false&_count=9');
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
  });

  it('the ordered walk checks _lastUpdated on the rows it walks', async () => {
    const expected = tasks.filter((t) => t.status !== 'completed').map((t) => t.id!).sort(byId);
    expect((await walk('/Task?status:not=completed&_lastUpdated=gt2000-01-01&_count=5')).forward).toEqual(expected);
    expect((await walk('/Task?status:not=completed&_lastUpdated=lt2000-01-01&_count=5')).forward).toEqual([]);
  });

  it('a criterion enumerated from its index (string prefix) pages in id order', async () => {
    await fhir.put('/Patient/op-n1', { resourceType: 'Patient', id: 'op-n1', name: [{ family: 'Ordwalk' }] });
    await fhir.put('/Patient/op-n2', { resourceType: 'Patient', id: 'op-n2', name: [{ family: 'Ordwalker' }] });
    await fhir.put('/Patient/op-n3', { resourceType: 'Patient', id: 'op-n3', name: [{ family: 'Other' }] });
    const { forward, backward } = await walk('/Patient?name=ordwalk&_count=1');
    expect(forward).toEqual(['op-n1', 'op-n2']);
    expect(backward).toEqual(['op-n1', 'op-n2']);
  });
});

describe('pages sorted by a date from the date index', () => {
  const key = (e: Encounter, descending: boolean) => (descending ? e.period?.end : e.period?.start);
  const expectedOrder = (descending: boolean, filter: (e: Encounter) => boolean = () => true) => {
    const list = encounters.filter(filter);
    const valued = list.filter((e) => key(e, descending));
    valued.sort((a, b) => {
      const [ka, kb] = [Date.parse(key(a, descending)!), Date.parse(key(b, descending)!)];
      return ka !== kb ? (descending ? kb - ka : ka - kb) : byId(a.id!, b.id!);
    });
    // resources without a value come last in either direction
    return [...valued, ...list.filter((e) => !key(e, descending)).sort((a, b) => byId(a.id!, b.id!))].map((e) => e.id!);
  };

  it('_sort=-date and _sort=date: latest end first / earliest start first, ties by id, missing values last', async () => {
    for (const descending of [true, false]) {
      const { forward, backward } = await walk(`/Encounter?_sort=${descending ? '-' : ''}date&_id:not=none&_count=6`);
      const all = (await walk(`/Encounter?_sort=${descending ? '-' : ''}date&_count=6`)).forward;
      expect(all.filter((id) => id.startsWith('op-e'))).toEqual(expectedOrder(descending));
      expect(forward.filter((id) => id.startsWith('op-e'))).toEqual(expectedOrder(descending));
      expect(backward).toEqual(forward);
    }
  });

  it('with a broad criterion, sorted pages hold only its matches', async () => {
    const { forward } = await walk('/Encounter?class=EMER&_sort=-date&_count=4');
    expect(forward).toEqual(expectedOrder(true, (e) => e.class.code === 'EMER'));
  });

  it('a resource with several values sorts by its earliest ascending and its latest descending', async () => {
    expect((await walk('/Goal?_sort=target-date&_count=1')).forward.filter((id) => id.startsWith('op-g'))).toEqual(['op-g1', 'op-g3', 'op-g2']);
    expect((await walk('/Goal?_sort=target-date&_id=op-g1,op-g2,op-g3&_count=1')).forward).toEqual(['op-g1', 'op-g3', 'op-g2']);
    expect((await walk('/Goal?_sort=-target-date&_count=1')).forward.filter((id) => id.startsWith('op-g'))).toEqual(['op-g1', 'op-g2', 'op-g3']);
  });
});
