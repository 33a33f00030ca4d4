import type { LoadResult } from './load.ts';
import { failures } from './load.ts';
import type { MachineInfo } from './machine.ts';
import { type BenchOptions, READ_GROUP, type ScenarioName } from './options.ts';

export const READ_RATIO_GOAL = 0.7;
export const INGEST_GOAL = 3000;

export interface ScenarioRun {
  scenario: ScenarioName;
  /** Resources written per request (100 for the transaction bundle). */
  resourcesPerRequest: number;
  result: LoadResult;
}

export interface ReportInput {
  machine: MachineInfo;
  postgres: { version: string; settings: Record<string, string> };
  command: string;
  options: BenchOptions;
  preload: { patients: number; seconds: number };
  runs: ScenarioRun[];
  /** Machine busy share (% of all cores) in the second before the first run. */
  idleBefore?: number;
  /** Set when the run stopped early: the report holds what was measured until then. */
  failure?: string;
  /** read-auth: AuditEvents stored during its runs, and the responses autocannon counted. */
  audit?: { events: number; responses: number };
}

export const SCENARIO_LABEL: Record<ScenarioName, string> = {
  read: 'Read by id: `GET /fhir/Patient/{id}`',
  ceiling: 'Ceiling read: `GET /ceiling/Patient/{id}` (bare fastify + pg, no FHIR logic)',
  'read-auth': 'Read by id with auth + audit: `GET /fhir/Patient/{id}`, bearer token (`system/Patient.rs`)',
  create: 'Create: `POST /fhir/Patient`',
  update: 'Update: `PUT /fhir/Patient/{id}` (distinct ids)',
  transaction: 'Transaction: `POST /fhir`, 100 entries (50 Patient + 50 Observation, urn:uuid references)',
};

type Status = 'met' | 'not met' | 'not measured';

interface ReadGoalRow {
  connections: number;
  read?: LoadResult;
  ceiling?: LoadResult;
  ratio?: number;
  status: Status;
  note?: string;
}

interface IngestGoalRow {
  connections: number;
  result: LoadResult;
  resourcesPerSecond: number;
  status: Status;
  note?: string;
}

export interface Goals {
  read: ReadGoalRow[];
  readStatus: Status;
  ingest: IngestGoalRow[];
  ingestStatus: Status;
  bestIngest?: IngestGoalRow;
}

export function evaluateGoals(runs: ScenarioRun[], connections: number[]): Goals {
  const find = (s: ScenarioName, c: number) => runs.find((r) => r.scenario === s && r.result.connections === c)?.result;
  const read: ReadGoalRow[] = connections.map((c) => {
    const r = find('read', c);
    const ceil = find('ceiling', c);
    if (!r || !ceil) return { connections: c, read: r, ceiling: ceil, status: 'not measured' };
    const ratio = r.rps / ceil.rps;
    const dirty = failures(r) + failures(ceil) > 0;
    return {
      connections: c,
      read: r,
      ceiling: ceil,
      ratio,
      status: !dirty && ratio >= READ_RATIO_GOAL ? 'met' : 'not met',
      note: dirty ? 'a run had errors' : undefined,
    };
  });
  const measuredRead = read.filter((r) => r.status !== 'not measured');
  const readStatus: Status = measuredRead.length === 0 ? 'not measured' : measuredRead.every((r) => r.status === 'met') ? 'met' : 'not met';

  const ingest: IngestGoalRow[] = runs
    .filter((r) => r.scenario === 'transaction')
    .map((r) => {
      const resourcesPerSecond = r.result.rps * r.resourcesPerRequest;
      const dirty = failures(r.result) > 0;
      return {
        connections: r.result.connections,
        result: r.result,
        resourcesPerSecond,
        status: !dirty && resourcesPerSecond >= INGEST_GOAL ? 'met' : 'not met',
        note: dirty ? 'run had errors' : undefined,
      };
    });
  const clean = ingest.filter((r) => !r.note);
  const bestIngest = (clean.length ? clean : ingest).reduce<IngestGoalRow | undefined>(
    (best, r) => (!best || r.resourcesPerSecond > best.resourcesPerSecond ? r : best),
    undefined,
  );
  const ingestStatus: Status = ingest.length === 0 ? 'not measured' : ingest.some((r) => r.status === 'met') ? 'met' : 'not met';
  return { read, readStatus, ingest, ingestStatus, bestIngest };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const rate = (n: number) => (!Number.isFinite(n) ? 'n/a' : n < 100 ? n.toFixed(1) : int(n));
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const pct = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${Math.round(n)} %`);
/** Other processes took a noticeable share of a core (> 15 %) during the run. */
const noisy = (r: LoadResult) => (r.cpu.other ?? 0) > 15;
const mark = (s: Status) => (s === 'met' ? '**met**' : s === 'not met' ? '**not met**' : 'not measured');

function errorCell(r: LoadResult): string {
  const n = failures(r);
  if (n === 0) return '0';
  const parts = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${count}× ${code}`);
  if (r.errors > 0) parts.push(`${r.errors} socket errors${r.timeouts ? ` (${r.timeouts} timeouts)` : ''}`);
  return `⚠ ${int(n)} (${parts.join(', ')})`;
}

export function renderMarkdown(input: ReportInput): string {
  const { machine, postgres, options, runs } = input;
  const goals = evaluateGoals(runs, options.connections);
  const out: string[] = [];
  const flagged = runs.filter((r) => failures(r.result) > 0);

  out.push('# Benchmark results', '');
  out.push('Generated by `npm run bench` (bench/run.ts); the whole file is rewritten on every run. See bench/README.md.', '');
  if (input.failure) out.push(`> **⚠ The benchmark stopped early: ${input.failure}.** The figures below are what was measured until then.`, '');
  const disturbed = runs.filter((r) => noisy(r.result));
  if (disturbed.length > 0) {
    out.push(
      `> **⚠ Other processes used the CPU during ${disturbed.length} of ${runs.length} runs** (up to ${pct(Math.max(...disturbed.map((r) => r.result.cpu.other ?? 0)))} of a core, ` +
        `"Other CPU" below): those figures understate what the server can do on a quiet machine.`,
      '',
    );
  }
  if (input.idleBefore !== undefined) out.push(`Machine busy before the benchmark (1 s sample): ${pct(input.idleBefore)} of all cores.`, '');
  if (flagged.length > 0) {
    out.push(`> **⚠ ${flagged.length} run(s) had errors** (non-2xx responses, socket errors or timeouts): their figures are not trustworthy. See "Errors" below.`, '');
  }
  out.push('## Environment', '');
  out.push(`- Date: ${machine.date}`);
  out.push(`- Command: \`${input.command}\``);
  out.push(`- Machine: ${machine.cores} cores (nproc), ${machine.cpuModel}, ${machine.memory} RAM`);
  out.push(`- Node ${machine.node}; ${postgres.version}`);
  out.push(`- PostgreSQL settings: ${Object.entries(postgres.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push(
    `- Each measured run: ${options.duration} s of autocannon load (pipelining 1) after ${options.warmup} s of unmeasured warm-up per scenario; ` +
      `connections ${options.connections.join(', ')} (transaction: ${options.txConnections.join(', ')}). ` +
      `Before each run the benchmark waits up to ${options.quietWait} s for other processes to leave the CPU.`,
  );
  const readGroup = options.scenarios.filter((s) => READ_GROUP.includes(s));
  if (readGroup.length > 1) {
    out.push(
      `- ${readGroup.join(', ')} are measured interleaved, in alternating slices of about ${(options.duration / Math.max(1, Math.round(options.duration / 2))).toFixed(1)} s ` +
        `(${readGroup.join(', ')}, ${[...readGroup].reverse().join(', ')}, ...), so that anything disturbing the machine hits them alike; their figures add the slices up.`,
    );
  }
  if (options.scenarios.includes('read-auth')) {
    out.push(
      '- read-auth: a second FHIR server child on the same database, with SMART authorization and audit on (as in production; rate limit off like the other), ' +
        'read with a bearer token that a backend client registered through the admin API (ES384 key) got from `/auth/token` (`client_credentials`, ' +
        '`private_key_jwt`, scope `system/Patient.rs`, renewed before a run when it would expire during it). Every read verifies the token ' +
        '(signature, claims, revocation lookup in PostgreSQL) and queues an AuditEvent, written in batches to the same database.',
    );
  }
  out.push(
    `- ${int(input.preload.patients)} Patients preloaded through transaction bundles in ${input.preload.seconds.toFixed(1)} s; read and update cycle through their ids.`,
  );
  out.push(
    '- Processes: the FHIR server (buildApp, pool of 16 connections) and the ceiling server (bare fastify + one pg Pool of 16) each run in their own ' +
      'child process (`node --import tsx`); autocannon runs in the parent process. All of them and PostgreSQL share the same cores, so the load ' +
      'generator takes CPU from the servers; the CPU columns show where it went.',
  );
  out.push('');

  out.push('## Goals', '');
  out.push('| Goal | Connections | Measured | Target | Status |', '|---|---:|---:|---:|---|');
  for (const g of goals.read) {
    const measured = g.ratio === undefined ? 'n/a' : `${g.ratio.toFixed(2)} (${rate(g.read!.rps)} / ${rate(g.ceiling!.rps)} req/s)`;
    out.push(`| Read by id vs ceiling | ${g.connections} | ${measured} | ≥ ${READ_RATIO_GOAL} | ${mark(g.status)}${g.note ? ` (${g.note})` : ''} |`);
  }
  for (const g of goals.ingest) {
    out.push(`| Transaction ingest | ${g.connections} | ${int(g.resourcesPerSecond)} resources/s | ≥ ${int(INGEST_GOAL)} resources/s | ${mark(g.status)}${g.note ? ` (${g.note})` : ''} |`);
  }
  out.push('');
  out.push(`- Read by id ≥ ${READ_RATIO_GOAL} of the ceiling (at every concurrency): ${mark(goals.readStatus)}`);
  out.push(
    `- Transaction ingest ≥ ${int(INGEST_GOAL)} resources/s (best concurrency${goals.bestIngest ? `: ${int(goals.bestIngest.resourcesPerSecond)} at ${goals.bestIngest.connections} connections` : ''}): ${mark(goals.ingestStatus)}`,
  );
  out.push('');

  out.push('## Results', '');
  out.push(
    'RPS = responses per second; latency in ms from autocannon per-response timings; CPU in % of one core (server = the process under test; ' +
      'PostgreSQL = all postgres processes on the machine; other = every other process); machine = busy share of all cores.',
    '',
  );
  out.push('| Scenario | Connections | RPS | p50 ms | p99 ms | Requests | Errors | Server CPU | PostgreSQL CPU | Load gen CPU | Other CPU | Machine busy |');
  out.push('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const res = r.result;
    const server = res.cpu.pids[r.scenario === 'ceiling' ? 'ceiling' : r.scenario === 'read-auth' ? 'authServer' : 'server'];
    out.push(
      `| ${SCENARIO_LABEL[r.scenario]} | ${res.connections} | ${rate(res.rps)} | ${ms(res.p50)} | ${ms(res.p99)} | ${int(res.completed)} | ${errorCell(res)} | ` +
        `${pct(server)} | ${pct(res.cpu.postgres)} | ${pct(res.cpu.loadGenerator)} | ${pct(res.cpu.other)}${noisy(res) ? ' ⚠' : ''} | ${pct(res.cpu.machineBusy)} |`,
    );
  }
  out.push('');

  out.push('## Read by id vs ceiling', '');
  out.push('| Connections | Read RPS | Ceiling RPS | Ratio | Read p50 / p99 ms | Ceiling p50 / p99 ms |', '|---:|---:|---:|---:|---:|---:|');
  for (const g of goals.read) {
    if (!g.read || !g.ceiling) continue;
    out.push(
      `| ${g.connections} | ${rate(g.read.rps)} | ${rate(g.ceiling.rps)} | ${g.ratio!.toFixed(2)} | ${ms(g.read.p50)} / ${ms(g.read.p99)} | ${ms(g.ceiling.p50)} / ${ms(g.ceiling.p99)} |`,
    );
  }
  out.push('');

  const authRows = authComparison(runs, options.connections);
  if (authRows.length > 0) {
    out.push('## Read with auth + audit vs without', '');
    out.push(
      'Same reads, same database, measured interleaved: the FHIR server with authorization and audit off (`read`) and a second one with both on (`read-auth`). ' +
        'Ratio = read-auth RPS / read RPS; server CPU per request shows what the token check and the audit trail cost the server.',
      '',
    );
    out.push('| Connections | Read RPS | Read + auth + audit RPS | Ratio | Read p50 / p99 ms | Auth + audit p50 / p99 ms | Server CPU ms/request (read / auth + audit) |');
    out.push('|---:|---:|---:|---:|---:|---:|---:|');
    for (const { connections, read, auth } of authRows) {
      out.push(
        `| ${connections} | ${rate(read.rps)} | ${rate(auth.rps)} | ${(auth.rps / read.rps).toFixed(2)}${failures(read) + failures(auth) > 0 ? ' (errors)' : ''} | ` +
          `${ms(read.p50)} / ${ms(read.p99)} | ${ms(auth.p50)} / ${ms(auth.p99)} | ${cpuPerRequest(read, 'server')} / ${cpuPerRequest(auth, 'authServer')} |`,
      );
    }
    out.push('');
    if (input.audit) {
      const ok = input.audit.events >= input.audit.responses;
      out.push(
        `${ok ? '' : '⚠ '}AuditEvents stored during the read-auth runs (warm-up included): ${int(input.audit.events)} for ${int(input.audit.responses)} responses counted ` +
          `(autocannon does not count the responses still in flight when a run ends${ok ? '' : '; **some reads were not audited, or the queue had not caught up 15 s after the last run**'}).`,
        '',
      );
    }
  }

  out.push('## Transaction ingest', '');
  out.push('| Connections | Bundles/s | Resources/s | p50 ms | p99 ms |', '|---:|---:|---:|---:|---:|');
  for (const g of goals.ingest) {
    out.push(`| ${g.connections} | ${rate(g.result.rps)} | ${int(g.resourcesPerSecond)} | ${ms(g.result.p50)} | ${ms(g.result.p99)} |`);
  }
  out.push('');

  if (flagged.length > 0) {
    out.push('## Errors', '');
    for (const r of flagged) {
      out.push(`- ${SCENARIO_LABEL[r.scenario]} at ${r.result.connections} connections: ${errorCell(r.result)}`);
      if (r.result.errorSample) {
        out.push(`  - first non-2xx response: ${r.result.errorSample.status} \`${r.result.errorSample.body.replace(/`/g, "'").replace(/\s+/g, ' ')}\``);
      }
    }
    out.push('');
  }
  return out.join('\n');
}

/** read and read-auth at the same concurrency, where both ran. */
function authComparison(runs: ScenarioRun[], connections: number[]): { connections: number; read: LoadResult; auth: LoadResult }[] {
  const find = (s: ScenarioName, c: number) => runs.find((r) => r.scenario === s && r.result.connections === c)?.result;
  return connections.flatMap((c) => {
    const read = find('read', c);
    const auth = find('read-auth', c);
    return read && auth ? [{ connections: c, read, auth }] : [];
  });
}

/** CPU the named server process used per response, ms. */
function cpuPerRequest(r: LoadResult, pid: string): string {
  const share = r.cpu.pids[pid];
  return share === undefined || r.rps === 0 ? 'n/a' : (share / 100 / r.rps * 1000).toFixed(2);
}

/** The short version for stdout. */
export function renderSummary(input: ReportInput): string {
  const goals = evaluateGoals(input.runs, input.options.connections);
  const lines: string[] = [];
  if (input.failure) lines.push(`BENCHMARK STOPPED EARLY: ${input.failure}`);
  lines.push(`scenario      conns        rps    p50 ms    p99 ms   errors`);
  for (const r of input.runs) {
    const res = r.result;
    const errs = failures(res);
    lines.push(
      `${r.scenario.padEnd(12)} ${String(res.connections).padStart(6)} ${rate(res.rps).padStart(10)} ${ms(res.p50).padStart(9)} ${ms(res.p99).padStart(9)} ${String(errs).padStart(8)}${errs ? '  <-- ERRORS' : ''}${noisy(res) ? `  (other processes used ${pct(res.cpu.other)} CPU)` : ''}`,
    );
  }
  for (const g of goals.read) {
    if (g.ratio !== undefined) lines.push(`read/ceiling at ${g.connections} connections: ${g.ratio.toFixed(2)} (goal ≥ ${READ_RATIO_GOAL}: ${g.status}${g.note ? `, ${g.note}` : ''})`);
  }
  for (const g of goals.ingest) {
    lines.push(`transaction ingest at ${g.connections} connections: ${int(g.resourcesPerSecond)} resources/s (goal ≥ ${int(INGEST_GOAL)}: ${g.status}${g.note ? `, ${g.note}` : ''})`);
  }
  for (const { connections, read, auth } of authComparison(input.runs, input.options.connections)) {
    lines.push(`read with auth + audit / without at ${connections} connections: ${(auth.rps / read.rps).toFixed(2)} (${rate(auth.rps)} / ${rate(read.rps)} req/s)`);
  }
  if (input.audit) lines.push(`AuditEvents stored: ${input.audit.events} for ${input.audit.responses} read-auth responses`);
  lines.push(`goals: read/ceiling ${goals.readStatus}; transaction ingest ${goals.ingestStatus}`);
  return lines.join('\n');
}
