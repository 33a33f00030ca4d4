import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Patient } from '@medplum/fhirtypes';
import { systemAccess } from '../../src/auth/access-context.ts';
import type { WriteOp } from '../../src/fhir/repository.ts';
import { FhirError } from '../../src/fhir/outcome.ts';
import type { Queryable } from '../../src/store/database.ts';
import { IndexExtractor } from '../../src/store/indexing/index-extractor.ts';
import { PostgresRepository } from '../../src/store/postgres-repository.ts';
import { startTestApp } from '../support/test-app.ts';

/**
 * A write whose versions are all known beforehand (creates, updates pinned with If-Match) is one
 * statement: it locks and checks the stored rows itself (write-sql.ts, WriteShape.checked) instead
 * of reading them first. When one pinned version is no longer stored, it writes nothing at all
 * (the transaction may go on: $ecm-assign retries after a stale capacity row) and the error names
 * that resource (412); any other write still reads the rows first.
 */
let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await startTestApp());
  for (const id of ['pin-a', 'pin-b']) expect((await app.fhir.repo.write(systemAccess, [{ kind: 'create', resource: { resourceType: 'Patient', id, active: true } }]))[0].outcome).toBe('created');
});

afterAll(() => close());

const patient = (id: string, family: string): Patient & { id: string } => ({ resourceType: 'Patient', id, name: [{ family }] });

/** Runs `ops` in one transaction through a repository whose statements are recorded; `then` runs afterwards in the same transaction. */
async function inTransaction<T>(ops: WriteOp[], then: (q: Queryable) => Promise<T>): Promise<{ statements: string[]; error?: unknown; after: T }> {
  const statements: string[] = [];
  return app.database.transaction(async (tx) => {
    const recording: Queryable = { query: (sql, params, o) => (statements.push(sql), tx.query(sql, params, o)) };
    const repo = new PostgresRepository(app.database, new IndexExtractor(app.fhir.searchParameters, app.fhir.config.baseUrl), recording);
    let error: unknown;
    await repo.write(systemAccess, ops).catch((err: unknown) => (error = err));
    return { statements, error, after: await then(tx) };
  });
}

const families = (q: Queryable) =>
  q.query<{ id: string; version_id: number; family: string }>(
    `SELECT id, version_id, content::json->'name'->0->>'family' AS family FROM resource WHERE resource_type = 'Patient' AND id LIKE 'pin-%' ORDER BY id`,
  ).then((r) => r.rows.map((row) => `${row.id} v${row.version_id} ${row.family ?? '-'}`));

describe('writes with every version pinned', () => {
  it('are one statement: no rows read or locked beforehand', async () => {
    const { statements, error, after } = await inTransaction(
      [{ kind: 'update', resource: patient('pin-a', 'Ames'), ifMatch: 1 }, { kind: 'create', resource: patient('pin-c', 'Cole') }],
      families,
    );
    expect(error).toBeUndefined();
    expect(statements).toHaveLength(1);
    expect(after).toEqual(['pin-a v2 Ames', 'pin-b v1 -', 'pin-c v1 Cole']);
  });

  it('write nothing when one pinned version is stale, and name it in a 412; the transaction goes on', async () => {
    const { error, after } = await inTransaction(
      [
        { kind: 'create', resource: patient('pin-d', 'Dunn') },
        { kind: 'update', resource: patient('pin-b', 'Bell'), ifMatch: 1 },
        { kind: 'update', resource: patient('pin-a', 'Adler'), ifMatch: 1 },
      ],
      families,
    );
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(412);
    expect((error as FhirError).conflictOn).toBe('Patient/pin-a');
    expect((error as FhirError).message).toMatch(/If-Match W\/"1" but the current version is W\/"2"/);
    // neither the create nor the update that was current, and the transaction could still read
    expect(after).toEqual(['pin-a v2 Ames', 'pin-b v1 -', 'pin-c v1 Cole']);
  });

  it('refuse an update pinned to a deleted resource (412, nothing written)', async () => {
    await app.fhir.repo.write(systemAccess, [{ kind: 'create', resource: patient('pin-gone', 'Gray') }]);
    await app.fhir.repo.write(systemAccess, [{ kind: 'delete', resourceType: 'Patient', id: 'pin-gone' }]);
    const { error, after } = await inTransaction([{ kind: 'update', resource: patient('pin-gone', 'Gray'), ifMatch: 2 }], (q) =>
      q.query<{ deleted: boolean; version_id: number }>(`SELECT deleted, version_id FROM resource WHERE resource_type = 'Patient' AND id = 'pin-gone'`).then((r) => r.rows),
    );
    expect((error as FhirError).status).toBe(412);
    expect(after).toEqual([{ deleted: true, version_id: 2 }]);
  });

  it('an update without If-Match still reads (and locks) the rows first', async () => {
    const { statements, error } = await inTransaction([{ kind: 'update', resource: patient('pin-b', 'Berg') }], families);
    expect(error).toBeUndefined();
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/FOR UPDATE/);
  });
});
