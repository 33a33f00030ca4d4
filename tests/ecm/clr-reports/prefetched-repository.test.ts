import type { Coverage, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { systemAccess, type AccessContext } from '../../../src/auth/access-context.ts';
import type { SearchQuery } from '../../../src/fhir/repository.ts';
import { PrefetchedRepository } from '../../../src/ecm/clr-reports/prefetched-repository.ts';
import { prefetchByReference } from '../../../src/ecm/clr-reports/read-by-id.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { referralTask, store } from './clr-support.ts';

// The import's read-ahead for the write rules: answers what was fetched, never what was written since.

const { app } = useFhirServer();
const coverageOf = (patient: string): SearchQuery => ({
  resourceType: 'Coverage',
  criteria: [{ kind: 'reference', param: 'beneficiary', values: [{ targetType: 'Patient', targetId: patient }] }],
  count: 10,
  offset: 0,
  total: false,
});
const coverage = (id: string, patient: string): Coverage & { id: string } => ({ resourceType: 'Coverage', id, status: 'active', beneficiary: { reference: `Patient/${patient}` }, payor: [{ reference: 'Organization/plan-k' }] });

describe('PrefetchedRepository', () => {
  it('serves prefetched reads and one-reference searches with system access, and forgets what is written through it', async () => {
    const repo = app().fhir.repo;
    await store(app(), referralTask({ id: 'pf-1', owner: 'prov-a', status: 'requested', authoredOn: '2026-10-01T09:00:00-07:00' }), coverage('pf-cov', 'pf-m'));
    const prefetched = new PrefetchedRepository(repo);
    prefetched.remember((await repo.read(systemAccess, 'Task', 'pf-1'))!);
    await prefetchByReference(repo, prefetched, 'Coverage', 'beneficiary', ['Patient/pf-m', 'Patient/pf-none']);

    // changed behind its back: the prefetched answer stays (the import's If-Match catches that)
    await repo.write(systemAccess, [{ kind: 'update', resource: { ...referralTask({ id: 'pf-1', owner: 'prov-a', status: 'accepted', authoredOn: '2026-10-01T09:00:00-07:00' }) } }]);
    expect(JSON.parse((await prefetched.read(systemAccess, 'Task', 'pf-1'))!.json!).status).toBe('requested');
    // another access context is never answered from the prefetch
    const other: AccessContext = { ...systemAccess, actor: 'someone' };
    expect(JSON.parse((await prefetched.read(other, 'Task', 'pf-1'))!.json!).status).toBe('accepted');
    expect((await prefetched.search(systemAccess, coverageOf('pf-m'))).resources.map((r) => r.id)).toEqual(['pf-cov']);
    expect((await prefetched.search(systemAccess, coverageOf('pf-none'))).resources).toEqual([]);

    // written through it: forgotten, read from the database again
    const task = JSON.parse((await repo.read(systemAccess, 'Task', 'pf-1'))!.json!) as Task & { id: string };
    await prefetched.write(systemAccess, [{ kind: 'update', resource: { ...task, status: 'in-progress' } }, { kind: 'create', resource: coverage('pf-cov-2', 'pf-m') }]);
    expect(JSON.parse((await prefetched.read(systemAccess, 'Task', 'pf-1'))!.json!).status).toBe('in-progress');
    expect((await prefetched.search(systemAccess, coverageOf('pf-m'))).resources.map((r) => r.id).sort()).toEqual(['pf-cov', 'pf-cov-2']);
  });
});
