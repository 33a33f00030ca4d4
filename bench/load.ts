import autocannon from 'autocannon';
import { type CpuUsage, cpuSnapshot, cpuUsage } from './cpu.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  requests: autocannon.Request[];
  /** Seconds before a request counts as timed out. */
  timeout: number;
  /** Processes whose CPU time is reported for the run, by name. */
  pids: Record<string, number>;
}

export interface LoadResult {
  connections: number;
  /** Seconds the run actually took. */
  duration: number;
  /** Responses received (any status). */
  completed: number;
  /** Responses per second. */
  rps: number;
  /** Latency in ms, from autocannon's per-response timings (full float precision, not its integer histogram). */
  p50: number;
  p99: number;
  mean: number;
  non2xx: number;
  /** Socket errors and timeouts (timeouts are also counted separately). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** The first non-2xx response, for the report. */
  errorSample?: { status: number; body: string };
  cpu: CpuUsage;
  /** Every response's latency, sorted (for merging runs; not reported). */
  latencies: Float64Array;
}

/** Runs autocannon once against `url` with `requests` cycled on every connection. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errorSample: LoadResult['errorSample'];
  const requests = options.requests.map((r) => ({
    ...r,
    onResponse: (status: number, body: string) => {
      if ((status < 200 || status >= 300) && !errorSample) errorSample = { status, body: body.slice(0, 500) };
    },
  }));
  const before = cpuSnapshot(options.pids);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        timeout: options.timeout,
        requests,
      },
      (err, result) => {
        if (err) return reject(err);
        const cpu = cpuUsage(before, cpuSnapshot(options.pids));
        const sorted = Float64Array.from(latencies).sort();
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          connections: options.connections,
          duration: result.duration,
          completed: sorted.length,
          rps: sorted.length / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          mean: sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : NaN,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          errorSample,
          cpu,
          latencies: sorted,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
}

/** Several runs of one scenario (slices of an interleaved measurement) as one result. */
export function mergeResults(parts: LoadResult[]): LoadResult {
  if (parts.length === 1) return parts[0];
  const duration = parts.reduce((s, p) => s + p.duration, 0);
  const latencies = new Float64Array(parts.reduce((s, p) => s + p.latencies.length, 0));
  let at = 0;
  for (const p of parts) {
    latencies.set(p.latencies, at);
    at += p.latencies.length;
  }
  latencies.sort();
  const statusCodes: Record<string, number> = {};
  for (const p of parts) for (const [code, n] of Object.entries(p.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  // CPU shares: averages weighted by each part's duration.
  const avg = (get: (c: CpuUsage) => number | undefined) => {
    let sum = 0;
    for (const p of parts) {
      const v = get(p.cpu);
      if (v === undefined) return undefined;
      sum += v * p.duration;
    }
    return sum / duration;
  };
  const pidNames = Object.keys(parts[0].cpu.pids);
  const sum = (get: (r: LoadResult) => number) => parts.reduce((s, p) => s + get(p), 0);
  return {
    connections: parts[0].connections,
    duration,
    completed: latencies.length,
    rps: latencies.length / duration,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    mean: latencies.length ? latencies.reduce((s, v) => s + v, 0) / latencies.length : NaN,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    errorSample: parts.find((p) => p.errorSample)?.errorSample,
    cpu: {
      pids: Object.fromEntries(pidNames.map((n) => [n, avg((c) => c.pids[n])])),
      postgres: avg((c) => c.postgres),
      loadGenerator: avg((c) => c.loadGenerator) ?? 0,
      machineBusy: avg((c) => c.machineBusy),
      other: avg((c) => c.other),
    },
    latencies,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** A run counts as failed when any response was not 2xx or any request errored or timed out. */
export function failures(r: LoadResult): number {
  return r.non2xx + r.errors;
}
