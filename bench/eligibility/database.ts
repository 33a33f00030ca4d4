/**
 * The database an eligibility benchmark runs on: always its own `bench_elig_<random>`, either a
 * copy of the search benchmark's kept population (`CREATE DATABASE ... TEMPLATE`, a file copy:
 * seconds to a minute instead of a reload) or, when there is none that fits, loaded by the search
 * benchmark's loader. The search benchmark's database is only read (its marker) and copied, never
 * written.
 */
import { randomBytes } from 'node:crypto';
import { withClient, withDatabase } from '../bench-database.ts';
import { type LoadOutcome, loadPopulation } from '../search/load.ts';
import { dropDatabase, indexerFingerprint, readMarker } from '../search/database.ts';
import type { EligibilityBenchOptions } from './options.ts';

const SETTINGS = ['shared_buffers', 'synchronous_commit', 'fsync', 'max_connections', 'work_mem'];

/** This run's database; made before anything is put in it, so an interrupted run still drops it. */
export interface EligibilityDatabase {
  name: string;
  url: string;
  kept: boolean;
  /** Drops the database unless kept (also when it was never created or only half made). Idempotent. */
  release(): Promise<void>;
}

/** How the population got into the database, and the server's facts for the report. */
export interface Population {
  info: { version: string; settings: Record<string, string> };
  /** Copied from a kept search-bench database, or loaded by this run. */
  origin: { kind: 'copy'; template: string; seconds: number; staleIndexer: boolean } | { kind: 'load'; load: LoadOutcome; whyNotCopied: string };
}

export function eligibilityDatabase(options: EligibilityBenchOptions): EligibilityDatabase {
  const name = `bench_elig_${randomBytes(6).toString('hex')}`;
  let released: Promise<void> | undefined;
  const release = () => (released ??= options.keep ? Promise.resolve() : dropDatabase(options.databaseUrl, name));
  return { name, url: withDatabase(options.databaseUrl, name), kept: options.keep, release };
}

/** The search benchmark's kept database for this population (bench/search/database.ts's naming). */
export function templateName(members: number, seed: number): string {
  return `bench_search_${members}_${seed}`;
}

/**
 * Why the kept search database cannot be copied (missing, still loading, another population), or
 * undefined when it can; `staleIndexer` when it was loaded under other migrations, indexing or
 * search-parameter code than the current one (the search benchmark would reload it; the
 * evidence this benchmark reads is there all the same, and the server migrates the copy).
 */
async function templateCheck(baseUrl: string, template: string, members: number, seed: number): Promise<{ problem?: string; staleIndexer?: boolean }> {
  const exists = await withClient(withDatabase(baseUrl, 'postgres'), async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1);
  if (!exists) return { problem: `no kept database ${template} (BENCH_SEARCH_KEEP=1 npm run bench:search makes one)` };
  const marker = await readMarker(withDatabase(baseUrl, template));
  // The search benchmark writes its marker after the load: no marker = loading or a failed load.
  if (!marker) return { problem: `${template} holds no finished population (still loading, or its load failed)` };
  if (marker.members !== members || marker.seed !== seed) return { problem: `${template} holds ${marker.members} members of seed ${marker.seed}` };
  return { staleIndexer: marker.indexer !== indexerFingerprint() };
}

/**
 * CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template (a search benchmark
 * running on it): retried for up to `waitSeconds`.
 */
async function copyDatabase(baseUrl: string, name: string, template: string, waitSeconds: number, log: (m: string) => void): Promise<void> {
  const deadline = performance.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      // FILE_COPY copies the files as they are (after a checkpoint) instead of WAL-logging every
      // block of a multi-gigabyte database.
      await withClient(withDatabase(baseUrl, 'postgres'), (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY = FILE_COPY`));
      return;
    } catch (err) {
      const busy = /being accessed by other users/.test(String(err));
      if (!busy || performance.now() > deadline) throw err;
      if (attempt === 1) log(`${template} is in use (a search benchmark on it?): waiting up to ${waitSeconds} s to copy it`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

async function serverInfo(url: string): Promise<Population['info']> {
  return withClient(url, async (c) => {
    const version = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
    const rows = (await c.query<{ name: string; setting: string }>('SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name', [SETTINGS])).rows;
    return { version, settings: Object.fromEntries(rows.map((r) => [r.name, r.setting])) };
  });
}

/** Creates the database: a copy of the kept search population when one fits, else loaded here. */
export async function populate(db: EligibilityDatabase, options: EligibilityBenchOptions, log: (m: string) => void): Promise<Population> {
  const { databaseUrl, members, seed } = options;
  const template = templateName(members, seed);
  const { problem: whyNotCopied, staleIndexer = false } = await templateCheck(databaseUrl, template, members, seed);
  if (!whyNotCopied) {
    log(`copying ${template} into ${db.name}${staleIndexer ? ' (loaded by an earlier indexer: the server migrates the copy)' : ''}`);
    const t0 = performance.now();
    await copyDatabase(databaseUrl, db.name, template, 120, log);
    const seconds = (performance.now() - t0) / 1000;
    log(`copied in ${seconds.toFixed(1)} s`);
    return { info: await serverInfo(db.url), origin: { kind: 'copy', template, seconds, staleIndexer } };
  }
  log(`not copying: ${whyNotCopied}; loading ${members} members into ${db.name}`);
  await withClient(withDatabase(databaseUrl, 'postgres'), (c) => c.query(`CREATE DATABASE ${db.name}`));
  const load = await loadPopulation({ databaseUrl: db.url, members, seed, membersPerBatch: options.membersPerBatch, inFlight: options.inFlight, validate: false, progress: log });
  log(`loaded ${load.resources} resources in ${load.seconds.toFixed(1)} s (${Math.round(load.resourcesPerSecond)}/s)`);
  return { info: await serverInfo(db.url), origin: { kind: 'load', load, whyNotCopied } };
}
