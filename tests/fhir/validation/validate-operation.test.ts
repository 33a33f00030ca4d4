import { describe, expect, it, vi } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { withTestProfiles } from './mock-conformance.ts';
import { TASK_PROFILE, validTask } from './test-profiles.ts';

vi.mock('../../../src/conformance/conformance.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/conformance/conformance.ts')>();
  return { ...actual, loadConformance: () => withTestProfiles(actual.loadConformance()) };
});

const { fhir } = useFhirServer();
const ALL_OK = { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'All OK' }] };
const errorsOf = (body: { issue: { severity: string; diagnostics?: string; expression?: string[] }[] }) =>
  body.issue.filter((i) => i.severity === 'error').map((i) => `${i.diagnostics} @ ${i.expression?.join(',')}`);

describe('$validate at type level', () => {
  it('returns All OK for a valid resource sent as the body', async () => {
    const res = await fhir.post('/Patient/$validate', { resourceType: 'Patient', gender: 'female' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ALL_OK);
  });

  it('returns 200 with the base-spec errors for an invalid resource', async () => {
    const res = await fhir.post('/Patient/$validate', { resourceType: 'Patient', gender: 'robot' });
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(errorsOf(res.body)).toEqual([expect.stringMatching(/^The code "robot" is not in the required value set .* @ Patient\.gender$/)]);
  });

  it('validates against the profiles the resource claims in meta.profile', async () => {
    const { for: _for, ...task } = validTask();
    const res = await fhir.post('/Task/$validate', task);
    expect(res.status).toBe(200);
    expect(errorsOf(res.body)).toEqual([`Task.for: minimum required = 1, but only found 0 (from ${TASK_PROFILE}) @ Task.for`]);
  });

  it('takes a Parameters body with resource, mode and profile', async () => {
    const { meta: _meta, ...task } = validTask();
    const params = (resource: unknown, extra: object[] = []) => ({
      resourceType: 'Parameters',
      parameter: [{ name: 'resource', resource }, { name: 'mode', valueCode: 'create' }, ...extra],
    });
    const ok = await fhir.post('/Task/$validate', params(task, [{ name: 'profile', valueUri: TASK_PROFILE }]));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(ALL_OK);
    const bad = await fhir.post('/Task/$validate', params({ ...task, intent: 'plan' }, [{ name: 'profile', valueUri: TASK_PROFILE }]));
    expect(errorsOf(bad.body)).toEqual([`Value must be exactly "order" (fixed by ${TASK_PROFILE}) @ Task.intent`]);
    // without the profile parameter (and no meta.profile) only the base spec applies
    const base = await fhir.post('/Task/$validate', params({ ...task, intent: 'plan' }));
    expect(base.body).toEqual(ALL_OK);
  });

  it('validates against a core profile given as ?profile= (a rule seen by both validators is reported once)', async () => {
    const res = await fhir.post('/Task/$validate?profile=http://hl7.org/fhir/StructureDefinition/Task', { resourceType: 'Task', status: 'draft', intent: 'order', authoredOn: '2026-02-01', lastModified: '2026-01-01' });
    expect(res.status).toBe(200);
    expect(errorsOf(res.body)).toEqual(['Constraint inv-1 not met: Last modified date must be greater than or equal to authored-on date. @ Task']);
    const other = await fhir.post('/Patient/$validate?profile=http://hl7.org/fhir/StructureDefinition/Task', { resourceType: 'Patient' });
    expect(errorsOf(other.body)).toEqual(['The profile http://hl7.org/fhir/StructureDefinition/Task is for Task, not Patient @ Patient']);
  });

  it('mode=update needs an id', async () => {
    const res = await fhir.post('/Patient/$validate?mode=update', { resourceType: 'Patient' });
    expect(res.status).toBe(200);
    expect(errorsOf(res.body)).toEqual(['mode=update: the resource needs an id @ Patient.id']);
  });

  it('refuses what it cannot validate: unknown profile, unknown mode, no resource, wrong type', async () => {
    const unknown = await fhir.post('/Patient/$validate?profile=http://example.org/nope', { resourceType: 'Patient' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0]).toMatchObject({ code: 'not-found', diagnostics: 'The profile http://example.org/nope is not known to this server' });
    const mode = await fhir.post('/Patient/$validate?mode=sometimes', { resourceType: 'Patient' });
    expect(mode.status).toBe(400);
    expect(mode.body.issue[0].diagnostics).toBe('Unknown mode "sometimes": expected create, update, delete or profile');
    const empty = await fhir.post('/Patient/$validate', { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'create' }] });
    expect(empty.status).toBe(400);
    expect(empty.body.issue[0].diagnostics).toBe('No resource to validate: send it as the body or as the Parameters "resource"');
    const wrong = await fhir.post('/Patient/$validate', { resourceType: 'Observation' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.issue[0].diagnostics).toBe('The resource is a Observation, but $validate was called on Patient');
    const get = await fhir.get('/Patient/$validate');
    expect(get.status).toBe(400);
  });
});

describe('$validate at instance level', () => {
  it('validates the stored resource (GET and POST), or the one supplied', async () => {
    const created = await fhir.post('/Patient', { resourceType: 'Patient', gender: 'male' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const get = await fhir.get(`/Patient/${id}/$validate`);
    expect(get.status).toBe(200);
    expect(get.body).toEqual(ALL_OK);
    const post = await fhir.post(`/Patient/${id}/$validate?profile=${encodeURIComponent(TASK_PROFILE)}`, { resourceType: 'Parameters', parameter: [] });
    expect(post.status).toBe(200);
    expect(errorsOf(post.body)).toEqual([`The profile ${TASK_PROFILE} is for Task, not Patient @ Patient`]);
    const supplied = await fhir.post(`/Patient/${id}/$validate?mode=update`, { resourceType: 'Patient', id: 'other' });
    expect(errorsOf(supplied.body)).toEqual([`mode=update: the resource id "other" is not the URL's id "${id}" @ Patient.id`]);
    const del = await fhir.post(`/Patient/${id}/$validate?mode=delete`, { resourceType: 'Parameters', parameter: [] });
    expect(del.body).toEqual(ALL_OK);
  });

  it('404 for an unknown instance', async () => {
    const res = await fhir.get('/Patient/does-not-exist/$validate');
    expect(res.status).toBe(404);
    expect(res.body.issue[0].diagnostics).toBe('Patient/does-not-exist not found');
  });
});
