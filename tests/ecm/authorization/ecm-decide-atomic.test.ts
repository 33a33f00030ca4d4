import { describe, expect, it } from 'vitest';
import { ecmDecideOperation } from '../../../src/ecm/authorization/ecm-decide-operation.ts';
import { fhirError } from '../../../src/fhir/outcome.ts';
import type { Repository } from '../../../src/fhir/repository.ts';
import type { FhirContext } from '../../../src/fhir/request.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { KERN, authorizationRequest, createAuthorization, decideBody, homelessMember, store } from './authorization-support.ts';

const { fhir, app } = useFhirServer();

/**
 * A repository whose writes fail as soon as they include a Communication (a notice), inside or
 * outside a transaction: what a failing notice write looks like to $ecm-decide.
 */
function failingOnNotices(repo: Repository): Repository {
  return {
    read: (...a) => repo.read(...a),
    vread: (...a) => repo.vread(...a),
    history: (...a) => repo.history(...a),
    search: (...a) => repo.search(...a),
    reindex: (...a) => repo.reindex(...a),
    lockIfFree: (...a) => repo.lockIfFree(...a),
    write: async (ctx, ops) => {
      // the authorization update goes first, as its own statement, when the writer splits them
      const notices = ops.filter((op) => op.kind !== 'delete' && op.resource.resourceType === 'Communication');
      const others = ops.filter((op) => !notices.includes(op));
      if (notices.length === 0) return repo.write(ctx, ops);
      if (others.length > 0) await repo.write(ctx, others);
      throw fhirError(500, 'exception', 'notice store unavailable');
    },
    transaction: (fn) => repo.transaction((tx) => fn(failingOnNotices(tx))),
  };
}

describe('$ecm-decide: a failing notice write leaves nothing written (one transaction)', () => {
  it('keeps the authorization draft at version 1, writes no Provenance, notice or appeal', async () => {
    await store(fhir, homelessMember('atomic', KERN), 'Practitioner/pcp-1');
    const draft = await createAuthorization(fhir, authorizationRequest('atomic', { performer: 'Organization/ecm-provider-1' }));
    const ctx: FhirContext = { ...app().fhir, repo: failingOnNotices(app().fhir.repo) };
    const req = { method: 'POST' as const, path: ['ServiceRequest', draft.id, '$ecm-decide'], query: [], headers: {}, body: decideBody('approve') };
    await expect(ecmDecideOperation.handle(ctx, req, { level: 'instance', resourceType: 'ServiceRequest', id: draft.id })).rejects.toThrow('notice store unavailable');
    const after = (await fhir.get(`/ServiceRequest/${draft.id}`)).body;
    expect(after.status).toBe('draft');
    expect(after.meta.versionId).toBe('1');
    expect((await fhir.get(`/Provenance?target=ServiceRequest/${draft.id}`)).body.total).toBe(0);
    expect((await fhir.get('/Communication?subject=Patient/atomic')).body.total).toBe(0);
    // and the same decision through the real repository succeeds
    const ok = await fhir.post(`/ServiceRequest/${draft.id}/$ecm-decide`, decideBody('approve'));
    expect(ok.status, ok.text).toBe(200);
    expect((await fhir.get('/Communication?subject=Patient/atomic')).body.total).toBe(3);
  });
});
