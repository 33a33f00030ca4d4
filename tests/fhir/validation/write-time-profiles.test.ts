import { describe, expect, it, vi } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { withTestProfiles } from './mock-conformance.ts';
import { TASK_PROFILE, validTask } from './test-profiles.ts';

vi.mock('../../../src/conformance/conformance.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/conformance/conformance.ts')>();
  return { ...actual, loadConformance: () => withTestProfiles(actual.loadConformance()) };
});

const { fhir } = useFhirServer();
const FOR_MISSING = { severity: 'error', code: 'required', diagnostics: `Task.for: minimum required = 1, but only found 0 (from ${TASK_PROFILE})`, expression: ['Task.for'] };
const withoutFor = () => {
  const { for: _for, ...task } = validTask();
  return task;
};

describe('write-time validation against our profiles (meta.profile)', () => {
  it('create: a conforming resource is stored, a failing one is refused with 422', async () => {
    expect((await fhir.post('/Task', validTask())).status).toBe(201);
    const res = await fhir.post('/Task', withoutFor());
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ resourceType: 'OperationOutcome', issue: [FOR_MISSING] });
    const search = await fhir.get('/Task?_summary=count');
    expect(search.body.total).toBe(1);
  });

  it('warnings do not block a write (no narrative: dom-6)', async () => {
    const { text: _text, ...task } = validTask();
    expect((await fhir.post('/Task', task)).status).toBe(201);
  });

  it('update (PUT) is refused with 422 too', async () => {
    const res = await fhir.put('/Task/t-put', { ...withoutFor(), id: 't-put' });
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([FOR_MISSING]);
    expect((await fhir.get('/Task/t-put')).status).toBe(404);
  });

  it('patch: a patch that breaks the profile is refused with 422 and nothing changes', async () => {
    const created = await fhir.post('/Task', validTask());
    const id = created.body.id;
    const res = await fhir.patch(`/Task/${id}`, [{ op: 'replace', path: '/intent', value: 'plan' }]);
    expect(res.status).toBe(422);
    expect(res.body.issue).toEqual([{ severity: 'error', code: 'value', diagnostics: `Value must be exactly "order" (fixed by ${TASK_PROFILE})`, expression: ['Task.intent'] }]);
    expect((await fhir.get(`/Task/${id}`)).body.intent).toBe('order');
  });

  it('transaction: one failing entry rolls back the whole bundle', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', identifier: [{ value: 'tx-profile-check' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: withoutFor(), request: { method: 'POST', url: 'Task' } },
      ],
    };
    const res = await fhir.post('/', bundle);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('Task.for: minimum required = 1, but only found 0');
    expect((await fhir.get('/Patient?identifier=tx-profile-check')).body.total ?? (await fhir.get('/Patient?identifier=tx-profile-check')).body.entry?.length ?? 0).toBe(0);
  });

  it('a profile URL we do not hold is ignored on write (base validation still applies)', async () => {
    const task = { ...withoutFor(), meta: { profile: ['http://example.org/StructureDefinition/unknown'] } };
    expect((await fhir.post('/Task', task)).status).toBe(201);
    const bad = await fhir.post('/Task', { ...task, status: 'bogus' });
    expect(bad.status).toBe(400);
  });
});
