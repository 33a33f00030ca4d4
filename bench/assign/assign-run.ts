/**
 * The assignment run: `connections` clients, each taking the next member not yet taken and
 * POSTing `ServiceRequest/{authorization}/$ecm-assign` for it, until every member is assigned or
 * the time budget is spent. A 409 or 412 that names no ECM rule is the server giving up on
 * colliding transactions ("retry"): the client retries it (up to 3 times) and only a final one
 * counts as an error. Meanwhile: CPU by process, PostgreSQL activity, and checkpoints every
 * `block` assignments (time, CPU, WAL position) to see whether assignments slow down as the
 * attribution Groups grow. Optionally a server CPU profile of a window in the middle.
 */
import { existsSync } from 'node:fs';
import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { type CpuSnapshot, type CpuUsage, cpuSnapshot, cpuUsage } from '../cpu.ts';
import { memberAuthorizationId } from './dataset.ts';
import { type PgActivity, type PgCounters, lsnBytes, startPgMonitor } from './pg-activity.ts';

const RULE_SYSTEM = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-rule';
const CLIENT_RETRIES = 3;

export interface AssignRecord {
  member: number;
  /** ms since the run started. */
  start: number;
  end: number;
  status: number;
  attempts: number;
  provider?: string;
  step?: string;
}

export interface Checkpoint {
  done: number;
  /** ms since the run started. */
  t: number;
  cpu: CpuSnapshot;
  lsn: string;
}

export interface AssignRun {
  members: number;
  connections: number;
  date: string;
  seconds: number;
  /** Completed assignments (200), in completion order. */
  assigned: AssignRecord[];
  failed: AssignRecord[];
  errorSamples: { status: number; body: string }[];
  /** Extra attempts the clients made after a final "collided, retry" answer. */
  clientRetries: number;
  budgetSpent: boolean;
  cpu: CpuUsage;
  pg: { activity: PgActivity; counters: PgCounters };
  block: number;
  checkpoints: Checkpoint[];
  /** WAL bytes between consecutive checkpoints. */
  blockWal: number[];
  profile?: { file: string; from: number; to: number; doneFrom: number; doneTo: number };
}

export interface AssignRunOptions {
  serverUrl: string;
  serverPid: number;
  databaseUrl: string;
  members: number;
  connections: number;
  budgetSeconds: number;
  date: string;
  block: number;
  /** Profile window: starts when this many members are assigned, lasts `profileSeconds`. */
  profileAt?: number;
  profileSeconds: number;
  profileFile?: string;
  log: (m: string) => void;
}

function namesRule(body: string): boolean {
  try {
    const o = JSON.parse(body) as OperationOutcome;
    return (o.issue ?? []).some((i) => i.details?.coding?.some((c) => c.system === RULE_SYSTEM));
  } catch {
    return false;
  }
}

function readAnswer(body: string): { provider?: string; step?: string } {
  const params = (JSON.parse(body) as Parameters).parameter ?? [];
  return {
    provider: params.find((p) => p.name === 'provider')?.valueReference?.reference,
    step: params.find((p) => p.name === 'step')?.valueCoding?.code,
  };
}

export async function runAssignments(o: AssignRunOptions): Promise<AssignRun> {
  const pids = { server: o.serverPid };
  const monitor = await startPgMonitor(o.databaseUrl, 20);
  const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'date', valueDate: o.date }] });
  const assigned: AssignRecord[] = [];
  const failed: AssignRecord[] = [];
  const errorSamples: AssignRun['errorSamples'] = [];
  const checkpoints: Checkpoint[] = [];
  const pendingLsn: Promise<void>[] = [];
  let clientRetries = 0;
  let next = 0;
  let budgetSpent = false;
  // Set from the workers' callbacks: an object, so that the checks after the run see it.
  const profiling: { profile?: NonNullable<AssignRun['profile']>; timer?: NodeJS.Timeout } = {};

  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const deadline = o.budgetSeconds * 1000;
  const before = cpuSnapshot(pids);
  const checkpoint = (done: number) => {
    const cp: Checkpoint = { done, t: now(), cpu: cpuSnapshot(pids), lsn: '' };
    checkpoints.push(cp);
    pendingLsn.push(monitor.lsn().then((l) => void (cp.lsn = l)));
  };
  checkpoint(0);

  const stopProfile = () => {
    const p = profiling.profile;
    if (!p || p.to >= 0) return;
    clearTimeout(profiling.timer);
    p.to = now();
    p.doneTo = assigned.length;
    process.kill(o.serverPid, 'SIGUSR2');
  };
  const maybeStartProfile = () => {
    if (profiling.profile || !o.profileFile || o.profileAt === undefined || o.profileSeconds <= 0 || assigned.length < o.profileAt) return;
    profiling.profile = { file: o.profileFile, from: now(), to: -1, doneFrom: assigned.length, doneTo: -1 };
    process.kill(o.serverPid, 'SIGUSR2');
    profiling.timer = setTimeout(stopProfile, o.profileSeconds * 1000);
    o.log(`  server CPU profile: ${o.profileSeconds} s from assignment ${assigned.length}`);
  };

  let lastLog = 0;
  const worker = async () => {
    for (;;) {
      if (now() >= deadline) {
        budgetSpent = next < o.members;
        return;
      }
      const member = next++;
      if (member >= o.members) return;
      const record: AssignRecord = { member, start: now(), end: 0, status: 0, attempts: 0 };
      let text = '';
      for (;;) {
        record.attempts++;
        try {
          const res = await fetch(`${o.serverUrl}/fhir/ServiceRequest/${memberAuthorizationId(member)}/$ecm-assign`, {
            method: 'POST',
            headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
            body,
            signal: AbortSignal.timeout(120_000),
          });
          record.status = res.status;
          text = await res.text();
        } catch (err) {
          record.status = -1;
          text = String(err);
        }
        const collided = (record.status === 409 || record.status === 412) && !namesRule(text);
        if (!collided || record.attempts > CLIENT_RETRIES) break;
        clientRetries++;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
      record.end = now();
      if (record.status === 200) {
        Object.assign(record, readAnswer(text));
        assigned.push(record);
        if (assigned.length % o.block === 0) checkpoint(assigned.length);
        maybeStartProfile();
      } else {
        failed.push(record);
        if (errorSamples.length < 5) errorSamples.push({ status: record.status, body: text.slice(0, 400) });
      }
      if (record.end - lastLog > 10_000) {
        lastLog = record.end;
        o.log(`  ${assigned.length.toLocaleString('en-US')} assigned, ${failed.length} failed, ${(assigned.length / (record.end / 1000)).toFixed(1)}/s so far`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  const seconds = now() / 1000;
  if (assigned.length % o.block !== 0) checkpoint(assigned.length);
  stopProfile();
  const cpu = cpuUsage(before, cpuSnapshot(pids));
  await Promise.all(pendingLsn);
  const pg = await monitor.stop();
  const blockWal: number[] = [];
  for (let i = 1; i < checkpoints.length; i++) blockWal.push(lsnBytes(checkpoints[i].lsn) - lsnBytes(checkpoints[i - 1].lsn));
  let profile = profiling.profile;
  if (profile) {
    const deadlineMs = performance.now() + 30_000;
    while (!existsSync(profile.file) && performance.now() < deadlineMs) await new Promise((r) => setTimeout(r, 200));
    if (!existsSync(profile.file)) {
      o.log('  the server wrote no CPU profile');
      profile = undefined;
    }
  }
  return {
    members: o.members,
    connections: o.connections,
    date: o.date,
    seconds,
    assigned,
    failed,
    errorSamples,
    clientRetries,
    budgetSpent,
    cpu,
    pg,
    block: o.block,
    checkpoints,
    blockWal,
    ...(profile ? { profile } : {}),
  };
}
