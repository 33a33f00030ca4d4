import type { MachineInfo } from '../machine.ts';
import { cpuUsage } from '../cpu.ts';
import type { CheckResult } from '../search/check.ts';
import type { Measurement } from '../search/measure.ts';
import type { AssignRecord, AssignRun } from './assign-run.ts';
import type { ProfileSummary } from './cpu-profile.ts';
import type { PgActivity } from './pg-activity.ts';
import { PLAN, providerSpec } from './dataset.ts';
import type { WriteOutcome } from './load.ts';
import type { AssignBenchOptions } from './options.ts';
import { OVERDUE_P95_GOAL_MS, type OverdueScenario } from './searches.ts';
import type { AssignmentState } from './state.ts';
import type { SampleValidation } from './validate-sample.ts';

/** Issue 8: `$ecm-assign` over 10,000 members at ≥ 200 assignments/s; overdue searches over 100,000 authorizations p95 < 20 ms. */
export const THROUGHPUT_GOAL = 200;
export const FULL_MEMBERS = 10_000;
export const FULL_AUTHS = 100_000;

export interface AssignReport {
  machine: MachineInfo;
  postgres: { version: string; settings: Record<string, string> };
  command: string;
  options: AssignBenchOptions;
  database: string;
  /** The assignment date (today in America/Los_Angeles). */
  date: string;
  memberLoad?: WriteOutcome;
  datasetBefore?: Dataset;
  validation?: SampleValidation;
  run?: AssignRun;
  profile?: ProfileSummary;
  state?: AssignmentState;
  authLoad?: WriteOutcome;
  authFacts?: Record<string, number>;
  datasetAfter?: Dataset;
  searches?: {
    scenario: OverdueScenario;
    expected: number;
    check?: CheckResult;
    countMismatches?: { path: string; expected: number; found: number | string }[];
    result?: Measurement;
    /** PostgreSQL activity during the measured run. */
    pg?: PgActivity;
  }[];
  failure?: string;
}

interface Dataset {
  perType: Record<string, number>;
  total: number;
  pretty: string;
}

/** Assignments compared at the start and the end of the run, and the size of each block of the growth table. */
export function windowSize(members: number): number {
  return Math.max(1, Math.min(1000, Math.floor(members / 5)));
}

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const one = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(0)} %`);
const share = (v: number) => `${(100 * v).toFixed(1)} %`;
const kib = (b: number) => `${int(b / 1024)} KiB`;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const latencies = (rs: AssignRecord[]) => rs.map((r) => r.end - r.start);

export interface Window {
  label: string;
  count: number;
  seconds: number;
  rate: number;
  p50: number;
  p95: number;
  p99: number;
}

function window(label: string, rs: AssignRecord[], from: number, to: number): Window {
  const seconds = (to - from) / 1000;
  const l = latencies(rs);
  return { label, count: rs.length, seconds, rate: rs.length / seconds, p50: percentile(l, 0.5), p95: percentile(l, 0.95), p99: percentile(l, 0.99) };
}

/** The whole run, its first `size` assignments (from the start) and its last `size` (from the completion before them). */
export function windows(run: AssignRun): Window[] {
  const a = run.assigned;
  const out = [window('All', a, 0, run.seconds * 1000)];
  const size = windowSize(run.members);
  if (a.length >= 2 * size) {
    out.push(window(`First ${int(size)}`, a.slice(0, size), 0, a[size - 1].end));
    out.push(window(`Last ${int(size)}`, a.slice(-size), a[a.length - size - 1].end, a[a.length - 1].end));
  }
  return out;
}

interface BlockRow {
  from: number;
  to: number;
  rate: number;
  p50: number;
  p95: number;
  serverMs: number;
  postgresMs: number;
  walKib: number;
  largestGroup: number;
  meanGroup: number;
}

function blocks(run: AssignRun): BlockRow[] {
  const rows: BlockRow[] = [];
  const perProvider = new Map<string, number>();
  for (let i = 1; i < run.checkpoints.length; i++) {
    const a = run.checkpoints[i - 1];
    const b = run.checkpoints[i];
    const rs = run.assigned.slice(a.done, b.done);
    if (rs.length === 0) continue;
    for (const r of rs) if (r.provider) perProvider.set(r.provider, (perProvider.get(r.provider) ?? 0) + 1);
    const seconds = (b.t - a.t) / 1000;
    const cpu = cpuUsage(a.cpu, b.cpu);
    const perAssignment = (p: number | undefined) => (p === undefined ? NaN : ((p / 100) * seconds * 1000) / rs.length);
    const l = latencies(rs);
    rows.push({
      from: a.done + 1,
      to: b.done,
      rate: rs.length / seconds,
      p50: percentile(l, 0.5),
      p95: percentile(l, 0.95),
      serverMs: perAssignment(cpu.pids.server),
      postgresMs: perAssignment(cpu.postgres),
      walKib: (run.blockWal[i - 1] ?? NaN) / 1024 / rs.length,
      largestGroup: Math.max(...perProvider.values()),
      meanGroup: b.done / perProvider.size,
    });
  }
  return rows;
}

type Status = string;

export function goals(r: AssignReport): { label: string; measured: string; status: Status }[] {
  const out: { label: string; measured: string; status: Status }[] = [];
  const run = r.run;
  const small = (n: number, full: number, what: string) => (n < full ? ` (on ${int(n)} ${what}, not the full ${int(full)})` : '');
  if (!run) out.push({ label: `\`$ecm-assign\` ≥ ${THROUGHPUT_GOAL} assignments/s over ${int(FULL_MEMBERS)} members`, measured: '–', status: 'not measured' });
  else {
    const rate = run.assigned.length / run.seconds;
    const complete = run.assigned.length === run.members && run.failed.length === 0;
    out.push({
      label: `\`$ecm-assign\` ≥ ${THROUGHPUT_GOAL} assignments/s over ${int(FULL_MEMBERS)} members, ${run.connections} clients`,
      measured: `${one(rate)} assignments/s`,
      status: `${!complete ? 'not met (not every member assigned)' : rate >= THROUGHPUT_GOAL ? 'met' : 'not met'}${small(run.members, FULL_MEMBERS, 'members')}`,
    });
  }
  for (const s of r.searches ?? []) {
    const m = s.result;
    const clean = s.check?.status === 'ok' && (s.countMismatches?.length ?? 0) === 0 && m && m.non2xx + m.errors === 0;
    out.push({
      label: `${s.scenario.label} p95 < ${OVERDUE_P95_GOAL_MS} ms, ${r.options.searchConnections} connections`,
      measured: m ? `p95 ${ms(m.p95)} ms` : '–',
      status: !m ? 'not measured' : `${!clean ? 'not met (errors or wrong matches)' : m.p95 < OVERDUE_P95_GOAL_MS ? 'met' : 'not met'}${small(r.options.auths, FULL_AUTHS, 'authorizations')}`,
    });
  }
  return out;
}

const bold = (s: Status) => (s.startsWith('met') || s.startsWith('not met') ? `**${s.split(' (')[0]}**${s.includes(' (') ? ` (${s.split(' (').slice(1).join(' (')}` : ''}` : s);

function datasetTable(out: string[], d: Dataset): void {
  out.push('| Resource type | Resources |', '|---|---:|');
  for (const [t, n] of Object.entries(d.perType)) out.push(`| ${t} | ${int(n)} |`);
  out.push(`| **Total** | **${int(d.total)}** |`, '', `Database size: ${d.pretty}.`, '');
}

function networkTable(out: string[], providers: number): void {
  out.push('| Providers | POFs contracted | Languages | Behavioral health |', '|---|---|---|---|');
  const rows = new Map<string, number[]>();
  for (let i = 0; i < providers; i++) {
    const s = providerSpec(i);
    const key = `${s.pofs.join(', ')} | ${s.languages.join(', ')} | ${s.behavioralHealth ? 'yes' : 'no'}`;
    rows.set(key, [...(rows.get(key) ?? []), i + 1]);
  }
  for (const [key, ids] of rows) out.push(`| ${ids.join(', ')} | ${key} |`);
  out.push('');
}

function runSection(out: string[], r: AssignReport, run: AssignRun): void {
  const rate = run.assigned.length / run.seconds;
  out.push(`## \`$ecm-assign\`: ${run.connections} clients, ${int(run.members)} members`, '');
  out.push(
    `Each client POSTs \`ServiceRequest/{authorization}/$ecm-assign\` (\`date\` ${run.date}) for the next member not yet taken, until every member is ` +
      `assigned${run.budgetSpent ? ` — **the time budget of ${r.options.budget} s ran out first**` : ''}. Latency = request sent to answer read, client retries included.`,
    '',
  );
  const wasted = run.pg.counters.rollbacks;
  out.push('| Assigned | Failed | Wall time | Assignments/s | p50 ms | p95 ms | p99 ms | Client retries | Transactions rolled back (server retries) |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const all = windows(run)[0];
  out.push(`| ${int(run.assigned.length)} | ${int(run.failed.length)} | ${one(run.seconds)} s | **${one(rate)}** | ${ms(all.p50)} | ${ms(all.p95)} | ${ms(all.p99)} | ${int(run.clientRetries)} | ${int(wasted)} (${share(wasted / Math.max(1, run.assigned.length))} of assignments) |`, '');
  out.push(
    `CPU meanwhile (% of one core): server ${pct(run.cpu.pids.server)}, PostgreSQL ${pct(run.cpu.postgres)}, benchmark client ${pct(run.cpu.loadGenerator)}, ` +
      `other processes ${pct(run.cpu.other)}; machine ${pct(run.cpu.machineBusy)} busy.` +
      ((run.cpu.other ?? 0) > 25 ? ' **Disturbed:** other processes used more than a quarter of a core: the figures are worse than on a quiet machine.' : ''),
    '',
  );
  const perAssign = (p: number | undefined) => (p === undefined ? '–' : `${((p / 100) * run.seconds * 1000 / Math.max(1, run.assigned.length)).toFixed(1)} ms`);
  out.push(`CPU per assignment: server ${perAssign(run.cpu.pids.server)}, PostgreSQL ${perAssign(run.cpu.postgres)}, client ${perAssign(run.cpu.loadGenerator)}.`, '');
  if (run.errorSamples.length > 0) {
    out.push('Failures (first answers):', '');
    for (const e of run.errorSamples) out.push(`- ${e.status}: \`${e.body.replace(/`/g, "'").replace(/\s+/g, ' ')}\``);
    out.push('');
  }
  const steps = new Map<string, number>();
  for (const a of run.assigned) steps.set(a.step ?? '?', (steps.get(a.step ?? '?') ?? 0) + 1);
  out.push(`Winning steps: ${[...steps.entries()].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${int(n)}`).join(', ')}.`, '');

  out.push('### Does it slow down as the attribution Groups grow?', '');
  out.push(
    'Every assignment rewrites its provider\'s attribution Group (plan + provider) with one more member entry: the whole resource, its history row and its ' +
      'search index rows. First and last assignments of the run:',
    '',
  );
  out.push('| Assignments | Count | Seconds | Assignments/s | p50 ms | p95 ms | p99 ms |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const w of windows(run)) out.push(`| ${w.label} | ${int(w.count)} | ${one(w.seconds)} | ${one(w.rate)} | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.p99)} |`);
  out.push('');
  const rows = blocks(run);
  if (rows.length > 1) {
    out.push('By block of assignments (Group sizes from the answers: members per provider Group at the end of the block):', '');
    out.push('| Assignments | Assignments/s | p50 ms | p95 ms | Server CPU ms / assignment | PostgreSQL CPU ms / assignment | WAL KiB / assignment | Largest Group | Mean Group |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const b of rows) {
      out.push(`| ${int(b.from)}–${int(b.to)} | ${one(b.rate)} | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.serverMs)} | ${ms(b.postgresMs)} | ${one(b.walKib)} | ${int(b.largestGroup)} | ${int(b.meanGroup)} |`);
    }
    out.push('');
  }
}

function stateSection(out: string[], s: AssignmentState, run: AssignRun): void {
  out.push('### What the run wrote', '');
  out.push(
    `${int(s.episodes)} EpisodeOfCare (${int(s.patientsWithEpisode)} members), ${int(s.careTeams)} CareTeam, ${int(s.communications)} Communication, ` +
      `${int(s.provenances)} Provenance; ${int(s.requestsWithPerformer)} authorizations with a performer; ${int(s.capacityUsed)} places of capacity used.`,
    '',
  );
  if (s.problems.length === 0) out.push(`Consistent with the ${int(run.assigned.length)} successful answers: one enrollment per member, one Group entry per assignment, one place used per assignment.`, '');
  else {
    out.push('**Inconsistent with the successful answers:**', '');
    for (const p of s.problems) out.push(`- ${p}`);
    out.push('');
  }
  if (s.groups.length > 0) {
    const total = s.groups.reduce((n, g) => n + g.bytes, 0);
    out.push(
      `${s.groups.length} attribution Groups: ${int(s.groups[s.groups.length - 1].members)} to ${int(s.groups[0].members)} members, ` +
        `${kib(s.groups[s.groups.length - 1].bytes)} to ${kib(s.groups[0].bytes)} of JSON each (${kib(total)} together); ` +
        `their history holds ${int(s.groups.reduce((n, g) => n + g.versions, 0))} versions, ${int(s.historyBytes / 1024 ** 2)} MiB of JSON.`,
      '',
    );
  }
}

function timeSection(out: string[], r: AssignReport, run: AssignRun): void {
  out.push('### Where the time goes', '');
  const a = run.pg.activity;
  const c = run.pg.counters;
  const n = Math.max(1, run.assigned.length);
  out.push(
    `PostgreSQL, from \`pg_stat_activity\` sampled every 20 ms (${int(a.rounds)} samples): on average ${(a.active / Math.max(1, a.rounds)).toFixed(2)} backends ` +
      `running a statement and ${(a.idleInTransaction / Math.max(1, a.rounds)).toFixed(2)} transactions open but waiting for the server (idle in transaction). ` +
      'Statements by share of the samples that ran them:',
    '',
  );
  out.push('| Statement | Share of running samples | Of which waiting on a lock | Other waits |', '|---|---:|---:|---|');
  for (const s of a.statements.slice(0, 12)) {
    const waits = Object.entries(s.otherWaits).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k} ${share(v / s.samples)}`).join(', ');
    out.push(`| \`${s.label.replace(/\|/g, '\\|').replace(/`/g, "'")}\` | ${share(s.samples / Math.max(1, a.active))} | ${share(s.lockWaits / s.samples)} | ${waits || '–'} |`);
  }
  out.push('');
  out.push(`WAL written: ${one(c.walBytes / 1024 / n)} KiB per assignment (${int(c.walBytes / 1024 ** 2)} MiB in all). Blocks read from disk / found in shared buffers: ${int(c.blocksRead)} / ${int(c.blocksHit)}.`, '');
  out.push('Rows written per assignment, by table:', '');
  out.push('| Table | Inserted | Updated | Deleted |', '|---|---:|---:|---:|');
  for (const [t, d] of Object.entries(c.tables).sort((x, y) => y[1].inserted + y[1].deleted - (x[1].inserted + x[1].deleted))) {
    out.push(`| ${t} | ${one(d.inserted / n)} | ${one(d.updated / n)} | ${one(d.deleted / n)} |`);
  }
  out.push('');
  const p = r.profile;
  if (p && run.profile) {
    const done = run.profile.doneTo - run.profile.doneFrom;
    out.push(
      `Server CPU profile (V8 sampling profiler, ${one(p.seconds)} s from assignment ${int(run.profile.doneFrom)}, ${int(done)} assignments in the window; ` +
        `the main thread was busy ${share(p.busyShare)} of it). Self time by area, as a share of the busy time:`,
      '',
    );
    out.push('| Area | Share |', '|---|---:|');
    for (const x of p.areas.filter((x) => x.share >= 0.005)) out.push(`| ${x.area} | ${share(x.share)} |`);
    out.push('', 'Functions with the most self time:', '', '| Function | Share |', '|---|---:|');
    for (const x of p.self) out.push(`| \`${x.fn}\` | ${share(x.share)} |`);
    out.push('', 'Project functions by time spent in them and what they called (inclusive):', '', '| Function | Share |', '|---|---:|');
    for (const x of p.inclusive) out.push(`| \`${x.fn}\` | ${share(x.share)} |`);
    out.push('');
  }
}

function searchSection(out: string[], r: AssignReport): void {
  const searches = r.searches ?? [];
  if (searches.length === 0) return;
  out.push('## Overdue-authorization searches', '');
  if (r.authFacts && r.authLoad) {
    out.push(
      `${int(r.authLoad.resources)} further authorizations loaded after the assignment run (${one(r.authLoad.seconds)} s, about the members above, ` +
        `server-owned extensions computed as the server computes them): ${Object.entries(r.authFacts).map(([k, v]) => `${k} ${int(v)}`).join(', ')}; ` +
        `with the members' own ${int(r.options.members)}, ${int((r.datasetAfter?.perType.ServiceRequest ?? NaN))} ServiceRequests in all.`,
      '',
    );
  }
  out.push(
    `autocannon, ${r.options.searchConnections} connections, ${r.options.duration} s after ${r.options.warmup} s of warm-up, on a freshly started server, cycling through ` +
      'the thresholds (decision due before now and 1-11 hours before; assignment due before today and 1-6 days before). Every threshold\'s number of matches ' +
      '(`_summary=count`) was compared with the generator\'s before measuring.',
    '',
  );
  out.push('| Search | Matches (first threshold) | Requests/s | p50 ms | p95 ms | p99 ms | Requests | Errors | Server CPU | PostgreSQL CPU |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of searches) {
    const m = s.result;
    if (!m) {
      out.push(`| ${s.scenario.label} | ${int(s.expected)} | not measured: ${s.check?.status === 'ok' ? '' : (s.check as { reason?: string } | undefined)?.reason ?? 'no check'} ||||||||`);
      continue;
    }
    out.push(
      `| ${s.scenario.label} | ${int(s.expected)} | ${int(m.rps)} | ${ms(m.p50)} | **${ms(m.p95)}** | ${ms(m.p99)} | ${int(m.requests)} | ${int(m.non2xx + m.errors)} | ${pct(m.cpu.pids.server)} | ${pct(m.cpu.postgres)} |`,
    );
  }
  out.push('');
  for (const s of searches) for (const c of s.countMismatches ?? []) out.push(`- **Wrong count** for \`${c.path}\`: ${c.found}, expected ${c.expected}`);
  for (const s of searches) {
    const a = s.pg;
    if (!a || a.active === 0) continue;
    out.push(
      `PostgreSQL during ${s.scenario.label} (\`pg_stat_activity\` every 20 ms, ${(a.active / Math.max(1, a.rounds)).toFixed(2)} backends running a statement on average): ` +
        a.statements.slice(0, 3).map((x) => `\`${x.label.replace(/`/g, "'")}\` ${share(x.samples / a.active)}`).join('; ') + '.',
      '',
    );
  }
}

export function renderAssignMarkdown(r: AssignReport): string {
  const out: string[] = [];
  const o = r.options;
  out.push('# Assignment benchmark results', '');
  out.push('Generated by `npm run bench:assign` (bench/README.md, "Assignment benchmark"); rewritten on every run.', '');
  if (r.failure) out.push(`> **⚠ The benchmark stopped early: ${r.failure}.** The figures below are what was measured until then.`, '');
  out.push(`- Date: ${r.machine.date}`);
  out.push(`- Machine: ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memory} RAM, Node ${r.machine.node}`);
  out.push(`- PostgreSQL: ${r.postgres.version.split(',')[0]}; ${Object.entries(r.postgres.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push(`- Command: \`${r.command}\``);
  out.push(`- Database: \`${r.database}\`, created for the run${o.keep ? ' and kept' : ', dropped after it'}`);
  out.push(
    '- Server: `bench/server.ts` as a child process (built as `npm start` builds it; authorization, audit and rate limit off; pool of 16 connections, ' +
      'at most 4 database transactions at once), started after the load; a fresh one for the searches. Server, PostgreSQL and the client share the machine.',
  );
  out.push('');
  out.push('## Goals', '');
  out.push('| Goal | Measured | Status |', '|---|---:|---|');
  for (const g of goals(r)) out.push(`| ${g.label} | ${g.measured} | ${bold(g.status)} |`);
  out.push('');
  out.push('## Dataset', '');
  out.push(
    `The plan (\`${PLAN}\`, so the Kern settings profile applies: \`assignOrder\` preference → … → pcp → best-fit, PCP notices on) and ${o.providers} ECM providers, each an ` +
      'Organization with one ECM HealthcareService (1,000,000 places; the LTSS ones also an ext-pof-capacity), and 10 PCPs, half at ECM providers. ' +
      `${int(o.members)} members, each with a Patient (language en 65 %, es 28 %, vi 4 %, zh 3 %; a PCP for 30 %), a Kern Coverage, one active POF Condition ` +
      '(avoidable-utilization 35 %, homelessness 25 %, smh-sud 20 %, ltc-risk 10 %, incarceration-transition 5 %, nf-transition 5 %) and an approved ' +
      `authorization (status active, 12-month occurrencePeriod from a decision 0-7 days before ${r.date}, reasonReference the Condition, ext-assignment-due).`,
    '',
  );
  networkTable(out, o.providers);
  if (r.memberLoad) out.push(`Loaded through the repository's bulk write path (\`app.fhir.repo.write\`, no HTTP) in ${one(r.memberLoad.seconds)} s (${int(r.memberLoad.resources / r.memberLoad.seconds)} resources/s).`, '');
  if (r.validation) {
    const v = r.validation;
    if (v.errors.length === 0) out.push(`One generated resource of each kind (${v.resources}, further authorizations included) passes the server's \`$validate\` without errors.`, '');
    else {
      out.push(`**The server's \`$validate\` finds errors in the generated resources** (one of each kind, ${v.resources}):`, '');
      for (const e of v.errors) out.push(`- ${e.replace(/`/g, "'")}`);
      out.push('');
    }
  }
  if (r.datasetBefore) datasetTable(out, r.datasetBefore);
  if (r.run) {
    runSection(out, r, r.run);
    if (r.state) stateSection(out, r.state, r.run);
    timeSection(out, r, r.run);
  }
  searchSection(out, r);
  if (r.datasetAfter) {
    out.push('', 'Dataset during the searches:', '');
    datasetTable(out, r.datasetAfter);
  }
  return out.join('\n');
}

export function renderAssignSummary(r: AssignReport): string {
  const lines: string[] = [];
  if (r.failure) lines.push(`BENCHMARK STOPPED EARLY: ${r.failure}`);
  const run = r.run;
  if (run) {
    lines.push(`$ecm-assign: ${run.assigned.length} of ${run.members} assigned in ${run.seconds.toFixed(1)} s, ${(run.assigned.length / run.seconds).toFixed(1)}/s, ${run.failed.length} failed`);
    for (const w of windows(run)) lines.push(`  ${w.label.padEnd(12)} ${w.rate.toFixed(1).padStart(8)}/s  p50 ${ms(w.p50)} p95 ${ms(w.p95)} ms`);
  }
  for (const p of r.state?.problems ?? []) lines.push(`STATE: ${p}`);
  for (const s of r.searches ?? []) {
    const m = s.result;
    lines.push(`${s.scenario.name.padEnd(20)} ${m ? `${m.rps.toFixed(0)} req/s, p50 ${ms(m.p50)} p95 ${ms(m.p95)} ms, errors ${m.non2xx + m.errors}` : 'not measured'}`);
  }
  for (const g of goals(r)) lines.push(`goal: ${g.label.replace(/`/g, '')}: ${g.measured}: ${g.status}`);
  return lines.join('\n');
}
