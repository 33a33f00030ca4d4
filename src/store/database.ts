import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * A statement text the server runs over and over (a write, a read by id): PostgreSQL parses it
   * once per connection and may keep its plan (a named prepared statement). Only for texts from
   * a bounded set: each one is kept on every connection. PGlite ignores it.
   */
  prepared?: boolean;
  /**
   * Maintenance (VACUUM, ANALYZE) that may run longer than STATEMENT_TIMEOUT_MS: run on a
   * connection of its own with no statement timeout. PGlite has none anyway.
   */
  untimed?: boolean;
}

/** Something that runs SQL: the database itself, or one open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

const statementNames = new Map<string, string>();

/** A name for a prepared statement text (the same text, the same name, on every connection). */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) statementNames.set(sql, (name = `s_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`));
  return name;
}

/**
 * The one database the server talks to: PostgreSQL through a pool, or embedded PGlite
 * (a single connection, so its transactions are serialised by PGlite itself).
 */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  schema?: string;
  poolSize?: number;
  /** A PGlite data directory dump (`dumpDataDir`) to start from instead of running initdb. */
  pgliteTemplate?: string;
  /** PostgreSQL cancels any statement running longer (0 = never); migrations are exempt. */
  statementTimeoutMs?: number;
}): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.schema, options.poolSize ?? 16, options.statementTimeoutMs ?? 0);
  let db: PGlite;
  if (options.pgliteTemplate) {
    db = new PGlite({ loadDataDir: new Blob([await readFile(options.pgliteTemplate)]) });
  } else {
    db = options.dataDir === 'memory://' ? new PGlite() : new PGlite(options.dataDir);
  }
  return wrapPglite(db, options.schema);
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name "${name}"`);
  return `"${name}"`;
}

async function openPostgres(url: string, schema: string | undefined, max: number, statementTimeoutMs: number): Promise<Database> {
  // Keep timestamps and int8 as text: we format instants ourselves and never want JS Dates.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 1184 || oid === 1114 || oid === 20 ? (v: string) => v : pg.types.getTypeParser(oid, format),
  };
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).finally(() => admin.end());
  }
  // A request's query never outlives it by much: a client that gave up does not leave work running.
  // No parallel query and no JIT: starting workers or compiling a plan costs tens to hundreds of
  // milliseconds, more than the searches take that read a page in index order, and the
  // connections already keep every core busy.
  const settings = [
    '-c max_parallel_workers_per_gather=0',
    '-c jit=off',
    ...(schema ? [`-c search_path=${quoteIdent(schema)}`] : []),
    ...(statementTimeoutMs > 0 ? [`-c statement_timeout=${Math.floor(statementTimeoutMs)}`] : []),
  ];
  const options = settings.join(' ');
  const pool = new pg.Pool({ connectionString: url, max, types, options });
  // A failed idle client must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const run = async <R>(client: pg.Pool | pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions) => {
    const res = options?.prepared
      ? await client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
      : await client.query(sql, params as unknown[]);
    return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
  };
  const untimed = async <R>(sql: string, params?: unknown[]) => {
    const client = await pool.connect();
    try {
      await client.query('SET statement_timeout = 0');
      return await run<R>(client, sql, params);
    } finally {
      // back to the connection's own setting (the -c option it was opened with)
      await client.query('RESET statement_timeout').catch(() => undefined);
      client.release();
    }
  };
  return {
    kind: 'postgres',
    query: (sql, params, options) => (options?.untimed ? untimed(sql, params) : run(pool, sql, params, options)),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (sql, params, options) => run(client, sql, params, options) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

export async function wrapPglite(db: PGlite, schema?: string): Promise<Database> {
  await db.waitReady;
  if (schema) {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}`);
  }
  const parsers = { 1184: (v: string) => v, 1114: (v: string) => v, 20: (v: string) => v };
  const run = async <R>(q: Pick<PGlite, 'query'>, sql: string, params?: unknown[]) => {
    const res = await q.query<R>(sql, params, { parsers });
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  };
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql, params) => run(tx, sql, params) })),
    close: () => db.close(),
  };
}
