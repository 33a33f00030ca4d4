/**
 * `npm run bench`: throughput and latency of the FHIR server against PostgreSQL, next to a bare
 * "ceiling" server doing only the database read, written to bench/RESULTS.md (bench/README.md).
 */
import { writeFileSync } from 'node:fs';
import { otherResultsSection } from './other-results.ts';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendTokens, benchAdminToken } from './backend-token.ts';
import { type BenchDatabase, createBenchDatabase, withClient } from './bench-database.ts';
import { dropLogged } from './bench-flow.ts';
import { type Child, startChild } from './children.ts';
import { waitForQuiet } from './cpu.ts';
import { patientBundle, transactionBundle } from './fixtures.ts';
import { type LoadResult, failures, mergeResults, runLoad } from './load.ts';
import { machineInfo } from './machine.ts';
import { type BenchOptions, READ_GROUP, type ScenarioName, optionsFromEnv } from './options.ts';
import { type ReportInput, renderMarkdown, renderSummary } from './report.ts';
import { type Scenario, scenario } from './scenarios.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const children: Child[] = [];
let database: BenchDatabase | undefined;
let report: ReportInput | undefined;
let options: BenchOptions | undefined;

let cleaning: Promise<void> | undefined;
/** Stops the children and drops the database; safe to call more than once. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all(children.map((c) => c.stop().catch((err: unknown) => log(`stopping ${c.name}: ${String(err)}`))));
    if (database) {
      await dropLogged(database.name, database.drop, log);
    }
  })();
  return cleaning;
}

function writeReport(failure?: string): void {
  if (!report || !options) return;
  if (failure) report.failure = failure;
  const path = resolve(ROOT, options.resultsPath);
  writeFileSync(path, `${renderMarkdown(report)}\n\n${otherResultsSection(dirname(path))}`);
  process.stdout.write(`\n${renderSummary(report)}\n\nwritten to ${options.resultsPath}\n`);
}

let aborting = false;
/** Timeout or signal: write what we have, clean up (bounded), exit. */
function abort(reason: string, code: number): void {
  if (aborting) return;
  aborting = true;
  log(`aborting: ${reason}`);
  try {
    writeReport(reason);
  } catch (err) {
    log(`could not write the report: ${String(err)}`);
  }
  const forced = setTimeout(() => process.exit(code), 30_000);
  void cleanup().finally(() => {
    clearTimeout(forced);
    process.exit(code);
  });
}

function benchCommand(): string {
  const env = Object.entries(process.env)
    .filter(([k]) => (k.startsWith('BENCH_') && !k.startsWith('BENCH_SERVER_')) || k === 'BENCH_SERVER_NODE_ARGS')
    .map(([k, v]) => `${k}=${shellQuote(k === 'BENCH_DATABASE_URL' ? redact(v ?? '') : (v ?? ''))}`);
  const cmd = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts';
  return [...env, cmd].join(' ');
}

function shellQuote(v: string): string {
  return /^[\w.,:/@=+%-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

async function postJson(url: string, body: unknown, method = 'POST'): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Loads `count` Patients through 100-entry transaction bundles; returns their ids. */
async function preload(server: Child, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; offset < count; offset += 100) {
    const size = Math.min(100, count - offset);
    const res = await postJson(`${server.url}/fhir`, patientBundle(size, offset));
    if (res.status !== 200) throw new Error(`preload bundle failed: ${res.status} ${res.text.slice(0, 500)}`);
    for (const e of res.json.entry as { response: { status: string; location: string } }[]) {
      if (!e.response.status.startsWith('201')) throw new Error(`preload entry not created: ${JSON.stringify(e.response)}`);
      ids.push(e.response.location.split('/')[1]);
    }
  }
  return ids;
}

/** One request of every scenario, checked in full, before any load. */
async function sanityCheck(server: Child, ceiling: Child, ids: string[], bundlePatients: number): Promise<void> {
  const read = await fetch(`${server.url}/fhir/Patient/${ids[0]}`, { headers: { accept: 'application/fhir+json' } });
  const readText = await read.text();
  if (read.status !== 200) throw new Error(`sanity: read returned ${read.status}: ${readText.slice(0, 300)}`);
  const ceil = await fetch(`${ceiling.url}/ceiling/Patient/${ids[0]}`);
  const ceilText = await ceil.text();
  if (ceil.status !== 200) throw new Error(`sanity: ceiling read returned ${ceil.status}`);
  if (ceilText !== readText) log('warning: the ceiling and the FHIR server return different bodies for the same Patient');

  const created = await postJson(`${server.url}/fhir/Patient`, { resourceType: 'Patient', name: [{ family: 'Sanity' }] });
  if (created.status !== 201) throw new Error(`sanity: create returned ${created.status}: ${created.text.slice(0, 300)}`);
  const id = ids[ids.length - 1];
  const updated = await postJson(`${server.url}/fhir/Patient/${id}`, { resourceType: 'Patient', id, name: [{ family: 'Sanity' }] }, 'PUT');
  if (updated.status !== 200) throw new Error(`sanity: update returned ${updated.status}: ${updated.text.slice(0, 300)}`);

  const tx = await postJson(`${server.url}/fhir`, transactionBundle(bundlePatients));
  if (tx.status !== 200) throw new Error(`sanity: transaction returned ${tx.status}: ${tx.text.slice(0, 500)}`);
  const entries = (tx.json?.entry ?? []) as { response?: { status?: string; location?: string } }[];
  const createdEntries = entries.filter((e) => e.response?.status?.startsWith('201'));
  if (createdEntries.length !== bundlePatients * 2) throw new Error(`sanity: transaction created ${createdEntries.length} of ${bundlePatients * 2} entries`);
  // The Observations must point at the Patients created in the same bundle.
  const obsLocation = createdEntries.find((e) => e.response?.location?.startsWith('Observation/'))?.response?.location;
  const obs = await fetch(`${server.url}/fhir/${obsLocation?.split('/_history')[0]}`).then((r) => r.json() as Promise<{ subject?: { reference?: string } }>);
  if (!/^Patient\/[A-Za-z0-9.-]+$/.test(obs.subject?.reference ?? '')) throw new Error(`sanity: Observation.subject not resolved: ${JSON.stringify(obs.subject)}`);
}

/** The scope the read-auth client asks for: reading Patients, as a backend service would. */
const READ_AUTH_SCOPE = 'system/Patient.rs';

/** AuditEvents stored so far (the audit queue writes them in batches, a little after the response). */
async function auditEventCount(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ n: string }>("SELECT count(*) AS n FROM resource WHERE resource_type = 'AuditEvent'");
    return Number(rows[0].n);
  });
}

/** Waits (at most `seconds`) until at least `expected` AuditEvents are stored; returns the last count. */
async function waitForAuditEvents(databaseUrl: string, expected: number, seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    const n = await auditEventCount(databaseUrl);
    if (n >= expected || performance.now() > deadline) return n;
    await sleep(250);
  }
}

/**
 * The authorizing server answers a token-bearing read with the same Patient as the open one,
 * refuses a read without a token (401), and records an AuditEvent for each.
 */
async function sanityCheckAuth(authServer: Child, server: Child, tokens: BackendTokens, id: string, databaseUrl: string): Promise<void> {
  const before = await auditEventCount(databaseUrl);
  const open = await fetch(`${server.url}/fhir/Patient/${id}`, { headers: { accept: 'application/fhir+json' } }).then((r) => r.text());
  const authed = await fetch(`${authServer.url}/fhir/Patient/${id}`, { headers: { accept: 'application/fhir+json', authorization: `Bearer ${tokens.bearer}` } });
  const authedText = await authed.text();
  if (authed.status !== 200) throw new Error(`sanity: read with a token returned ${authed.status}: ${authedText.slice(0, 300)}`);
  if (authedText !== open) throw new Error('sanity: the authorizing server returns a different body than the open one for the same Patient');
  const anonymous = await fetch(`${authServer.url}/fhir/Patient/${id}`, { headers: { accept: 'application/fhir+json' } });
  await anonymous.text();
  if (anonymous.status !== 401) throw new Error(`sanity: read without a token returned ${anonymous.status}, expected 401 (is authorization on?)`);
  const after = await waitForAuditEvents(databaseUrl, before + 2, 10);
  if (after < before + 2) throw new Error(`sanity: ${after - before} AuditEvents recorded for 2 reads (is audit on?)`);
}

async function main(): Promise<number> {
  options = optionsFromEnv();
  const opts = options;
  const watchdog = setTimeout(() => abort(`time limit of ${opts.timeout} s exceeded (BENCH_TIMEOUT)`, 2), opts.timeout * 1000);
  watchdog.unref();
  process.on('SIGINT', () => abort('interrupted (SIGINT)', 130));
  process.on('SIGTERM', () => abort('terminated (SIGTERM)', 143));

  const machine = machineInfo();
  database = await createBenchDatabase(opts.databaseUrl);
  log(`database ${database.name} created`);
  report = {
    machine,
    postgres: database.info,
    command: benchCommand(),
    options: opts,
    preload: { patients: 0, seconds: 0 },
    runs: [],
  };

  const server = await startChild('server', 'server.ts', database.url, {
    nodeArgs: opts.serverNodeArgs,
    env: { BENCH_SERVER_AUTH: 'off', BENCH_SERVER_ADMIN_TOKEN: '' },
  });
  children.push(server);
  log(`FHIR server pid ${server.pid} at ${server.url}`);
  // After the FHIR server: its migrations create the tables the ceiling reads.
  const ceiling = await startChild('ceiling', 'ceiling-server.ts', database.url);
  children.push(ceiling);
  log(`ceiling server pid ${ceiling.pid} at ${ceiling.url}`);

  let authServer: Child | undefined;
  let tokens: BackendTokens | undefined;
  if (opts.scenarios.includes('read-auth')) {
    // The same server, with SMART authorization and audit on, on the same database.
    const adminToken = benchAdminToken();
    authServer = await startChild('auth-server', 'server.ts', database.url, {
      nodeArgs: opts.serverNodeArgs,
      env: { BENCH_SERVER_AUTH: 'on', BENCH_SERVER_ADMIN_TOKEN: adminToken },
    });
    children.push(authServer);
    log(`FHIR server with auth + audit pid ${authServer.pid} at ${authServer.url}`);
    tokens = await BackendTokens.register(authServer.url, adminToken, READ_AUTH_SCOPE);
    log(`backend client registered; token for ${tokens.scope}`);
  }

  const t0 = performance.now();
  const ids = await preload(server, opts.patients);
  report.preload = { patients: ids.length, seconds: (performance.now() - t0) / 1000 };
  log(`preloaded ${ids.length} Patients in ${report.preload.seconds.toFixed(1)} s`);
  await sanityCheck(server, ceiling, ids, opts.bundlePatients);
  if (authServer && tokens) await sanityCheckAuth(authServer, server, tokens, ids[0], database.url);
  log('sanity checks passed');

  const pids: Record<string, number> = { server: server.pid, ceiling: ceiling.pid, ...(authServer ? { authServer: authServer.pid } : {}) };
  const auditBaseline = authServer ? await auditEventCount(database.url) : 0;
  let authResponses = 0;
  const initial = await waitForQuiet(0);
  report.idleBefore = initial.busy;
  if (!initial.quiet) log(`the machine is ${Math.round(initial.busy ?? 0)} % busy before the benchmark`);
  const quietBeforeRun = async () => {
    if (opts.quietWait <= 0) return;
    const q = await waitForQuiet(opts.quietWait);
    if (q.waited > 1.5 || !q.quiet) {
      log(`  waited ${q.waited.toFixed(0)} s for other processes${q.quiet ? '' : `; still ${Math.round(q.busy ?? 0)} % busy, measuring anyway`}`);
    }
  };
  const check = (what: string) => {
    for (const c of children) if (!c.alive()) throw new Error(`the ${c.name} process exited during the ${what} run`);
  };
  const record = (name: ScenarioName, resourcesPerRequest: number, result: LoadResult) => {
    report!.runs.push({ scenario: name, resourcesPerRequest, result });
    log(`  ${name}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${failures(result)}`);
  };

  const urlOf = (leg: ScenarioName) => (leg === 'ceiling' ? ceiling.url : leg === 'read-auth' ? authServer!.url : server.url);
  /** One autocannon run; read-auth gets a token valid for the whole run first, and its responses are counted for the audit check. */
  const load = async (s: Scenario, connections: number, duration: number): Promise<LoadResult> => {
    if (s.name === 'read-auth') await tokens!.ensure(duration + 30);
    const result = await runLoad({ url: urlOf(s.name), connections, duration, requests: s.requests(), timeout: s.timeout, pids });
    if (s.name === 'read-auth') authResponses += result.completed;
    return result;
  };

  // Read, ceiling and read-auth, when more than one of them run, are measured together:
  // alternating slices of about 2 s (read, ceiling, read-auth, read-auth, ceiling, read, ...),
  // so a disturbance or a drift hits them alike.
  const readGroup = opts.scenarios.filter((s) => READ_GROUP.includes(s));
  const interleaved = readGroup.length > 1;
  for (const name of opts.scenarios) {
    if (interleaved && READ_GROUP.includes(name) && name !== readGroup[0]) continue;
    const legs: ScenarioName[] = interleaved && name === readGroup[0] ? readGroup : [name];
    const setups = legs.map((leg) => ({ leg, s: scenario(leg, ids, opts.bundlePatients, () => tokens?.bearer ?? '') }));
    const conns = name === 'transaction' ? opts.txConnections : opts.connections;
    if (opts.warmup > 0) {
      for (const { leg, s } of setups) {
        log(`${leg}: warm-up ${opts.warmup} s at ${conns[0]} connections`);
        const w = await load(s, conns[0], opts.warmup);
        if (failures(w) > 0) log(`warning: ${failures(w)} errors during the ${leg} warm-up${w.errorSample ? `: ${w.errorSample.status} ${w.errorSample.body.slice(0, 200)}` : ''}`);
      }
    }
    for (const connections of conns) {
      await sleep(500);
      await quietBeforeRun();
      if (setups.length === 1) {
        const { s } = setups[0];
        log(`${name}: ${opts.duration} s at ${connections} connections`);
        record(name, s.resourcesPerRequest, await load(s, connections, opts.duration));
        check(name);
        continue;
      }
      const slices = Math.max(1, Math.round(opts.duration / 2));
      log(`${legs.join(' + ')}: ${opts.duration} s each at ${connections} connections, interleaved in ${slices} slices`);
      const parts = new Map<ScenarioName, LoadResult[]>(legs.map((l) => [l, []]));
      for (let k = 0; k < slices; k++) {
        const order = k % 2 === 0 ? setups : [...setups].reverse();
        for (const { leg, s } of order) {
          parts.get(leg)!.push(await load(s, connections, opts.duration / slices));
          check(leg);
        }
      }
      for (const { leg, s } of setups) record(leg, s.resourcesPerRequest, mergeResults(parts.get(leg)!));
    }
  }
  if (authServer) {
    // Every audited request must have its AuditEvent (autocannon does not count the responses
    // still in flight when a run ends, so there may be a few more events than counted responses).
    const stored = (await waitForAuditEvents(database.url, auditBaseline + authResponses, 15)) - auditBaseline;
    report.audit = { responses: authResponses, events: stored };
    log(`audit: ${stored} AuditEvents stored for ${authResponses} read-auth responses`);
    if (stored < authResponses) log('warning: fewer AuditEvents than read-auth responses');
  }
  writeReport();
  return report.runs.some((r) => failures(r.result) > 0) ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  log(`failed: ${message}`);
  try {
    writeReport(message);
  } catch (e) {
    log(`could not write the report: ${String(e)}`);
  }
} finally {
  if (!aborting) {
    const forced = setTimeout(() => process.exit(code || 1), 30_000);
    forced.unref();
    await cleanup();
    clearTimeout(forced);
  }
}
if (!aborting) process.exit(code);
