import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';

/**
 * An update writes only the index rows that differ between the versions (src/store/write-sql.ts):
 * what is stored afterwards is exactly the new version's rows, whatever was kept, added or dropped,
 * including rows with NULL columns, and rows of the untouched versions stay as they were.
 */
const { fhir, app } = useFhirServer();

type Row = Record<string, string | null>;

async function rows(table: string, columns: string, id: string): Promise<string[]> {
  const { rows: found } = await app().database.query<Row>(`SELECT ${columns} FROM ${table} WHERE resource_type = 'Group' AND id = $1 ORDER BY 1, 2, 3`, [id]);
  return found.map((r) => Object.values(r).map((v) => v ?? '∅').join('|'));
}

const group = (id: string, members: string[], code?: { system?: string; code: string }) => ({
  resourceType: 'Group',
  id,
  type: 'person',
  actual: true,
  ...(code ? { code: { coding: [code] } } : {}),
  member: members.map((m) => ({ entity: { reference: `Patient/${m}` } })),
});

describe('index rows on update', () => {
  it('keeps the rows both versions share, adds the new and drops the gone ones, exactly once each', async () => {
    expect((await fhir.put('/Group/diff-1', group('diff-1', ['a', 'b', 'c'], { code: 'no-system' }))).status).toBe(201);
    expect((await fhir.put('/Group/diff-2', group('diff-2', ['a', 'b']))).status).toBe(201);
    const other = await rows('search_reference', 'param, target_type, target_id, url', 'diff-2');
    const written = async (target: string) =>
      (await app().database.query<{ xmin: string }>(`SELECT xmin::text AS xmin FROM search_reference WHERE resource_type = 'Group' AND id = 'diff-1' AND target_id = $1`, [target])).rows.map((r) => r.xmin);
    const before = await written('a');

    expect((await fhir.put('/Group/diff-1', group('diff-1', ['a', 'c', 'd'], { code: 'no-system' }))).status).toBe(200);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-1')).toEqual([
      'member|Patient|a|∅',
      'member|Patient|c|∅',
      'member|Patient|d|∅',
    ]);
    // the shared row was not rewritten (same inserting transaction); the new one was
    expect(await written('a')).toEqual(before);
    expect(await written('d')).not.toEqual(before);
    // a token without a system (NULL column) survives an update unchanged, once
    expect(await rows('search_token', 'param, system, code', 'diff-1')).toContain('code|∅|no-system');
    expect((await rows('search_token', 'param, system, code', 'diff-1')).filter((r) => r.startsWith('code|'))).toHaveLength(1);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-2')).toEqual(other);

    // the same answers through search
    const byMember = async (m: string) => (await fhir.get(`/Group?member=Patient/${m}&_elements=id`)).body.entry?.map((e: { resource: { id: string } }) => e.resource.id).sort() ?? [];
    expect(await byMember('b')).toEqual(['diff-2']);
    expect(await byMember('d')).toEqual(['diff-1']);
    expect(await byMember('a')).toEqual(['diff-1', 'diff-2']);

    // the code changes system: the old row goes, the new one comes
    expect((await fhir.put('/Group/diff-1', group('diff-1', ['a', 'c', 'd'], { system: 'http://example.org/cs', code: 'no-system' }))).status).toBe(200);
    expect((await rows('search_token', 'param, system, code', 'diff-1')).filter((r) => r.startsWith('code|'))).toEqual(['code|http://example.org/cs|no-system']);
  });

  it('a deletion removes every row and a re-creation writes them all again', async () => {
    expect((await fhir.put('/Group/diff-3', group('diff-3', ['x', 'y']))).status).toBe(201);
    expect((await fhir.delete('/Group/diff-3')).status).toBeLessThan(300);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-3')).toEqual([]);
    expect((await fhir.put('/Group/diff-3', group('diff-3', ['y']))).status).toBe(201);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-3')).toEqual(['member|Patient|y|∅']);
  });

  it('a transaction updating several resources at once leaves each with its own new rows', async () => {
    await fhir.put('/Group/diff-4', group('diff-4', ['p', 'q']));
    await fhir.put('/Group/diff-5', group('diff-5', ['p']));
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: group('diff-4', ['q', 'r']), request: { method: 'PUT', url: 'Group/diff-4' } },
        { resource: group('diff-5', ['p', 'q']), request: { method: 'PUT', url: 'Group/diff-5' } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-4')).toEqual(['member|Patient|q|∅', 'member|Patient|r|∅']);
    expect(await rows('search_reference', 'param, target_type, target_id, url', 'diff-5')).toEqual(['member|Patient|p|∅', 'member|Patient|q|∅']);
  });
});
