import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database of its own for one benchmark run, on the server at `baseUrl`. */
export interface BenchDatabase {
  name: string;
  url: string;
  /** Server facts for the report. */
  info: { version: string; settings: Record<string, string> };
  /** DROP DATABASE ... WITH (FORCE): also ends connections a killed child left behind. Idempotent. */
  drop(): Promise<void>;
}

const SETTINGS = ['shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'work_mem', 'autovacuum', 'max_wal_size'];

/**
 * `baseUrl` is a server URL ending in "/" (a database name is appended); the admin connection
 * goes to its `postgres` database.
 */
export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(baseUrl, name);
  const adminUrl = withDatabase(baseUrl, 'postgres');
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  let dropped: Promise<void> | undefined;
  const drop = () => (dropped ??= withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined));
  try {
    const info = await withClient(url, async (c) => {
      const version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
      const rows = (await c.query<{ name: string; setting: string }>(
        'SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name',
        [SETTINGS],
      )).rows;
      const settings: Record<string, string> = {};
      for (const r of rows) settings[r.name] = r.setting;
      return { version, settings };
    });
    return { name, url, info, drop };
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
}

export function withDatabase(baseUrl: string, database: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
