import { beforeAll, describe, expect, it, vi } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { assignCall, loadMember, loadNetwork, p, search } from './assignment-support.ts';

/**
 * $ecm-assign remembers the attribution Group it committed (rememberAttributionGroups): the next
 * assignment to the same provider does not parse the Group's JSON again, and a version written
 * by anything else in between is read from what is stored, so no member is ever lost.
 */
const { fhir } = useFhirServer();
beforeAll(async () => {
  await loadNetwork(fhir);
});

async function assignTo(provider: string, member: string): Promise<void> {
  const res = await assignCall(fhir, await loadMember(fhir, { id: member, pofs: ['homelessness'] }), [p.ref('preference', `Organization/${provider}`)]);
  expect(res.status, res.text).toBe(200);
}

const members = async (provider: string): Promise<string[]> => {
  const [group] = await search(fhir, `/Group?attributed-provider=Organization/${provider}`);
  return (group.member ?? []).map((m: { entity: { reference: string } }) => m.entity.reference).sort();
};

describe('the attribution Group between assignments', () => {
  it('the next assignment to the provider takes the committed Group as written, without parsing it', async () => {
    await assignTo('alpha', 'gm-1');
    const parse = vi.spyOn(JSON, 'parse');
    try {
      await assignTo('alpha', 'gm-2');
      const groupsParsed = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.startsWith('{"resourceType":"Group"'));
      expect(groupsParsed).toEqual([]);
    } finally {
      parse.mockRestore();
    }
    expect(await members('alpha')).toEqual(['Patient/gm-1', 'Patient/gm-2']);
  });

  it('a version written in between by another request is read from the database: its member stays', async () => {
    const [group] = await search(fhir, '/Group?attributed-provider=Organization/alpha');
    group.member.push({ entity: { reference: 'Patient/gm-outside' }, period: { start: '2026-11-02' } });
    const put = await fhir.put(`/Group/${group.id}`, group, { 'if-match': `W/"${group.meta.versionId}"` });
    expect(put.status, put.text).toBe(200);
    await assignTo('alpha', 'gm-3');
    expect(await members('alpha')).toEqual(['Patient/gm-1', 'Patient/gm-2', 'Patient/gm-3', 'Patient/gm-outside']);
  });
});
