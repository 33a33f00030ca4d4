import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, type RunningJob } from '../../../src/jobs/job-runner.ts';
import type { Database } from '../../../src/store/database.ts';
import { listJobs, readJob } from '../../../src/store/job-queue-sql.ts';
import { startTestApp } from '../../support/test-app.ts';

// DESIGN.md src/jobs: a Postgres-backed queue several server processes share (issue 9).

let server: Awaited<ReturnType<typeof startTestApp>>;
let db: Database;
beforeAll(async () => {
  server = await startTestApp();
  db = server.app.database;
});
afterAll(() => server.close());

const T0 = new Date('2026-11-24T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A runner with its own clock (a mutable instant), as a second server process would be. */
function runner(clock: { now: Date }, options: { leaseMs?: number; concurrency?: number; worker?: string } = {}) {
  return new JobRunner({ database: db, clock: () => clock.now, leaseMs: options.leaseMs ?? 60_000, concurrency: options.concurrency ?? 4, worker: options.worker });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('job runner (src/jobs)', () => {
  it('claims a due job, runs it once, keeps its result and attempts; a job not due yet waits', async () => {
    const clock = { now: T0 };
    const seen: string[] = [];
    const r = runner(clock).handle('t-basic', async (job) => {
      seen.push(String(job.payload.n));
      return { echoed: job.payload.n };
    });
    const due = await r.enqueue('t-basic', { n: 1 });
    const later = await r.enqueue('t-basic', { n: 2 }, { runAt: at(60_000) });
    expect(await r.tick()).toBe(1);
    expect(seen).toEqual(['1']);
    const done = await readJob(db, due!.id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, result: { echoed: 1 }, lockToken: null, lastError: null });
    expect((await readJob(db, later!.id))?.state).toBe('queued');
    expect(await r.tick()).toBe(0);
    clock.now = at(60_000);
    expect(await r.tick()).toBe(1);
    expect(seen).toEqual(['1', '2']);
    expect(await r.tick()).toBe(0);
  });

  it('a failed attempt is kept with its error and retried with backoff; after max attempts the job is failed', async () => {
    const clock = { now: T0 };
    let calls = 0;
    const r = runner(clock).handle('t-fail', async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    });
    const job = (await r.enqueue('t-fail', {}, { maxAttempts: 2 }))!;
    expect(await r.tick()).toBe(1);
    let row = await readJob(db, job.id);
    expect(row).toMatchObject({ state: 'queued', attempts: 1, lastError: 'boom 1' });
    expect(Date.parse(row!.runAt)).toBeGreaterThan(T0.getTime());
    expect(await r.tick()).toBe(0); // backoff: not due yet
    clock.now = at(10 * 60_000);
    expect(await r.tick()).toBe(1);
    row = await readJob(db, job.id);
    expect(row).toMatchObject({ state: 'failed', attempts: 2, lastError: 'boom 2' });
    clock.now = at(60 * 60_000);
    expect(await r.tick()).toBe(0);
    expect(calls).toBe(2);
  });

  it('a job whose process stopped (lease ran out) is claimed again by another process; the first one cannot finish it any more', async () => {
    const clockA = { now: T0 };
    const clockB = { now: T0 };
    const startedA = deferred();
    const releaseA = deferred();
    const a = runner(clockA, { leaseMs: 60_000, worker: 'process-a' }).handle('t-lease', async () => {
      startedA.resolve();
      await releaseA.promise; // "crashed": never returns while B works
      return 'from A';
    });
    const b = runner(clockB, { leaseMs: 60_000, worker: 'process-b' }).handle('t-lease', async (job: RunningJob) => `from B, attempt ${job.attempt}`);
    const job = (await a.enqueue('t-lease'))!;
    const tickA = a.tick();
    await startedA.promise;
    expect(await readJob(db, job.id)).toMatchObject({ state: 'running', lockedBy: 'process-a', attempts: 1 });

    // within the lease: B does not take it
    clockB.now = at(59_000);
    expect(await b.tick()).toBe(0);
    // lease over: B claims it again and finishes it
    clockB.now = at(61_000);
    expect(await b.tick()).toBe(1);
    expect(await readJob(db, job.id)).toMatchObject({ state: 'done', attempts: 2, result: 'from B, attempt 2' });

    // A comes back: its claim is gone, the result stays B's
    releaseA.resolve();
    await tickA;
    expect(await readJob(db, job.id)).toMatchObject({ state: 'done', result: 'from B, attempt 2' });
  });

  it('two processes polling the same queue at once never run the same job twice', async () => {
    const clock = { now: T0 };
    const runs = new Map<string, number>();
    const handler = async (job: RunningJob) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
      return null;
    };
    const a = runner(clock, { concurrency: 3, worker: 'a' }).handle('t-race', handler);
    const b = runner(clock, { concurrency: 3, worker: 'b' }).handle('t-race', handler);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await a.enqueue('t-race', { i }))!.id);
    for (let round = 0; round < 20 && runs.size < ids.length; round++) await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const rows = await listJobs(db, 't-race');
    expect(rows.every((r) => r.state === 'done' && r.attempts === 1)).toBe(true);
  });

  it('a recurring job is queued and run once per interval slot, whichever process gets there first', async () => {
    const clock = { now: at(5 * 60_000 + 1_000) };
    const runs: string[] = [];
    const handler = async (job: RunningJob) => {
      runs.push(String(job.payload.slot));
      return null;
    };
    const a = runner(clock, { worker: 'a' }).handle('t-every', handler).every('t-every', 5 * 60_000);
    const b = runner(clock, { worker: 'b' }).handle('t-every', handler).every('t-every', 5 * 60_000);
    await Promise.all([a.tick(), b.tick()]);
    await Promise.all([a.tick(), b.tick()]);
    expect(runs).toEqual(['2026-11-24T10:05:00.000Z']);
    clock.now = at(9 * 60_000);
    await Promise.all([a.tick(), b.tick()]);
    expect(runs).toHaveLength(1);
    clock.now = at(10 * 60_000);
    await Promise.all([b.tick(), a.tick()]);
    await Promise.all([a.tick(), b.tick()]);
    expect(runs).toEqual(['2026-11-24T10:05:00.000Z', '2026-11-24T10:10:00.000Z']);
    expect((await listJobs(db, 't-every')).map((j) => j.uniqueKey)).toEqual(['t-every@2026-11-24T10:05:00.000Z', 't-every@2026-11-24T10:10:00.000Z']);
  });

  it('stop() waits for the running job and then claims nothing', async () => {
    const clock = { now: T0 };
    const release = deferred();
    const started = deferred();
    let sawStop = false;
    const r = runner(clock).handle('t-stop', async (job) => {
      started.resolve();
      await release.promise;
      sawStop = job.signal.aborted;
      return null;
    });
    const job = (await r.enqueue('t-stop'))!;
    const ticking = r.tick();
    await started.promise;
    const stopping = r.stop();
    release.resolve();
    await stopping;
    await ticking;
    expect(sawStop).toBe(true);
    expect((await readJob(db, job.id))?.state).toBe('done');
    await r.enqueue('t-stop');
    expect(await r.tick()).toBe(0);
  });
});
