/**
 * One autocannon run over a scenario's requests, with p50/p95/p99 from every response's latency.
 * (bench/load.ts's runner replaces each request's onResponse, which the paged walk needs for
 * following `next` links, and reports no p95.)
 */
import autocannon from 'autocannon';
import type { Bundle } from '@medplum/fhirtypes';
import { type CpuUsage, cpuSnapshot, cpuUsage } from '../cpu.ts';
import { type SearchScenario, nextPath } from './scenarios.ts';

export interface Measurement {
  connections: number;
  duration: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  errorSample?: { status: number; body: string };
  cpu: CpuUsage;
}

export function measure(baseUrl: string, s: SearchScenario, connections: number, duration: number, pids: Record<string, number>): Promise<Measurement> {
  const latencies: number[] = [];
  let errorSample: Measurement['errorSample'];
  const onResponse = (status: number, body: string, context: Record<string, unknown>) => {
    if (status !== 200) {
      errorSample ??= { status, body: body.slice(0, 300) };
      context.next = undefined;
      return;
    }
    if (s.pages > 1) context.next = nextPath(JSON.parse(body) as Bundle);
  };
  const requests: autocannon.Request[] = s.pages > 1
    ? Array.from({ length: s.pages }, (_, page) => ({
        method: 'GET',
        headers: { accept: 'application/fhir+json' },
        // Page 1 starts a walk; the others follow the previous page's `next` (a walk without one restarts).
        setupRequest: (req: autocannon.Request, context: Record<string, unknown>) =>
          page === 0 ? { ...req, path: s.paths[0] } : typeof context.next === 'string' ? { ...req, path: context.next } : undefined,
        onResponse,
      }))
    : s.paths.map((path) => ({ method: 'GET', path, headers: { accept: 'application/fhir+json' }, onResponse }));
  const before = cpuSnapshot(pids);
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: baseUrl, connections, duration, timeout: 30, requests }, (err, result) => {
      if (err) return reject(err);
      const sorted = Float64Array.from(latencies).sort();
      resolve({
        connections,
        duration: result.duration,
        requests: sorted.length,
        rps: sorted.length / result.duration,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        errorSample,
        cpu: cpuUsage(before, cpuSnapshot(pids)),
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
