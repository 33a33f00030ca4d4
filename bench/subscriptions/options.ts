/** Settings of `npm run bench:subscriptions`, from BENCH_* environment variables (bench/subscriptions/run.ts). */
import { nonNegative, positive } from '../options.ts';

export interface SubscriptionBenchOptions {
  /** PostgreSQL server URL (loopback) ending in "/": a database is created there and dropped. */
  databaseUrl: string;
  /** Task updates per second, paced evenly. */
  rate: number;
  /** Seconds measured with the Subscription (and, before it, without one for the write baseline). */
  duration: number;
  /** Seconds of unmeasured updates after subscribing. */
  warmup: number;
  /** Referral Tasks updated in turn (each every tasks/rate seconds). */
  tasks: number;
  /** Seconds to wait, at the end, for notifications still on their way. */
  drain: number;
  resultsPath: string;
  /** Hard limit on the whole run, seconds. */
  timeout: number;
}

export function subscriptionOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SubscriptionBenchOptions {
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/';
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`BENCH_DATABASE_URL must point at a loopback address, got host "${host}"`);
  const rate = positive(env.BENCH_SUB_RATE, 100, 'BENCH_SUB_RATE');
  const duration = positive(env.BENCH_DURATION, 30, 'BENCH_DURATION');
  const warmup = nonNegative(env.BENCH_WARMUP, 3, 'BENCH_WARMUP');
  const tasks = Math.round(positive(env.BENCH_SUB_TASKS, 200, 'BENCH_SUB_TASKS'));
  const drain = positive(env.BENCH_SUB_DRAIN, 10, 'BENCH_SUB_DRAIN');
  const timeout = Math.round(positive(env.BENCH_TIMEOUT, 120 + 2 * duration + warmup + drain, 'BENCH_TIMEOUT'));
  return { databaseUrl, rate, duration, warmup, tasks, drain, resultsPath: env.BENCH_SUB_RESULTS || 'bench/SUBSCRIPTIONS-RESULTS.md', timeout };
}
