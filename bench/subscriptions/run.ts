/**
 * `npm run bench:subscriptions`: notification latency from a referral Task update to the receipt
 * of its topic-based rest-hook notification, at BENCH_SUB_RATE (100) updates/s, on PostgreSQL
 * (issue 9 benchmark, goal p95 < 200 ms), written to bench/SUBSCRIPTIONS-RESULTS.md.
 *
 * Env: BENCH_DATABASE_URL (loopback server URL, default postgres://postgres@127.0.0.1:5432/),
 * BENCH_SUB_RATE, BENCH_DURATION (s, 30), BENCH_WARMUP (s, 3), BENCH_SUB_TASKS (200),
 * BENCH_SUB_DRAIN (s, 10), BENCH_NOTE (a line for the report, e.g. that the machine was shared),
 * BENCH_TIMEOUT.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type BenchDatabase, createBenchDatabase } from '../bench-database.ts';
import { type Child, startChild } from '../children.ts';
import { machineInfo } from '../machine.ts';
import { pacedUpdates, put, referralTask, type Sent } from './load.ts';
import { subscriptionOptionsFromEnv } from './options.ts';
import { startBenchReceiver } from './receiver.ts';
import { renderSubscriptionMarkdown, renderSubscriptionSummary, stats, type SubscriptionReport } from './report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOPIC = 'https://ecm-fhir.example.org/fhir/SubscriptionTopic/referral-task-status';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const log = (message: string) => process.stderr.write(`[bench:subscriptions] ${message}\n`);

let server: Child | undefined;
let database: BenchDatabase | undefined;
let receiver: Awaited<ReturnType<typeof startBenchReceiver>> | undefined;

async function cleanup(): Promise<void> {
  await server?.stop().catch(() => undefined);
  await receiver?.close().catch(() => undefined);
  await database?.drop().catch((err: unknown) => log(`could not drop ${database?.name}: ${String(err)}`));
}

async function main(): Promise<number> {
  const opts = subscriptionOptionsFromEnv();
  setTimeout(() => {
    log(`time limit of ${opts.timeout} s exceeded (BENCH_TIMEOUT)`);
    void cleanup().finally(() => process.exit(2));
  }, opts.timeout * 1000).unref();
  process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  database = await createBenchDatabase(opts.databaseUrl);
  log(`database ${database.name}`);
  server = await startChild('server', 'server.ts', database.url);
  const fhirBase = `${server.url}/fhir`;
  receiver = await startBenchReceiver();

  const ids = Array.from({ length: opts.tasks }, (_, i) => `bench-task-${i}`);
  log(`creating ${ids.length} referral Tasks`);
  for (const id of ids) {
    const created = await put(fhirBase, referralTask(id, 'requested'));
    const accepted = await put(fhirBase, referralTask(id, 'accepted', 'accepted'));
    if (created.status >= 300 || accepted.status >= 300) throw new Error(`setting up Task ${id} answered ${created.status}/${accepted.status}`);
  }
  const counter = { n: 0 };

  if (opts.warmup > 0) {
    log(`warm-up without a Subscription: ${opts.warmup} s`);
    await pacedUpdates(fhirBase, ids, opts.rate, opts.warmup, counter);
  }
  log(`baseline: ${opts.rate} updates/s for ${opts.duration} s without a Subscription`);
  const baseline = await pacedUpdates(fhirBase, ids, opts.rate, opts.duration, counter);

  log('subscribing');
  const res = await fetch(`${fhirBase}/Subscription`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'benchmark',
      criteria: TOPIC,
      _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: 'Task?owner=Organization/bench-provider' }] },
      channel: {
        type: 'rest-hook',
        endpoint: receiver.url,
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'full-resource' }] },
      },
    }),
  });
  const subscription = (await res.json()) as { id: string };
  for (let i = 0; ; i++) {
    const s = (await (await fetch(`${fhirBase}/Subscription/${subscription.id}`)).json()) as { status: string };
    if (s.status === 'active') break;
    if (i > 200) throw new Error(`the Subscription did not become active (status ${s.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }

  if (opts.warmup > 0) {
    log(`warm-up: ${opts.warmup} s`);
    await pacedUpdates(fhirBase, ids, opts.rate, opts.warmup, counter);
  }
  log(`measuring: ${opts.rate} updates/s for ${opts.duration} s`);
  const backlog = await sampleBacklog(database.url);
  const started = performance.now();
  const measured = await pacedUpdates(fhirBase, ids, opts.rate, opts.duration, counter);
  const sendSeconds = (performance.now() - started) / 1000;
  const keys = new Set(measured.flatMap((s) => (s.key ? [s.key] : [])));
  const deadline = performance.now() + opts.drain * 1000;
  const receivedKeys = () => new Set(receiver!.receipts.filter((r) => keys.has(r.key)).map((r) => r.key));
  while (receivedKeys().size < keys.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  const peak = await backlog.stop();
  const firstReceipt = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const r of receiver.receipts) {
    seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
    if (!firstReceipt.has(r.key)) firstReceipt.set(r.key, r.at);
  }
  const latencies = measured.flatMap((s: Sent) => (s.key && firstReceipt.has(s.key) ? [firstReceipt.get(s.key)! - s.at] : []));
  const numbers = [...new Set(receiver.receipts.map((r) => r.eventNumber))].sort((a, b) => a - b);
  const eventGaps = numbers.length === 0 ? 0 : numbers[numbers.length - 1] - numbers[0] + 1 - numbers.length;
  const ok = (s: Sent) => s.status >= 200 && s.status < 300;
  const report: SubscriptionReport = {
    machine: machineInfo(),
    postgres: `${database.info.version.split(',')[0]}; ${Object.entries(database.info.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`,
    command: [...Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_NOTE').map(([k, v]) => `${k}=${v ?? ''}`), 'npm run bench:subscriptions'].join(' '),
    note: process.env.BENCH_NOTE,
    rate: opts.rate,
    duration: opts.duration,
    warmup: opts.warmup,
    tasks: opts.tasks,
    achievedRate: measured.length / sendSeconds,
    writesBaseline: stats(baseline.filter(ok).map((s) => s.writeMs)),
    writesSubscribed: stats(measured.filter(ok).map((s) => s.writeMs)),
    writeErrors: [...baseline, ...measured].filter((s) => !ok(s)).length,
    notification: stats(latencies),
    sent: keys.size,
    received: receivedKeys().size,
    missing: keys.size - receivedKeys().size,
    duplicates: [...seen.values()].filter((n) => n > 1).length,
    eventGaps,
    handshakes: receiver.others(),
    bundles: receiver.bundles(),
    peakOutbox: peak.outbox,
    peakQueued: peak.queued,
  };
  writeFileSync(resolve(ROOT, opts.resultsPath), renderSubscriptionMarkdown(report));
  process.stdout.write(`${renderSubscriptionSummary(report)}\n\nwritten to ${opts.resultsPath}\n`);
  return report.missing === 0 && report.writeErrors === 0 ? 0 : 1;
}

/** Samples, every 500 ms, the rows waiting in the outbox and the notifications queued: where a backlog builds up. */
async function sampleBacklog(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const peak = { outbox: 0, queued: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ outbox: string; queued: string }>(
        'SELECT (SELECT count(*) FROM subscription_outbox) AS outbox, (SELECT count(*) FROM subscription_notification) AS queued',
      );
      peak.outbox = Math.max(peak.outbox, Number(rows[0].outbox));
      peak.queued = Math.max(peak.queued, Number(rows[0].queued));
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      return peak;
    },
  };
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  });
