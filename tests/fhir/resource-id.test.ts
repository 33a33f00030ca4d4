import { describe, expect, it } from 'vitest';
import { newResourceId } from '../../src/fhir/resource-id.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('server-assigned ids (UUID version 7, src/fhir/resource-id.ts)', () => {
  it('are version-7 UUIDs whose first 48 bits are the creation time, so ids of later times sort after', () => {
    const t = Date.UTC(2026, 10, 24, 12, 0, 0);
    const id = newResourceId(t);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
    const later = [1, 2, 1000, 86_400_000].map((d) => newResourceId(t + d));
    expect([...later].sort()).toEqual(later);
    expect(later.every((l) => l > id)).toBe(true);
  });

  it('differ when made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newResourceId(1_700_000_000_000)));
    expect(ids.size).toBe(10_000);
  });

  describe('on the API', () => {
    const { fhir } = useFhirServer();
    it('POST and a transaction POST entry get one; a client-chosen id on PUT is kept', async () => {
      const created = await fhir.post('/Organization', { resourceType: 'Organization', name: 'v7' });
      expect(created.status).toBe(201);
      expect(created.body.id).toMatch(UUID_V7);
      const tx = await fhir.post('/', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Organization', name: 'v7 tx' }, request: { method: 'POST', url: 'Organization' } }] });
      expect(tx.status).toBe(200);
      expect(tx.body.entry[0].response.location).toMatch(/^Organization\/[0-9a-f-]{36}\/_history\/1$/);
      expect(tx.body.entry[0].response.location.split('/')[1]).toMatch(UUID_V7);
      expect((await fhir.put('/Organization/chosen-id', { resourceType: 'Organization', id: 'chosen-id', name: 'kept' })).body.id).toBe('chosen-id');
    });
  });
});
