/**
 * `npm run bench:assign`: `$ecm-assign` throughput over a generated Kern network and its
 * authorized members, and the overdue-authorization searches, on PostgreSQL (issue 8,
 * bench/README.md "Assignment benchmark"), written to bench/ASSIGN-RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localDateOf } from '../../src/ecm/calendar/local-dates.ts';
import { type BenchDatabase, createBenchDatabase } from '../bench-database.ts';
import { type Child, startChild } from '../children.ts';
import { waitForQuiet } from '../cpu.ts';
import { machineInfo } from '../machine.ts';
import { checkScenario } from '../search/check.ts';
import { datasetSize } from '../search/database.ts';
import { measure } from '../search/measure.ts';
import { runAssignments } from './assign-run.ts';
import { summarizeProfile } from './cpu-profile.ts';
import { type AuthorizationFacts, authorization, memberResources, networkResources } from './dataset.ts';
import { batchesOf, writeBatches } from './load.ts';
import { startPgMonitor } from './pg-activity.ts';
import { type AssignBenchOptions, assignOptionsFromEnv } from './options.ts';
import { type AssignReport, renderAssignMarkdown, renderAssignSummary, windowSize } from './report.ts';
import { countMismatches, overdueScenarios } from './searches.ts';
import { readAssignmentState } from './state.ts';
import { onePerKind, validateSample } from './validate-sample.ts';
import { benchCommand, benchFlow, dropLogged } from '../bench-flow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench:assign] ${message}\n`);

let server: Child | undefined;
let database: BenchDatabase | undefined;
let report: AssignReport | undefined;
let options: AssignBenchOptions | undefined;
let profileFile: string | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((err: unknown) => log(`stopping the server: ${String(err)}`));
    if (profileFile && !options?.keep) rmSync(profileFile, { force: true });
    else if (profileFile) log(`kept the server CPU profile ${profileFile}`);
    if (database && !options?.keep) {
      await dropLogged(database.name, database.drop, log);
    } else if (database) log(`kept database ${database.name} (drop it with: psql -c 'DROP DATABASE ${database.name}')`);
  })();
  return cleaning;
}

function writeReport(failure?: string): void {
  if (!report || !options) return;
  if (failure) report.failure = failure;
  writeFileSync(resolve(ROOT, options.resultsPath), renderAssignMarkdown(report) + '\n');
  process.stdout.write(`\n${renderAssignSummary(report)}\n\nwritten to ${options.resultsPath}\n`);
}

async function quiet(opts: AssignBenchOptions): Promise<void> {
  if (opts.quietWait <= 0) return;
  const q = await waitForQuiet(opts.quietWait);
  if (!q.quiet) log(`  the machine is still ${Math.round(q.busy ?? 0)} % busy; measuring anyway`);
}

async function main(): Promise<number> {
  options = assignOptionsFromEnv();
  const opts = options;
  flow.guard(opts.timeout);

  const today = localDateOf(new Date());
  database = await createBenchDatabase(opts.databaseUrl);
  const db = database;
  report = { machine: machineInfo(), postgres: db.info, command: benchCommand('bench:assign', ['BENCH_ASSIGN_PROFILE_FILE']), options: opts, database: db.name, date: today };
  log(`database ${db.name}; assignment date ${today}`);

  log(`loading the network (${opts.providers} providers) and ${opts.members} members`);
  const memberLoad = await writeBatches(db.url, [networkResources(opts.providers), ...batchesOf(opts.members, opts.membersPerBatch, (n) => memberResources(n, today))], {
    inFlight: opts.inFlight, label: 'members', total: opts.members * 4, progress: log,
  });
  report.memberLoad = memberLoad;
  report.datasetBefore = await datasetSize(db.url);
  log(`loaded ${memberLoad.resources} resources in ${memberLoad.seconds.toFixed(1)} s; ${report.datasetBefore.pretty}`);

  profileFile = opts.profileSeconds > 0 ? join(tmpdir(), `bench-assign-${randomBytes(6).toString('hex')}.cpuprofile`) : undefined;
  server = await startChild('server', 'assign/server.ts', db.url, { nodeArgs: opts.serverNodeArgs, env: profileFile ? { BENCH_ASSIGN_PROFILE_FILE: profileFile } : {} });
  log(`FHIR server pid ${server.pid} at ${server.url}`);
  const kinds = onePerKind([
    ...networkResources(opts.providers),
    ...Array.from({ length: 10 }, (_, n) => memberResources(n, today)).flat(),
    ...Array.from({ length: 50 }, (_, k) => authorization(k, opts.members, new Date(), opts.providers).resource),
  ]);
  report.validation = await validateSample(server.url, kinds);
  for (const e of report.validation.errors) log(`  $validate: ${e}`);
  await quiet(opts);
  log(`assigning ${opts.members} members with ${opts.connections} clients (budget ${opts.budget} s)`);
  const run = await runAssignments({
    serverUrl: server.url,
    serverPid: server.pid,
    databaseUrl: db.url,
    members: opts.members,
    connections: opts.connections,
    budgetSeconds: opts.budget,
    date: today,
    block: windowSize(opts.members),
    profileAt: Math.floor(opts.members * 0.4),
    profileSeconds: opts.profileSeconds,
    ...(profileFile ? { profileFile } : {}),
    log,
  });
  report.run = run;
  log(`  ${run.assigned.length} assigned in ${run.seconds.toFixed(1)} s (${(run.assigned.length / run.seconds).toFixed(1)}/s), ${run.failed.length} failed`);
  if (!server.alive()) throw new Error('the server exited during the assignment run');
  await server.stop();
  server = undefined;
  if (run.profile) report.profile = summarizeProfile(run.profile.file);
  report.state = await readAssignmentState(db.url, run.assigned.length);
  for (const p of report.state.problems) log(`  STATE: ${p}`);

  log(`loading ${opts.auths} authorizations for the overdue searches`);
  const generatedAt = new Date();
  const facts: AuthorizationFacts[] = [];
  report.authLoad = await writeBatches(
    db.url,
    batchesOf(opts.auths, 1000, (k) => {
      const a = authorization(k, opts.members, generatedAt, opts.providers);
      facts.push(a.facts);
      return [a.resource];
    }),
    { inFlight: opts.inFlight, label: 'authorizations', total: opts.auths, progress: log },
  );
  report.authFacts = facts.reduce<Record<string, number>>((m, f) => ((m[f.kind] = (m[f.kind] ?? 0) + 1), m), {});
  report.datasetAfter = await datasetSize(db.url);
  log(`loaded ${report.authLoad.resources} in ${report.authLoad.seconds.toFixed(1)} s; ${report.datasetAfter.pretty}`);

  server = await startChild('server', 'server.ts', db.url, { nodeArgs: opts.serverNodeArgs });
  log(`FHIR server (fresh) pid ${server.pid} at ${server.url}`);
  const pids = { server: server.pid };
  report.searches = [];
  for (const scenario of overdueScenarios(new Date(), localDateOf(new Date()), facts)) {
    const entry: NonNullable<AssignReport['searches']>[number] = { scenario, expected: scenario.expected(scenario.paths[0]) };
    report.searches.push(entry);
    entry.check = await checkScenario(server.url, scenario);
    entry.countMismatches = await countMismatches(server.url, scenario);
    if (entry.check.status !== 'ok') log(`CHECK ${scenario.name}: ${entry.check.status.toUpperCase()}: ${entry.check.reason}`);
    for (const m of entry.countMismatches) log(`COUNT ${scenario.name}: ${m.path}: ${m.found} matches, expected ${m.expected}`);
    if (entry.check.status !== 'ok') continue;
    if (opts.warmup > 0) await measure(server.url, scenario, opts.searchConnections, opts.warmup, pids);
    await quiet(opts);
    const monitor = await startPgMonitor(db.url, 20);
    entry.result = await measure(server.url, scenario, opts.searchConnections, opts.duration, pids);
    entry.pg = (await monitor.stop()).activity;
    if (!server.alive()) throw new Error(`the server exited during the ${scenario.name} run`);
    const m = entry.result;
    log(`  ${scenario.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(1)} p95 ${m.p95.toFixed(1)} p99 ${m.p99.toFixed(1)} ms, errors ${m.non2xx + m.errors}`);
  }
  writeReport();
  const broken =
    run.failed.length > 0 ||
    report.state.problems.length > 0 ||
    report.searches.some((s) => s.check?.status !== 'ok' || (s.countMismatches?.length ?? 0) > 0 || (s.result && s.result.non2xx + s.result.errors > 0));
  return broken ? 1 : 0;
}

const flow = benchFlow({ log, writeReport, cleanup });
await flow.run(main);
