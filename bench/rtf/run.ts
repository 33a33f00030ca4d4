/**
 * `npm run bench:rtf`: the Return Transmission File import of 50,000 rows (issue 9 goal: < 60 s
 * on PostgreSQL), the same file imported again (nothing may change), and `$ecm-clr-metrics` and
 * `$ecm-rtf-export` over the Tasks it updated, written to bench/RTF-RESULTS.md.
 *
 * Env: BENCH_DATABASE_URL (loopback PostgreSQL server, default postgres://postgres@127.0.0.1:5432/),
 * BENCH_RTF_ROWS (50000), BENCH_RTF_PROVIDERS (20), BENCH_RTF_METRICS_RUNS (3),
 * BENCH_QUIET_WAIT (20 s), BENCH_KEEP (keep the database), BENCH_RESULTS, BENCH_TIMEOUT.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLocalDate, localDate, plusDays } from '../../src/ecm/calendar/local-dates.ts';
import { parseCsv } from '../../src/ecm/clr-reports/csv.ts';
import { todayInLosAngeles } from '../../src/ecm/eligibility/dates.ts';
import { batchesOf, writeBatches } from '../assign/load.ts';
import { startPgMonitor } from '../assign/pg-activity.ts';
import { type BenchDatabase, createBenchDatabase, withClient } from '../bench-database.ts';
import { type Child, startChild } from '../children.ts';
import { cpuSnapshot, cpuUsage, waitForQuiet } from '../cpu.ts';
import { machineInfo } from '../machine.ts';
import { PLAN, isBadRow, memberResources, networkResources, providerOf, rtfFile } from './dataset.ts';
import { type RtfBenchOptions, rtfOptionsFromEnv } from './options.ts';
import { type ImportRun, type RtfReport, type TimedCall, renderRtfMarkdown, renderRtfSummary } from './report.ts';
import { benchCommand, benchFlow, dropLogged } from '../bench-flow.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench:rtf] ${message}\n`);

let server: Child | undefined;
let database: BenchDatabase | undefined;
let report: RtfReport | undefined;
let options: RtfBenchOptions | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((err: unknown) => log(`stopping the server: ${String(err)}`));
    if (database && !options?.keep) {
      await dropLogged(database.name, database.drop, log);
    } else if (database) log(`kept database ${database.name} (drop it with: psql -c 'DROP DATABASE ${database.name}')`);
  })();
  return cleaning;
}

function writeReport(failure?: string): void {
  if (!report || !options) return;
  if (failure) report.failure = failure;
  writeFileSync(resolve(ROOT, options.resultsPath), renderRtfMarkdown(report) + '\n');
  process.stdout.write(`\n${renderRtfSummary(report)}\n\nwritten to ${options.resultsPath}\n`);
}

/** The calendar month before today (America/Los_Angeles): the period an RTF reports. */
function previousMonth(today: string): { start: string; end: string } {
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const start = m === 1 ? localDate(y - 1, 12, 1) : localDate(y, m - 1, 1);
  const end = plusDays(localDate(y, m, 1), -1);
  if (!isLocalDate(start) || !isLocalDate(end)) throw new Error(`no previous month of ${today}`);
  return { start, end };
}

/** Other node processes on the machine (other agents' test runs): a count, never their command lines. */
function otherProcesses(): string | undefined {
  try {
    const out = execFileSync('ps', ['-eo', 'pid=,pcpu=,comm='], { encoding: 'utf8' });
    const busy = out.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length >= 3 && Number(f[0]) !== process.pid && Number(f[1]) >= 5);
    return `${busy.length} other process(es) using ≥ 5 % CPU at the start (${[...new Set(busy.map((f) => f[2]))].join(', ') || 'none'})`;
  } catch {
    return undefined;
  }
}

async function quiet(opts: RtfBenchOptions): Promise<void> {
  if (opts.quietWait <= 0) return;
  const q = await waitForQuiet(opts.quietWait);
  if (!q.quiet) log(`  the machine is still ${Math.round(q.busy ?? 0)} % busy; measuring anyway`);
}

async function timed(url: string, init: RequestInit = {}): Promise<{ seconds: number; status: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { seconds: (performance.now() - t0) / 1000, status: res.status, text };
}

async function importFile(base: string, text: string, pid: number): Promise<ImportRun> {
  const before = cpuSnapshot({ server: pid });
  const res = await timed(`${base}/$ecm-rtf-import?format=csv`, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'application/fhir+json' }, body: text });
  const usage = cpuUsage(before, cpuSnapshot({ server: pid }));
  const outcomes: Record<string, number> = {};
  if (res.status === 200) {
    const binary = JSON.parse(res.text) as { data: string };
    const { records } = parseCsv(Buffer.from(binary.data, 'base64').toString('utf8'));
    for (const r of records.slice(1)) outcomes[r.fields[1]] = (outcomes[r.fields[1]] ?? 0) + 1;
  } else log(`  import answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { seconds: res.seconds, status: res.status, outcomes, cpu: { server: usage.pids.server, postgres: usage.postgres, other: usage.other } };
}

async function json(url: string): Promise<{ total?: number; parameter?: { name: string; part?: { name: string; valueInteger?: number; valueReference?: { reference: string } }[] }[] }> {
  const res = await fetch(url, { headers: { accept: 'application/fhir+json' } });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as never;
}

/**
 * Stored versions of the Tasks the good rows updated (their Task B and, relayed, Task A), read in
 * the database: the Tasks of bad rows are left out, the server's escalation sweep may tag them.
 */
async function versionsOfUpdatedTasks(url: string): Promise<number> {
  const rows = await withClient(url, (c) =>
    c.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM resource_history WHERE resource_type = 'Task' AND id ~ '^t[ab]-[0-9]+$' AND substring(id from 4)::int % 100 <> 99`,
    ),
  );
  return Number(rows.rows[0].n);
}

async function main(): Promise<number> {
  options = rtfOptionsFromEnv();
  const opts = options;
  flow.guard(opts.timeout);

  const today = todayInLosAngeles();
  const period = previousMonth(today);
  database = await createBenchDatabase(opts.databaseUrl);
  const db = database;
  report = { machine: machineInfo(), postgres: db.info, command: benchCommand('bench:rtf'), options: opts, database: db.name, date: today, period, loadAverage: loadavg(), otherProcesses: otherProcesses(), problems: [] };
  const r = report;
  log(`database ${db.name}; period ${period.start}..${period.end}`);

  log(`loading ${opts.providers} providers and ${opts.rows} members (4 resources each)`);
  r.load = await writeBatches(db.url, [networkResources(opts.providers), ...batchesOf(opts.rows, opts.loadBatch / 4, (i) => memberResources(i, period, opts.providers))], {
    inFlight: opts.inFlight,
    label: 'members',
    total: opts.rows * 4,
    progress: log,
  });
  // as after any bulk load (autovacuum would, a minute later): the planner needs the new tables' statistics
  await withClient(db.url, (c) => c.query('ANALYZE'));
  log(`loaded ${r.load.resources} resources in ${r.load.seconds.toFixed(1)} s, then ANALYZE`);
  const file = rtfFile(opts.rows, period, opts.providers);
  r.file = { rows: opts.rows, bytes: Buffer.byteLength(file.text), badRows: file.badRows, byReferralId: file.byReferralId };

  server = await startChild('server', 'server.ts', db.url, { nodeArgs: opts.serverNodeArgs });
  const base = `${server.url}/fhir`;
  log(`FHIR server pid ${server.pid} at ${server.url}`);

  await quiet(opts);
  log(`importing ${opts.rows} rows`);
  const monitor = await startPgMonitor(db.url, 20);
  r.first = await importFile(base, file.text, server.pid);
  r.pg = await monitor.stop();
  log(`  ${r.first.seconds.toFixed(1)} s: ${JSON.stringify(r.first.outcomes)}`);
  const expectUpdated = opts.rows - file.badRows;
  if (r.first.status !== 200) r.problems.push(`the first import answered ${r.first.status}`);
  if ((r.first.outcomes.updated ?? 0) !== expectUpdated) r.problems.push(`first import: ${r.first.outcomes.updated ?? 0} rows updated, expected ${expectUpdated}`);
  if ((r.first.outcomes.failed ?? 0) !== file.badRows) r.problems.push(`first import: ${r.first.outcomes.failed ?? 0} rows failed, expected ${file.badRows}`);

  const found: Record<string, number> = {};
  for (const status of Object.keys({ ...file.expected, 'in-progress': 0, completed: 0 })) {
    found[status] = (await json(`${base}/Task?code=http://hl7.org/fhir/CodeSystem/task-code|fulfill&requester=Organization/${PLAN}&status=${status}&_summary=count`)).total ?? 0;
    if (found[status] !== (file.expected[status] ?? 0)) r.problems.push(`Task B with status ${status}: ${found[status]}, expected ${file.expected[status] ?? 0}`);
  }
  const historyBefore = await versionsOfUpdatedTasks(db.url);

  await quiet(opts);
  log('importing the same file again');
  r.second = await importFile(base, file.text, server.pid);
  log(`  ${r.second.seconds.toFixed(1)} s: ${JSON.stringify(r.second.outcomes)}`);
  if ((r.second.outcomes.unchanged ?? 0) !== expectUpdated || (r.second.outcomes.updated ?? 0) !== 0) r.problems.push(`second import: ${JSON.stringify(r.second.outcomes)}, expected ${expectUpdated} unchanged`);
  const historyAfter = await versionsOfUpdatedTasks(db.url);
  if (historyAfter !== historyBefore) r.problems.push(`the second import added ${historyAfter - historyBefore} Task versions`);
  r.state = { expected: file.expected, found, historyBefore, historyAfter };

  await quiet(opts);
  const q = `start=${period.start}&end=${period.end}`;
  const metricsUrl = `${base}/$ecm-clr-metrics?${q}`;
  const calls: TimedCall[] = [
    { label: `GET $ecm-clr-metrics (system, Parameters) over ${(opts.rows * 2).toLocaleString('en-US')} Tasks`, seconds: [], status: 0, bytes: 0 },
    { label: 'GET $ecm-clr-metrics format=csv', seconds: [], status: 0, bytes: 0 },
    { label: 'GET Organization/prov-1/$ecm-clr-metrics', seconds: [], status: 0, bytes: 0 },
  ];
  const urls = [metricsUrl, `${metricsUrl}&format=csv`, `${base}/Organization/prov-1/$ecm-clr-metrics?${q}`];
  for (let run = 0; run < opts.metricsRuns; run++) {
    for (let k = 0; k < calls.length; k++) {
      const res = await timed(urls[k], { headers: { accept: 'application/fhir+json' } });
      calls[k].seconds.push(res.seconds);
      calls[k].status = res.status;
      calls[k].bytes = res.text.length;
    }
  }
  r.metrics = calls;
  log(`  metrics: ${calls.map((c) => `${c.seconds.map((s) => s.toFixed(2)).join('/')} s`).join('; ')}`);
  // The figures against the dataset: each provider's Task B count, the pending and overdue ones.
  const body = await json(metricsUrl);
  const providers = (body.parameter ?? []).filter((p) => p.name === 'provider').map((p) => Object.fromEntries((p.part ?? []).map((x) => [x.name, x.valueInteger ?? x.valueReference?.reference])));
  const expectTotal: Record<string, number> = {};
  const expectPending: Record<string, number> = {};
  const expectOverdue: Record<string, number> = {};
  const pendingStatus = new Set(['accepted', 'in-progress']);
  const cycle = ['accepted', 'accepted', 'accepted', 'in-progress', 'in-progress', 'completed', 'completed', 'completed', 'failed', 'rejected'];
  for (let i = 0; i < opts.rows; i++) {
    const p = `Organization/${providerOf(i, opts.providers)}`;
    expectTotal[p] = (expectTotal[p] ?? 0) + 1;
    if (isBadRow(i) || pendingStatus.has(cycle[i % 10])) expectPending[p] = (expectPending[p] ?? 0) + 1;
    if (isBadRow(i) && i % 3 === 0) expectOverdue[p] = (expectOverdue[p] ?? 0) + 1;
  }
  let mismatches = 0;
  for (const p of providers) {
    const key = String(p.provider);
    if (key === `Organization/${PLAN}`) {
      if (p.total !== opts.rows) r.problems.push(`metrics: the plan's own Tasks ${String(p.total)}, expected ${opts.rows}`);
      continue;
    }
    if (p.total !== expectTotal[key] || p.pending !== (expectPending[key] ?? 0) || p.overdue !== (expectOverdue[key] ?? 0)) {
      mismatches++;
      r.problems.push(`metrics ${key}: total ${String(p.total)} pending ${String(p.pending)} overdue ${String(p.overdue)}, expected ${expectTotal[key]} / ${expectPending[key] ?? 0} / ${expectOverdue[key] ?? 0}`);
    }
  }
  r.metricsCheck = [
    `${providers.length} provider parts (the plan and ${opts.providers} providers); each provider's total, pending and overdue counts ${mismatches === 0 ? 'match' : 'do NOT match'} the dataset.`,
  ];

  await quiet(opts);
  const exp = await timed(`${base}/$ecm-rtf-export?${q}`, { headers: { accept: 'text/csv' } });
  const exportLines = exp.text.split('\r\n').filter((l) => l !== '').length - 1;
  r.exportCall = { label: 'GET $ecm-rtf-export (Accept: text/csv)', seconds: [exp.seconds], status: exp.status, bytes: exp.text.length, lines: exportLines };
  if (exportLines !== opts.rows * 2) r.problems.push(`export: ${exportLines} rows, expected ${opts.rows * 2}`);
  log(`  export: ${exp.seconds.toFixed(2)} s, ${exportLines} rows`);

  if (!server.alive()) throw new Error('the server exited during the run');
  writeReport();
  return r.problems.length > 0 ? 1 : 0;
}

const flow = benchFlow({ log, writeReport, cleanup });
await flow.run(main);
