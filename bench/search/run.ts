/**
 * `npm run bench:search`: search latency on a generated population in PostgreSQL (issue 3,
 * bench/README.md "Search benchmark"), written to bench/SEARCH-RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '../children.ts';
import { waitForQuiet } from '../cpu.ts';
import { machineInfo } from '../machine.ts';
import { checkScenario } from './check.ts';
import { type SearchDatabase, datasetSize, indexerFingerprint, openSearchDatabase, readMarker, resetDatabase, writeMarker } from './database.ts';
import { loadPopulation } from './load.ts';
import { measure } from './measure.ts';
import { type SearchBenchOptions, searchOptionsFromEnv } from './options.ts';
import { type SearchReport, renderSearchMarkdown, renderSearchSummary } from './report.ts';
import { searchScenarios } from './scenarios.ts';
import { benchCommand, benchFlow, dropLogged } from '../bench-flow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench:search] ${message}\n`);

let server: Child | undefined;
let database: SearchDatabase | undefined;
let report: SearchReport | undefined;
let options: SearchBenchOptions | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((err: unknown) => log(`stopping the server: ${String(err)}`));
    if (database && !database.kept) {
      await dropLogged(database.name, database.release, log);
    } else if (database) log(`kept database ${database.name} (reuse: BENCH_SEARCH_DB=${database.name})`);
  })();
  return cleaning;
}

function writeReport(failure?: string): void {
  if (!report || !options) return;
  if (failure) report.failure = failure;
  writeFileSync(resolve(ROOT, options.resultsPath), renderSearchMarkdown(report) + '\n');
  process.stdout.write(`\n${renderSearchSummary(report)}\n\nwritten to ${options.resultsPath}\n`);
}

async function main(): Promise<number> {
  options = searchOptionsFromEnv();
  const opts = options;
  flow.guard(opts.timeout);

  database = await openSearchDatabase(opts.databaseUrl, { requested: opts.database, keep: opts.keep, members: opts.members, seed: opts.seed });
  const fingerprint = indexerFingerprint();
  const marker = await readMarker(database.url);
  const reusable = marker && marker.members === opts.members && marker.seed === opts.seed && marker.indexer === fingerprint;
  report = {
    machine: machineInfo(),
    postgres: database.info,
    command: benchCommand('bench:search'),
    options: opts,
    database: { name: database.name, kept: database.kept, reused: Boolean(reusable) },
    scenarios: [],
  };
  if (reusable) {
    log(`reusing database ${database.name}: ${marker.resources} resources loaded earlier`);
    report.load = { resources: marker.resources, seconds: marker.loadSeconds, validated: marker.validated, thisRun: false };
  } else {
    if (marker) {
      log(`database ${database.name} holds a population from other settings or another indexer: emptying it and reloading`);
      await resetDatabase(database.url);
    }
    log(`loading ${opts.members} members${opts.validate ? ' (validating every resource)' : ''}`);
    const loaded = await loadPopulation({
      databaseUrl: database.url, members: opts.members, seed: opts.seed, membersPerBatch: opts.membersPerBatch,
      inFlight: opts.inFlight, validate: opts.validate, progress: log,
    });
    report.load = { ...loaded, validated: opts.validate, thisRun: true };
    log(`loaded ${loaded.resources} resources in ${loaded.seconds.toFixed(1)} s (${Math.round(loaded.resourcesPerSecond)}/s)`);
    await writeMarker(database.url, {
      members: opts.members, seed: opts.seed, indexer: fingerprint, resources: loaded.resources, loadSeconds: loaded.seconds, validated: opts.validate,
    });
  }
  report.dataset = await datasetSize(database.url);
  log(`dataset: ${report.dataset.total} resources, ${report.dataset.pretty}`);

  server = await startChild('server', 'server.ts', database.url);
  log(`FHIR server pid ${server.pid} at ${server.url}`);

  const all = searchScenarios(opts.members, opts.seed);
  const unknown = (opts.scenarios ?? []).filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`BENCH_SEARCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
  const chosen = opts.scenarios ? all.filter((s) => opts.scenarios!.includes(s.name)) : all;
  for (const scenario of chosen) {
    const entry: SearchReport['scenarios'][number] = { scenario };
    report.scenarios.push(entry);
    entry.check = await checkScenario(server.url, scenario);
    if (entry.check.status !== 'ok') log(`CHECK ${scenario.name}: ${entry.check.status.toUpperCase()}: ${entry.check.reason}`);
    else log(`check ${scenario.name}: ok (${entry.check.matches} matches)`);
  }

  const pids = { server: server.pid };
  for (const entry of report.scenarios) {
    if (entry.check?.status !== 'ok') continue;
    const s = entry.scenario;
    if (opts.warmup > 0) await measure(server.url, s, opts.connections, opts.warmup, pids);
    if (opts.quietWait > 0) {
      const q = await waitForQuiet(opts.quietWait);
      if (!q.quiet) log(`  the machine is still ${Math.round(q.busy ?? 0)} % busy; measuring anyway`);
    }
    entry.result = await measure(server.url, s, opts.connections, opts.duration, pids);
    if (!server.alive()) throw new Error(`the server exited during the ${s.name} run`);
    const m = entry.result;
    log(`  ${s.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} p99 ${m.p99.toFixed(1)} ms, errors ${m.non2xx + m.errors}`);
  }
  writeReport();
  const broken = report.scenarios.some((s) => s.check?.status === 'failed' || (s.result && s.result.non2xx + s.result.errors > 0));
  return broken ? 1 : 0;
}

const flow = benchFlow({ log, writeReport, cleanup });
await flow.run(main);
