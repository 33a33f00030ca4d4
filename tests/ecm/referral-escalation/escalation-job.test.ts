import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../../src/config.ts';
import { listJobs } from '../../../src/store/job-queue-sql.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { FLAG_SYSTEM, network, patient, read, referralLoop, storeAll } from './escalation-support.ts';

// CLR-ESCALATE as a background job: the server escalates overdue referrals on its own.

const { fhir, app } = useFhirServer({ jobs: { enabled: true, pollMs: 3_600_000, leaseMs: 60_000, concurrency: 1, clrEscalateIntervalMs: 3_600_000 } });

describe('the clr-escalate job', () => {
  it('runs at start for the current slot, and escalates an overdue referral, recording the run on the job row', async () => {
    const jobs = app().jobs!;
    expect(jobs).toBeDefined();
    // the loop's first poll queues and runs the current slot (or this tick does, if it comes first)
    await jobs.tick();
    await jobs.idle();
    const slots = await listJobs(app().database, 'clr-escalate');
    expect(slots.length).toBeGreaterThanOrEqual(1);
    expect(slots.every((r) => r.state === 'done' && r.uniqueKey?.startsWith('clr-escalate@') && (r.result as { count: number }).count === 0)).toBe(true);

    await storeAll(fhir, [...network(), patient('j1'), ...referralLoop({ id: 'j1', patient: 'j1', provider: 'alpha', due: '2020-01-06T17:00:00-08:00' })]);
    const run = (await jobs.enqueue('clr-escalate'))!;
    await jobs.tick();
    expect((await read<Task>(fhir, 'Task/j1-b')).meta?.tag?.some((t) => t.system === FLAG_SYSTEM && t.code === 'escalated')).toBe(true);
    const done = (await listJobs(app().database, 'clr-escalate')).find((r) => r.id === run.id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, lastError: null, result: { count: 1, refused: [] } });
  });
});

describe('jobs configuration (configFromEnv)', () => {
  it('on by default with a 15-minute sweep; JOBS=off and CLR_ESCALATE_INTERVAL_SECONDS=0 turn them off; bad values fail the start', () => {
    expect(configFromEnv({}).jobs).toMatchObject({ enabled: true, clrEscalateIntervalMs: 900_000 });
    expect(configFromEnv({ JOBS: 'off' }).jobs?.enabled).toBe(false);
    expect(configFromEnv({ CLR_ESCALATE_INTERVAL_SECONDS: '0', JOB_POLL_MS: '250' }).jobs).toMatchObject({ clrEscalateIntervalMs: 0, pollMs: 250 });
    expect(() => configFromEnv({ JOBS: 'maybe' })).toThrow(/JOBS/);
    expect(() => configFromEnv({ CLR_ESCALATE_INTERVAL_SECONDS: '-5' })).toThrow(/CLR_ESCALATE_INTERVAL_SECONDS/);
  });
});
