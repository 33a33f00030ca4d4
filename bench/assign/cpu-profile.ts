/**
 * A V8 `.cpuprofile` boiled down for the report: where the server's busy time went, by area of
 * the code (self time) and by the project functions it was spent under (inclusive time).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  seconds: number;
  /** Share of the window the main thread was busy (not idle). */
  busyShare: number;
  /** Self time by area, as shares of the busy time. */
  areas: { area: string; share: number }[];
  /** Functions with the most self time. */
  self: { fn: string; share: number }[];
  /** Project functions (src/) with the most time spent in them or what they called. */
  inclusive: { fn: string; share: number }[];
}

const ROOT_MARK = '/src/';

function area(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native (program)';
  if (!url && (functionName === 'parse' || functionName === 'stringify')) return 'JSON.parse / JSON.stringify';
  if (url.includes('/node_modules/pg') || url.includes('/node_modules/pg-protocol/')) return 'pg driver';
  if (url.includes('/node_modules/fastify') || url.includes('/node_modules/find-my-way') || url.includes('/node_modules/light-my-request')) return 'fastify';
  if (url.includes('/node_modules/')) return 'other libraries';
  if (url.includes(`${ROOT_MARK}store/`)) return 'src/store (SQL, index extraction, rows)';
  if (url.includes(`${ROOT_MARK}ecm/assignment/`)) return 'src/ecm/assignment';
  if (url.includes(`${ROOT_MARK}ecm/`)) return 'src/ecm (other: evidence, settings, calendar)';
  if (url.includes(`${ROOT_MARK}fhir/`)) return 'src/fhir (REST, search parsing, operations)';
  if (url.includes(ROOT_MARK)) return 'src (other)';
  if (url.startsWith('node:')) return 'Node internals (net, streams, timers)';
  // The sampling profiler counts wall time: a thread that wakes the PostgreSQL backend with a
  // socket write and then waits for a core shows that wait as time in the write.
  if (functionName === 'writev' || functionName === 'writeBuffer' || functionName === 'writeUtf8String') return 'socket writes (incl. waiting for a core after waking PostgreSQL)';
  return url ? 'other' : `native (${functionName || 'anonymous'})`;
}

function label(frame: ProfileNode['callFrame']): string {
  const { url, functionName, lineNumber } = frame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const i = url.indexOf(ROOT_MARK);
  const where = i >= 0 ? url.slice(i + 1) : url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : url;
  return `${name} (${where}:${lineNumber + 1})`;
}

export function summarizeProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfTime = new Map<string, number>();
  const areaTime = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    // A sample's time is the gap to the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    busy += dt;
    const fn = label(node.callFrame);
    selfTime.set(fn, (selfTime.get(fn) ?? 0) + dt);
    const a = area(node.callFrame);
    areaTime.set(a, (areaTime.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (!frame.url.includes(ROOT_MARK)) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  const shares = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => ({ k, share: busy > 0 ? v / busy : 0 }));
  return {
    seconds: (profile.endTime - profile.startTime) / 1e6,
    busyShare: total > 0 ? busy / total : 0,
    areas: shares(areaTime, 20).map(({ k, share }) => ({ area: k, share })),
    self: shares(selfTime, top).map(({ k, share }) => ({ fn: k, share })),
    inclusive: shares(inclusive, top + 10).map(({ k, share }) => ({ fn: k, share })),
  };
}
