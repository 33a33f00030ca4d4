import { nonNegative, positive } from '../options.ts';

/** Settings of `npm run bench:validation`, from BENCH_* environment variables (bench/README.md). */
export interface ValidationBenchOptions {
  /** Distinct Referral Tasks generated (validated in turn, cycling). */
  tasks: number;
  /** Seconds per measured case, and of unmeasured warm-up before it. */
  duration: number;
  warmup: number;
  resultsPath: string;
  /** Seconds to wait, before each case, for other processes to leave the CPU (0 = don't wait). */
  quietWait: number;
}

export function validationOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ValidationBenchOptions {
  return {
    tasks: Math.round(positive(env.BENCH_VALIDATION_TASKS, 300, 'BENCH_VALIDATION_TASKS')),
    duration: positive(env.BENCH_DURATION, 5, 'BENCH_DURATION'),
    warmup: nonNegative(env.BENCH_WARMUP, 1, 'BENCH_WARMUP'),
    resultsPath: env.BENCH_VALIDATION_RESULTS || 'bench/VALIDATION-RESULTS.md',
    quietWait: nonNegative(env.BENCH_QUIET_WAIT, 10, 'BENCH_QUIET_WAIT'),
  };
}
