import type { Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../auth/access-context.ts';
import { conflict, fhirError, notFound, versionConflict } from '../fhir/outcome.ts';
import type {
  HistoryPage,
  HistoryQuery,
  Repository,
  SearchQuery,
  SearchResult,
  StoredResource,
  WriteOp,
  WriteResult,
} from '../fhir/repository.ts';
import type { Database, Queryable } from './database.ts';
import type { IndexExtractor } from './indexing/index-extractor.ts';
import { IndexColumns } from './indexing/index-columns.ts';
import { IndexRowsCache, isLarge, keyedRows, rowsDiff, type KeyedRows } from './indexing/index-rows-cache.ts';
import { serializeVersion } from './resource-json.ts';
import { lastUpdatedSql } from './sql-fragments.ts';
import { historyPage } from './history-query.ts';
import { searchResources } from './search/search-resources.ts';
import { reindexSql } from './reindex-sql.ts';
import { joinContents, writeVersionsSql } from './write-sql.ts';
import { visibleSql } from './access/visibility-sql.ts';
import type { Visibility } from './search/criterion-sql.ts';
import { SqlParams } from './search/sql-params.ts';
import type { Interaction } from '../auth/scopes.ts';
import { WriteSlots } from './write-slots.ts';
import { syncSubscriptionWrites, writesSubscription } from './subscription-outbox-sql.ts';

const LAST_UPDATED_SQL = lastUpdatedSql();
/** Two per core of the 2-core machines this runs on (bench/RESULTS.md). */
const DEFAULT_TRANSACTION_SLOTS = 4;

interface Row {
  id: string;
  version_id: number;
  last_updated: string;
  deleted: boolean;
  content: string | null;
}

/** A write that lost a race with another writer of the same resource. */
class ConcurrentWriteError extends Error {}

/** The index rows of a version written, for IndexRowsCache once its transaction has committed. */
interface WrittenRows {
  resourceType: string;
  id: string;
  version: number;
  rows: KeyedRows;
}

export class PostgresRepository implements Repository {
  constructor(
    private readonly db: Database,
    private readonly indexer: IndexExtractor,
    private readonly tx?: Queryable,
    /** Transactions (bundles) in flight at once; the rest queue (see WriteSlots). */
    private readonly slots = new WriteSlots(DEFAULT_TRANSACTION_SLOTS),
    private readonly rowsCache = new IndexRowsCache(),
    /** In a transaction opened by `transaction`: the rows written, for rowsCache after the commit. */
    private readonly committing?: WrittenRows[],
  ) {}

  private get q(): Queryable {
    return this.tx ?? this.db;
  }

  async read(ctx: AccessContext, resourceType: string, id: string): Promise<StoredResource | undefined> {
    this.assertRead(ctx, resourceType);
    const { rows } = await this.q.query<Row>(
      `SELECT id, version_id, ${LAST_UPDATED_SQL} AS last_updated, deleted, content FROM resource WHERE resource_type = $1 AND id = $2`,
      [resourceType, id],
      { prepared: true },
    );
    if (rows[0] && !rows[0].deleted) await this.assertVisible(ctx, 'r', [[resourceType, id]]);
    return rows[0] && toStored(resourceType, rows[0]);
  }

  async vread(ctx: AccessContext, resourceType: string, id: string, versionId: number): Promise<StoredResource | undefined> {
    this.assertRead(ctx, resourceType);
    const { rows } = await this.q.query<Row>(
      `SELECT id, version_id, ${LAST_UPDATED_SQL} AS last_updated, deleted, content FROM resource_history
       WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
      [resourceType, id, versionId],
    );
    if (rows[0]) await this.assertVisible(ctx, 'r', [[resourceType, id]]);
    return rows[0] && toStored(resourceType, rows[0]);
  }

  async write(ctx: AccessContext, ops: WriteOp[]): Promise<WriteResult[]> {
    for (const op of ops) {
      const type = op.kind === 'delete' ? op.resourceType : op.resource.resourceType;
      if (!ctx.canWrite(type, op.kind === 'delete' ? undefined : op.resource)) throw fhirError(403, 'forbidden', `Not allowed to write ${type}`);
    }
    if (ops.length === 0) return [];
    // a transaction opened elsewhere (no `committing`): its commit is not seen here, nothing is remembered
    if (this.tx) return this.writeOnce(this.tx, ops, true, this.committing ?? [], ctx).catch(asConflict);
    const written: WrittenRows[] = [];
    const committed = <T>(result: T): T => (this.remember(written), result);
    // A context with row-level access checks what it writes after writing it: in a transaction.
    if (ops.length > 1 || ctx.rows || writesSubscription(ops)) {
      return this.db.transaction((tx) => this.writeOnce(tx, ops, true, written, ctx)).then(committed, asConflict);
    }
    // One resource: first optimistically, as one atomic statement with no transaction; if another
    // writer got in between, again under a row lock, so contended updates queue instead of failing.
    // (With If-Match the precondition decides instead, see writeOnce.)
    try {
      return committed(await this.writeOnce(this.db, ops, false, written));
    } catch (err) {
      if (!(err instanceof ConcurrentWriteError)) throw err;
    }
    return this.db.transaction((tx) => this.writeOnce(tx, ops, true, written)).then(committed, asConflict);
  }

  private remember(written: WrittenRows[]): void {
    for (const w of written) this.rowsCache.set(w.resourceType, w.id, w.version, w.rows);
  }

  /**
   * Computes every new version from the current ones (read first, unless every op pins its
   * version), then writes resource rows, history rows and index rows in one statement. Each
   * resource row is written only if its version is still the one read or pinned (optimistic
   * concurrency; `lock` also locks the rows read, inside a transaction; a pinned write's
   * statement locks them itself); if any is not, the write is refused as a whole. Rows are locked
   * in the order of `ops` (the sort runs below the row locks): callers that put shared rows
   * first, in a fixed order, never deadlock with each other. `written` receives the index rows
   * of the large resources written, for rowsCache once the caller knows they are committed.
   */
  private async writeOnce(q: Queryable, ops: WriteOp[], lock: boolean, written: WrittenRows[], ctx?: AccessContext): Promise<WriteResult[]> {
    const keyOf = (type: string, id: string) => `${type}/${id}`;
    const existingKeys = ops.filter((op) => op.kind !== 'create').map((op) => (op.kind === 'delete' ? [op.resourceType, op.id] : [op.resource.resourceType, op.resource.id]));
    // Every version known beforehand (creates, updates pinned with If-Match): the write statement
    // locks and checks the stored rows itself (WriteShape.checked), one round trip less.
    const pinned = !ctx?.rows && ops.every((op) => op.kind === 'create' || (op.kind === 'update' && op.ifMatch !== undefined));
    let current = new Map<string, { version: number; deleted: boolean }>();
    if (pinned) {
      for (const op of ops) if (op.kind === 'update') current.set(keyOf(op.resource.resourceType, op.resource.id), { version: op.ifMatch!, deleted: false });
    } else if (existingKeys.length > 0) {
      current = await currentVersions(q, existingKeys, lock);
      // Row-level access: what is updated or deleted must be visible before the write...
      if (ctx?.rows) {
        await this.assertVisible(ctx, 'u', ops.flatMap((op) => (op.kind === 'update' ? [[op.resource.resourceType, op.resource.id] as [string, string]] : [])), q);
        await this.assertVisible(ctx, 'd', ops.flatMap((op) => (op.kind === 'delete' ? [[op.resourceType, op.id] as [string, string]] : [])), q);
      }
    }

    const lastUpdated = new Date().toISOString();
    const cols = { type: [] as string[], id: [] as string[], version: [] as number[], deleted: [] as boolean[], method: [] as string[], content: [] as (string | null)[] };
    const index = new IndexColumns();
    const gone = new IndexColumns();
    const delta: boolean[] = [];
    const rowsWritten: WrittenRows[] = [];
    const results: WriteResult[] = [];
    const seen = new Set<string>();
    let replaces = false;

    for (const op of ops) {
      const type = op.kind === 'delete' ? op.resourceType : op.resource.resourceType;
      const id = op.kind === 'delete' ? op.id : op.resource.id;
      const key = keyOf(type, id);
      if (seen.has(key)) throw new Error(`write: ${key} appears twice in one write`);
      seen.add(key);
      const cur = current.get(key);
      if (cur && !cur.deleted) replaces = true;
      let version: number;
      let outcome: WriteResult['outcome'];
      let method: string;
      let resource: Resource | undefined;
      if (op.kind === 'create') {
        version = 1;
        outcome = 'created';
        method = 'POST';
        resource = op.resource;
      } else if (op.kind === 'update') {
        if (op.ifMatch !== undefined && (!cur || cur.deleted || cur.version !== op.ifMatch)) {
          throw versionConflict(
            key,
            `Version conflict on ${key}: If-Match W/"${op.ifMatch}" but the current version is ${cur && !cur.deleted ? `W/"${cur.version}"` : 'none'}`,
          );
        }
        version = (cur?.version ?? 0) + 1;
        outcome = !cur || cur.deleted ? 'created' : 'updated';
        method = op.method ?? 'PUT';
        resource = op.resource;
      } else {
        if (!cur) throw notFound(`${key} not found`);
        if (cur.deleted) {
          results.push({ stored: { resourceType: type, id, versionId: cur.version, lastUpdated, deleted: true, json: null }, outcome: 'noop' });
          continue;
        }
        version = cur.version + 1;
        outcome = 'deleted';
        method = 'DELETE';
      }
      const json = resource ? serializeVersion(resource, version, lastUpdated) : null;
      cols.type.push(type);
      cols.id.push(id);
      cols.version.push(version);
      cols.deleted.push(!resource);
      cols.method.push(method);
      cols.content.push(json);
      // a large resource whose replaced version's rows are known: only the difference is sent
      const rows = resource ? this.indexer.extract(resource) : undefined;
      const before = rows && outcome === 'updated' ? this.rowsCache.get(type, id, version - 1) : undefined;
      const keyed = rows && (before || isLarge(rows)) ? keyedRows(rows) : undefined;
      delta.push(before !== undefined);
      if (before && keyed) {
        const diff = rowsDiff(before, keyed);
        index.push(type, id, diff.added);
        gone.push(type, id, diff.gone);
      } else if (rows) {
        index.push(type, id, rows);
      }
      if (keyed) rowsWritten.push({ resourceType: type, id, version, rows: keyed });
      results.push({ stored: { resourceType: type, id, versionId: version, lastUpdated, deleted: !resource, json }, outcome });
    }
    if (cols.id.length === 0) return results;

    const inserts = index.filledKinds();
    const goneKinds = gone.filledKinds();
    const joinedInserts = index.joinedParams(inserts);
    const joinedGone = gone.joinedParams(goneKinds);
    const joined = joinedInserts && joinedGone ? [...joinedInserts, ...joinedGone] : undefined;
    const checked = pinned && existingKeys.length > 0;
    const { rows } = await q.query<{ written: number }>(writeVersionsSql({ inserts, gone: goneKinds, replaces, joined: joined !== undefined, checked }), [
      cols.type, cols.id, cols.version, lastUpdated, cols.deleted, cols.method, joinContents(cols.content), delta,
      ...(joined ?? [...index.params(inserts), ...gone.params(goneKinds)]),
    ], { prepared: true });
    if (Number(rows[0]?.written) !== cols.id.length) {
      // nothing was written: the pinned version that is no longer stored names the conflict (412)
      if (checked) {
        const stored = await currentVersions(q, existingKeys, false);
        for (const op of ops) {
          if (op.kind !== 'update') continue;
          const key = keyOf(op.resource.resourceType, op.resource.id);
          const now = stored.get(key);
          if (!now || now.deleted || now.version !== op.ifMatch) {
            throw versionConflict(key, `Version conflict on ${key}: If-Match W/"${op.ifMatch}" but the current version is ${now && !now.deleted ? `W/"${now.version}"` : 'none'}`);
          }
        }
      }
      if (ops.length === 1 && ops[0].kind === 'update' && ops[0].ifMatch !== undefined) {
        const key = keyOf(cols.type[0], cols.id[0]);
        throw versionConflict(key, `Version conflict on ${key}: changed by another request`);
      }
      throw new ConcurrentWriteError('concurrent write');
    }
    // ...and what is created or updated must be visible after it (the transaction rolls back if not).
    if (ctx?.rows) {
      await this.assertVisible(ctx, 'c', ops.flatMap((op) => (op.kind === 'create' ? [[op.resource.resourceType, op.resource.id] as [string, string]] : [])), q);
      await this.assertVisible(ctx, 'u', ops.flatMap((op) => (op.kind === 'update' ? [[op.resource.resourceType, op.resource.id] as [string, string]] : [])), q);
    }
    if (writesSubscription(ops)) await syncSubscriptionWrites(q, ops, results.map((r) => r.stored.versionId), ctx);
    written.push(...rowsWritten);
    return results;
  }

  async history(ctx: AccessContext, query: HistoryQuery): Promise<HistoryPage> {
    if (query.resourceType) this.assertRead(ctx, query.resourceType);
    if (query.resourceType && query.id) await this.assertVisible(ctx, 'r', [[query.resourceType, query.id]]);
    return historyPage(this.q, query, (type) => ctx.canRead(type), visibility(ctx, 'r'));
  }

  search(ctx: AccessContext, query: SearchQuery): Promise<SearchResult> {
    for (const type of query.types ?? [query.resourceType]) this.assertRead(ctx, type);
    return searchResources(this.q, query, (type) => ctx.canRead(type), visibility(ctx, 's'));
  }

  /**
   * Rebuilds the search index of every current resource (of one type, or all) from its stored
   * JSON, in batches, with the search parameters loaded now. Returns how many were reindexed.
   */
  async reindex(ctx: AccessContext, resourceType?: string): Promise<number> {
    if (!ctx.canWrite(resourceType ?? '*')) throw fhirError(403, 'forbidden', 'Not allowed to reindex');
    this.rowsCache.clear();
    const sql = reindexSql();
    let done = 0;
    let after = ['', ''];
    for (;;) {
      const { rows } = await this.q.query<{ resource_type: string; id: string; content: string }>(
        `SELECT resource_type, id, content FROM resource
         WHERE NOT deleted AND (resource_type, id) > ($1, $2) ${resourceType ? 'AND resource_type = $3' : ''}
         ORDER BY resource_type, id LIMIT 500`,
        resourceType ? [...after, resourceType] : after,
      );
      if (rows.length === 0) return done;
      const index = new IndexColumns();
      for (const r of rows) index.push(r.resource_type, r.id, this.indexer.extract(JSON.parse(r.content) as Resource));
      await this.q.query(sql, [rows.map((r) => r.resource_type), rows.map((r) => r.id), ...index.params()]);
      done += rows.length;
      const last = rows[rows.length - 1];
      after = [last.resource_type, last.id];
    }
  }

  async lockIfFree(ctx: AccessContext, resourceType: string, ids: string[]): Promise<Map<string, number>> {
    if (!this.tx) throw new Error('lockIfFree: a lock outside a transaction would be released at once');
    if (!ctx.canWrite(resourceType)) throw fhirError(403, 'forbidden', `Not allowed to write ${resourceType}`);
    const { rows } = await this.tx.query<{ id: string; version_id: number }>(
      `SELECT id, version_id FROM resource WHERE resource_type = $1 AND id = ANY($2::text[]) AND NOT deleted ORDER BY id FOR UPDATE SKIP LOCKED`,
      [resourceType, ids],
      { prepared: true },
    );
    return new Map(rows.map((r) => [r.id, r.version_id]));
  }

  transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T> {
    if (this.tx) return fn(this);
    const written: WrittenRows[] = [];
    return this.slots.run(async () => {
      const result = await this.db.transaction((tx) => fn(new PostgresRepository(this.db, this.indexer, tx, this.slots, this.rowsCache, written)));
      this.remember(written);
      return result;
    });
  }

  /**
   * Refuses (403) when the context may not see one of these current resources (row-level access,
   * src/store/access/visibility-sql.ts). Resources with no current version pass: there is
   * nothing to reveal, and the caller answers 404/410 for them.
   */
  private async assertVisible(ctx: AccessContext, interaction: Interaction, keys: [string, string][], q: Queryable = this.q): Promise<void> {
    if (!ctx.rows || keys.length === 0) return;
    const p = new SqlParams();
    const types = p.add(keys.map((k) => k[0]));
    const ids = p.add(keys.map((k) => k[1]));
    const oneType = keys.every((k) => k[0] === keys[0][0]) ? keys[0][0] : undefined;
    const condition = visibleSql(ctx, interaction, { type: 'k.resource_type', id: 'k.id' }, p, oneType);
    if (condition === undefined) return; // every row of these types is visible: nothing to ask
    const { rows } = await q.query<{ resource_type: string; id: string }>(
      `SELECT k.resource_type, k.id FROM unnest(${types}::text[], ${ids}::text[]) AS k(resource_type, id)
       JOIN resource r ON r.resource_type = k.resource_type AND r.id = k.id AND NOT r.deleted
       WHERE NOT (${condition})`,
      p.values,
    );
    if (rows.length > 0) {
      throw fhirError(403, 'forbidden', `Access to ${rows[0].resource_type}/${rows[0].id} is not permitted by the granted scopes and organization`);
    }
  }

  private assertRead(ctx: AccessContext, resourceType: string): void {
    if (!ctx.canRead(resourceType)) throw fhirError(403, 'forbidden', `Not allowed to read ${resourceType}`);
  }
}

/** The access context's row filter for searches (types known or not), or undefined for all rows. */
function visibility(ctx: AccessContext, interaction: Interaction): Visibility | undefined {
  if (!ctx.rows) return undefined;
  return (owner, p, knownType) => visibleSql(ctx, interaction, owner, p, knownType);
}

/**
 * The stored version of each resource (type, id), in the order given; `lock` also locks the rows
 * in that order (FOR UPDATE, inside a transaction).
 */
async function currentVersions(q: Queryable, keys: string[][], lock: boolean): Promise<Map<string, { version: number; deleted: boolean }>> {
  const { rows } = await q.query<{ resource_type: string; id: string; version_id: number; deleted: boolean }>(
    `SELECT r.resource_type, r.id, r.version_id, r.deleted FROM resource r
     JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(resource_type, id, ord) ON r.resource_type = k.resource_type AND r.id = k.id
     ${lock ? 'ORDER BY k.ord FOR UPDATE OF r' : ''}`,
    [keys.map((k) => k[0]), keys.map((k) => k[1])],
    { prepared: true },
  );
  return new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, { version: r.version_id, deleted: r.deleted }]));
}

export function toStored(resourceType: string, row: Row): StoredResource {
  return {
    resourceType,
    id: row.id,
    versionId: row.version_id,
    lastUpdated: row.last_updated,
    deleted: row.deleted,
    json: row.content,
  };
}

function asConflict(err: unknown): never {
  throw err instanceof ConcurrentWriteError ? conflict('The resource was changed by another request at the same time; retry') : err;
}
