/**
 * `npm run bench:eligibility`: the population run and single-member `$ecm-eligibility` on a
 * generated population in PostgreSQL (issue 6, bench/README.md "Eligibility benchmark"), written
 * to bench/ELIGIBILITY-RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '../children.ts';
import { waitForQuiet } from '../cpu.ts';
import { machineInfo } from '../machine.ts';
import { datasetSize, dropDatabase } from '../search/database.ts';
import { measure } from '../search/measure.ts';
import { type EligibilityDatabase, eligibilityDatabase, populate } from './database.ts';
import { type EligibilityBenchOptions, eligibilityOptionsFromEnv } from './options.ts';
import { measurePopulation } from './population.ts';
import { type EligibilityReport, renderEligibilityMarkdown, renderEligibilitySummary } from './report.ts';
import { checkSample, singleScenario, spreadMembers } from './single.ts';
import { benchCommand, benchFlow, dropLogged } from '../bench-flow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench:eligibility] ${message}\n`);

let server: Child | undefined;
let database: EligibilityDatabase | undefined;
/** Set once the population is in: a half-made copy or load is dropped even when BENCH_ELIG_KEEP is set. */
let populated = false;
let report: EligibilityReport | undefined;
let options: EligibilityBenchOptions | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((err: unknown) => log(`stopping the server: ${String(err)}`));
    if (database && (!database.kept || !populated)) {
      const drop = database.kept ? () => dropDatabase(options!.databaseUrl, database!.name) : database.release;
      await dropLogged(database.name, drop, log);
    } else if (database) log(`kept database ${database.name} (drop it with: psql -c 'DROP DATABASE ${database.name}')`);
  })();
  return cleaning;
}

function writeReport(failure?: string): void {
  if (!report || !options) return;
  if (failure) report.failure = failure;
  writeFileSync(resolve(ROOT, options.resultsPath), renderEligibilityMarkdown(report) + '\n');
  process.stdout.write(`\n${renderEligibilitySummary(report)}\n\nwritten to ${options.resultsPath}\n`);
}

async function quiet(opts: EligibilityBenchOptions): Promise<void> {
  if (opts.quietWait <= 0) return;
  const q = await waitForQuiet(opts.quietWait);
  if (!q.quiet) log(`  the machine is still ${Math.round(q.busy ?? 0)} % busy; measuring anyway`);
}

async function main(): Promise<number> {
  options = eligibilityOptionsFromEnv();
  const opts = options;
  flow.guard(opts.timeout);

  const db = (database = eligibilityDatabase(opts));
  report = { machine: machineInfo(), command: benchCommand('bench:eligibility'), options: opts, database: { name: db.name, kept: db.kept } };
  report.population = await populate(db, opts, log);
  populated = true;
  report.dataset = await datasetSize(db.url);
  log(`dataset: ${report.dataset.total} resources, ${report.dataset.pretty}`);

  // A copy loaded under earlier migrations is migrated at start: index builds over millions of rows.
  server = await startChild('server', 'server.ts', db.url, { nodeArgs: opts.serverNodeArgs, startTimeoutMs: 900_000 });
  log(`FHIR server pid ${server.pid} at ${server.url}`);

  await quiet(opts);
  log(`population run over ${opts.members} members (date ${opts.date})`);
  report.run = await measurePopulation(server.url, server.pid, opts.date, log);
  const run = report.run;
  log(`  ${run.members} members in ${run.seconds.toFixed(1)} s (${Math.round(run.members / run.seconds)}/s), eligible ${run.eligible}, peak RSS ${Math.round((run.peakRssBytes ?? NaN) / 1024 ** 2)} MiB`);

  log(`asking ${Math.min(opts.sample, opts.members)} members one by one`);
  report.sample = await checkSample(server.url, spreadMembers(opts.members, opts.sample), opts.date, run.listed);
  if (report.sample.disagreements.length > 0) log(`  ${report.sample.disagreements.length} disagree with the population list, e.g. ${report.sample.disagreements[0]}`);

  const scenario = singleScenario(opts.members, opts.distinctMembers, opts.date);
  const pids = { server: server.pid };
  if (opts.warmup > 0) await measure(server.url, scenario, opts.connections, opts.warmup, pids);
  await quiet(opts);
  report.single = await measure(server.url, scenario, opts.connections, opts.duration, pids);
  if (!server.alive()) throw new Error('the server exited during the single-member run');
  const m = report.single;
  log(`  single: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} p99 ${m.p99.toFixed(1)} ms, errors ${m.non2xx + m.errors}`);

  writeReport();
  return report.sample.disagreements.length > 0 || m.non2xx + m.errors > 0 ? 1 : 0;
}

const flow = benchFlow({ log, writeReport, cleanup });
await flow.run(main);
