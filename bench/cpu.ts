import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPU time of the processes that share the machine during a run, read from /proc (Linux):
 * the server children by pid, every `postgres` process together, this process (the load
 * generator) and the whole machine. Elsewhere the figures are simply absent.
 */
const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

export interface CpuSnapshot {
  wallMs: number;
  pids: Record<string, number | undefined>;
  /** Ticks per postgres process: a backend that exits between snapshots must not count negative. */
  postgres?: Map<number, number>;
  selfMs: number;
  machine?: { busy: number; total: number };
}

/** Percent of one core (100 = one core busy for the whole interval); machine busy is % of all cores. */
export interface CpuUsage {
  pids: Record<string, number | undefined>;
  postgres?: number;
  loadGenerator: number;
  machineBusy?: number;
  /** Everything else on the machine (other people's test runs, ...), % of one core. */
  other?: number;
}

export function cpuSnapshot(pids: Record<string, number>): CpuSnapshot {
  const ticks: Record<string, number | undefined> = {};
  for (const [name, pid] of Object.entries(pids)) ticks[name] = processTicks(pid);
  const usage = process.cpuUsage();
  return { wallMs: performance.now(), pids: ticks, postgres: postgresTicks(), selfMs: (usage.user + usage.system) / 1000, machine: machineTicks() };
}

export function cpuUsage(a: CpuSnapshot, b: CpuSnapshot): CpuUsage {
  const seconds = (b.wallMs - a.wallMs) / 1000;
  const pct = (t0: number | undefined, t1: number | undefined) =>
    t0 === undefined || t1 === undefined ? undefined : ((t1 - t0) / TICKS_PER_SECOND / seconds) * 100;
  const pids: Record<string, number | undefined> = {};
  for (const name of Object.keys(b.pids)) pids[name] = pct(a.pids[name], b.pids[name]);
  const machineBusy =
    a.machine && b.machine && b.machine.total > a.machine.total
      ? ((b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)) * 100
      : undefined;
  let postgres: number | undefined;
  if (a.postgres && b.postgres) {
    let ticks = 0;
    for (const [pid, t] of b.postgres) ticks += t - (a.postgres.get(pid) ?? 0);
    postgres = pct(0, ticks);
  }
  const loadGenerator = ((b.selfMs - a.selfMs) / 1000 / seconds) * 100;
  let other: number | undefined;
  if (machineBusy !== undefined && postgres !== undefined) {
    const known = Object.values(pids).reduce<number>((sum, v) => sum + (v ?? 0), 0) + postgres + loadGenerator;
    other = Math.max(0, machineBusy * availableParallelism() - known);
  }
  return { pids, postgres, loadGenerator, machineBusy, other };
}

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function postgresTicks(): Map<number, number> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const ticks = new Map<number, number>();
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    const t = processTicks(Number(e));
    if (t !== undefined) ticks.set(Number(e), t);
  }
  return ticks;
}

function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, ...values] = line.trim().split(/\s+/);
    const n = values.map(Number);
    const total = n.slice(0, 8).reduce((s, v) => s + v, 0); // user nice system idle iowait irq softirq steal
    const idle = n[3] + n[4];
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * Waits (at most `maxSeconds`) until the machine is quiet: a 1 s sample with less than `threshold`
 * % of all cores busy. Returns the last sample and how long it waited.
 */
export async function waitForQuiet(maxSeconds: number, threshold = 15): Promise<{ busy?: number; waited: number; quiet: boolean }> {
  const start = performance.now();
  let busy: number | undefined;
  for (;;) {
    const a = cpuSnapshot({});
    await new Promise((r) => setTimeout(r, 1000));
    busy = cpuUsage(a, cpuSnapshot({})).machineBusy;
    const waited = (performance.now() - start) / 1000;
    if (busy === undefined || busy < threshold) return { busy, waited, quiet: true };
    if (waited >= maxSeconds) return { busy, waited, quiet: false };
  }
}
