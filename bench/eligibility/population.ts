/**
 * The system-level population run as a client makes it (async.html): POST [base]/$ecm-eligibility
 * with Prefer: respond-async, poll the Content-Location until it stops answering 202, then read
 * the result Bundle and the NDJSON list. Meanwhile the server process's memory is sampled from
 * /proc; its peak (VmHWM) is read at the end.
 */
import { readFileSync } from 'node:fs';
import type { Binary, Bundle, Parameters } from '@medplum/fhirtypes';
import { type CpuUsage, cpuSnapshot, cpuUsage } from '../cpu.ts';

export interface PopulationMeasurement {
  seconds: number;
  /** Members looked at (Patients), from the last X-Progress. */
  members: number;
  evaluated: number;
  skipped: number;
  eligible: number;
  /** Server RSS before the run, the highest sampled during it, and the process's peak (VmHWM). */
  rssBeforeBytes?: number;
  rssSampledPeakBytes?: number;
  peakRssBytes?: number;
  cpu: CpuUsage;
  /** Eligible members per POF met and per risk tier, from the NDJSON list. */
  perPof: Record<string, number>;
  perTier: Record<string, number>;
  /** The list's members (Patient ids) with the POFs met, to compare with single-member answers. */
  listed: Map<string, string[]>;
  /** X-Progress samples: seconds since the start and members done. */
  progress: { seconds: number; done: number }[];
}

const POLL_MS = 200;
const SAMPLE_MS = 100;

/** VmRSS / VmHWM of a process in bytes (Linux), undefined elsewhere or once it is gone. */
export function processMemory(pid: number): { rss?: number; hwm?: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : undefined;
    };
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return {};
  }
}

async function request(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/fhir+json', ...(init.headers as Record<string, string>) }, signal: AbortSignal.timeout(120_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function measurePopulation(serverUrl: string, serverPid: number, date: string, log: (m: string) => void): Promise<PopulationMeasurement> {
  const rssBeforeBytes = processMemory(serverPid).rss;
  let rssSampledPeakBytes = rssBeforeBytes;
  const sampler = setInterval(() => {
    const { rss } = processMemory(serverPid);
    if (rss !== undefined && (rssSampledPeakBytes === undefined || rss > rssSampledPeakBytes)) rssSampledPeakBytes = rss;
  }, SAMPLE_MS);
  const before = cpuSnapshot({ server: serverPid });
  const t0 = performance.now();
  const progress: PopulationMeasurement['progress'] = [];
  let final: { status: number; text: string };
  let statusUrl: string;
  try {
    const kickoff = await request(`${serverUrl}/fhir/$ecm-eligibility?date=${date}`, { method: 'POST', headers: { prefer: 'respond-async' } });
    statusUrl = kickoff.headers.get('content-location') ?? '';
    if (kickoff.status !== 202 || !statusUrl) throw new Error(`POST /fhir/$ecm-eligibility answered ${kickoff.status} (expected 202 + Content-Location): ${kickoff.text.slice(0, 300)}`);
    let lastLog = t0;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const res = await request(statusUrl);
      if (res.status !== 202) {
        final = res;
        break;
      }
      const m = /^(\d+)\/(\d+)/.exec(res.headers.get('x-progress') ?? '');
      const now = performance.now();
      if (m) progress.push({ seconds: (now - t0) / 1000, done: Number(m[1]) });
      if (now - lastLog > 10_000) {
        lastLog = now;
        log(`  population run: ${res.headers.get('x-progress')} after ${((now - t0) / 1000).toFixed(0)} s`);
      }
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(before, cpuSnapshot({ server: serverPid }));
  const peakRssBytes = processMemory(serverPid).hwm;
  if (final.status !== 200) throw new Error(`the population run ended with ${final.status}: ${final.text.slice(0, 300)}`);

  const bundle = JSON.parse(final.text) as Bundle;
  const params = (bundle.entry?.[0]?.resource as Parameters | undefined)?.parameter ?? [];
  const int = (name: string) => params.find((p) => p.name === name)?.valueInteger ?? NaN;
  const ndjsonUrl = params.find((p) => p.name === 'ndjson')?.valueUri;
  if (!ndjsonUrl) throw new Error('the population result names no NDJSON list');
  const list = await request(ndjsonUrl);
  if (list.status !== 200) throw new Error(`GET ${ndjsonUrl} answered ${list.status}`);
  const ndjson = Buffer.from((JSON.parse(list.text) as Binary).data ?? '', 'base64').toString('utf8');
  const perPof: Record<string, number> = {};
  const perTier: Record<string, number> = {};
  const listed = new Map<string, string[]>();
  for (const line of ndjson.split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { member: string; riskTier: string; pofs: { code: string }[] };
    listed.set(entry.member.replace(/^Patient\//, ''), entry.pofs.map((p) => p.code).sort());
    perTier[entry.riskTier] = (perTier[entry.riskTier] ?? 0) + 1;
    for (const p of entry.pofs) perPof[p.code] = (perPof[p.code] ?? 0) + 1;
  }
  const evaluated = int('evaluated');
  const skipped = int('skipped');
  return {
    seconds,
    members: evaluated + skipped,
    evaluated,
    skipped,
    eligible: int('eligible'),
    rssBeforeBytes,
    rssSampledPeakBytes,
    peakRssBytes,
    cpu,
    perPof,
    perTier,
    listed,
    progress,
  };
}
