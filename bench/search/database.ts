import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withClient, withDatabase } from '../bench-database.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The database a search benchmark runs on: fresh (dropped at the end) or kept for later runs. */
export interface SearchDatabase {
  name: string;
  url: string;
  /** True when the database is kept after the run (BENCH_SEARCH_DB or BENCH_SEARCH_KEEP). */
  kept: boolean;
  info: { version: string; settings: Record<string, string> };
  /** Drops a fresh database (never a kept one). Idempotent. */
  release(): Promise<void>;
}

/** What a loaded population was made from: reused only when all of it still matches. */
export interface PopulationMarker {
  members: number;
  seed: number;
  /** Hash of the code that decides which index rows a write produces (migrations, indexing, search parameters). */
  indexer: string;
  resources: number;
  loadSeconds: number;
  validated: boolean;
}

const SETTINGS = ['shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'work_mem'];
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `requested`: a database name to use and keep (created when absent); otherwise `keep` picks the
 * stable name `bench_search_<members>_<seed>` (kept), else a fresh `bench_search_<random>`.
 */
export async function openSearchDatabase(baseUrl: string, options: { requested?: string; keep: boolean; members: number; seed: number }): Promise<SearchDatabase> {
  const kept = Boolean(options.requested) || options.keep;
  const name = options.requested || (options.keep ? `bench_search_${options.members}_${options.seed}` : `bench_search_${randomBytes(6).toString('hex')}`);
  if (!NAME.test(name)) throw new Error(`BENCH_SEARCH_DB must be a plain lower-case database name, got "${name}"`);
  const adminUrl = withDatabase(baseUrl, 'postgres');
  const url = withDatabase(baseUrl, name);
  const exists = await withClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (!exists) await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  let released: Promise<void> | undefined;
  const release = () => (released ??= kept ? Promise.resolve() : dropDatabase(baseUrl, name));
  const info = await withClient(url, async (c) => {
    const version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
    const rows = (await c.query<{ name: string; setting: string }>('SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name', [SETTINGS])).rows;
    return { version, settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
  }).catch(async (err: unknown) => {
    await release().catch(() => undefined);
    throw err;
  });
  return { name, url, kept, info, release };
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await withClient(withDatabase(baseUrl, 'postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Empties a kept database whose population is stale (every table: the server's migrations recreate them). */
export async function resetDatabase(url: string): Promise<void> {
  await withClient(url, (c) => c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));
}

export async function readMarker(url: string): Promise<PopulationMarker | undefined> {
  return withClient(url, async (c) => {
    const exists = (await c.query("SELECT to_regclass('public.bench_search_population') AS t")).rows[0].t;
    if (!exists) return undefined;
    const row = (await c.query<{ marker: PopulationMarker }>('SELECT marker FROM bench_search_population')).rows[0];
    return row?.marker;
  });
}

export async function writeMarker(url: string, marker: PopulationMarker): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('CREATE TABLE IF NOT EXISTS bench_search_population (marker jsonb NOT NULL)');
    await c.query('DELETE FROM bench_search_population');
    await c.query('INSERT INTO bench_search_population (marker) VALUES ($1)', [JSON.stringify(marker)]);
  });
}

/** Rows per resource type (current versions) and the database size, for the report. */
export async function datasetSize(url: string): Promise<{ perType: Record<string, number>; total: number; bytes: number; pretty: string }> {
  return withClient(url, async (c) => {
    // the visibility map and statistics autovacuum keeps on a database in service, so index-only scans are possible
    await c.query('VACUUM ANALYZE');
    const rows = (await c.query<{ resource_type: string; n: string }>(
      'SELECT resource_type, count(*) AS n FROM resource WHERE NOT deleted GROUP BY resource_type ORDER BY resource_type',
    )).rows;
    const perType = Object.fromEntries(rows.map((r) => [r.resource_type, Number(r.n)]));
    const size = (await c.query<{ bytes: string; pretty: string }>(
      'SELECT pg_database_size(current_database()) AS bytes, pg_size_pretty(pg_database_size(current_database())) AS pretty',
    )).rows[0];
    return { perType, total: Object.values(perType).reduce((s, n) => s + n, 0), bytes: Number(size.bytes), pretty: size.pretty };
  });
}

/**
 * A hash of the sources that decide the stored index rows: a population loaded under other
 * migrations or another indexer (the lead adds string, date... indexes) must be reloaded.
 */
export function indexerFingerprint(): string {
  const hash = createHash('sha256');
  for (const dir of ['src/store/migrations', 'src/store/indexing', 'src/fhir/search']) {
    const files = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(ROOT, dir, f)).isFile());
    for (const file of files.sort()) {
      hash.update(file);
      hash.update(readFileSync(join(ROOT, dir, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}
