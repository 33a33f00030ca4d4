/** Timing of one validation function over a set of resources, in-process. */

export interface ValidationMeasurement {
  /** Resources validated in the measured window. */
  resources: number;
  /** Seconds the window actually took. */
  seconds: number;
  resourcesPerSecond: number;
  /** Mean cost: window / resources, in µs. */
  meanMicros: number;
  /** Per-call timings, µs (each includes one performance.now() pair, ~0.1 µs). */
  p50Micros: number;
  p99Micros: number;
  /** Error issues found per resource (the same for every pass over the set). */
  errorsPerResource: number;
}

/**
 * Calls `validate` on the resources in turn (cycling) for `seconds`. `validate` returns the
 * number of error issues it found.
 */
export function measureValidation<T>(resources: T[], validate: (r: T) => number, seconds: number): ValidationMeasurement {
  return runFor(resources, validate, seconds, true);
}

/** The same, unmeasured: so that the JIT and the validators' caches are warm before measuring. */
export function warmUpValidation<T>(resources: T[], validate: (r: T) => number, seconds: number): void {
  if (seconds > 0) runFor(resources, validate, seconds, false);
}

function runFor<T>(resources: T[], validate: (r: T) => number, seconds: number, keepTimings: boolean): ValidationMeasurement {
  const timings: number[] = [];
  const limit = seconds * 1000;
  let count = 0;
  let errors = 0;
  const start = performance.now();
  let now = start;
  while (now - start < limit) {
    const before = now;
    errors += validate(resources[count % resources.length]);
    now = performance.now();
    if (keepTimings) timings.push((now - before) * 1000);
    count++;
  }
  const elapsed = (now - start) / 1000;
  const sorted = Float64Array.from(timings).sort();
  return {
    resources: count,
    seconds: elapsed,
    resourcesPerSecond: count / elapsed,
    meanMicros: (elapsed * 1e6) / count,
    p50Micros: percentile(sorted, 0.5),
    p99Micros: percentile(sorted, 0.99),
    errorsPerResource: errors / count,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
