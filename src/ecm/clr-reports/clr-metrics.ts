import type { Task } from '@medplum/fhirtypes';
import { LOOP_CLOSURE_SYSTEM, referenceKey, responseDateOf } from '../referral/referral-task.ts';
import { FINAL_STATUSES, roleFor } from '../referral/task-lifecycle.ts';
import { plusDays } from '../calendar/local-dates.ts';
import { type ReportPeriod, inPeriod, localMidnightMs } from './report-period.ts';

/** Per provider (owner organization) CLR figures over a period (CLR-METRICS). */
export interface ProviderMetrics {
  /** `Organization/x`, the Tasks' owner. */
  provider: string;
  /** Referral Tasks authored in the period (draft and entered-in-error ones are not counted). */
  total: number;
  /** Of those, not in a final status (completed, failed, rejected, cancelled). */
  pending: number;
  /** Closed loops: completed or failed. */
  closed: number;
  /** Tasks with a response instant (the response times' sample size). */
  responded: number;
  /** Hours from authoredOn to the first response: median and 90th percentile (linear interpolation); absent without responses. */
  responseMedianHours?: number;
  responseP90Hours?: number;
  /** closed / total. */
  closureRate: number;
  /** Closed with statusReason `unable-to-reach` / closed; absent when none closed. */
  unableToReachRate?: number;
  /** Still `requested` after the response due date (restriction.period.end) at `now`. */
  overdue: number;
}

/** Statuses a referral Task counts in no metric: not sent yet, or recorded in error. */
const NOT_COUNTED = new Set<Task['status']>(['draft', 'entered-in-error']);
const CLOSED = new Set<Task['status']>(['completed', 'failed']);
const HOUR_MS = 3_600_000;

/** Accumulates the metrics page by page, so a report never holds every Task at once. */
export class ClrMetricsAccumulator {
  private readonly groups = new Map<string, { total: number; pending: number; closed: number; unableToReach: number; overdue: number; hours: number[] }>();

  constructor(
    private readonly period: ReportPeriod,
    private readonly nowMs: number,
  ) {}

  add(task: Task): void {
    const provider = referenceKey(task.owner);
    if (!provider?.startsWith('Organization/') || NOT_COUNTED.has(task.status) || !inPeriod(task.authoredOn, this.period)) return;
    let g = this.groups.get(provider);
    if (!g) this.groups.set(provider, (g = { total: 0, pending: 0, closed: 0, unableToReach: 0, overdue: 0, hours: [] }));
    g.total++;
    if (!FINAL_STATUSES.includes(task.status)) g.pending++;
    if (CLOSED.has(task.status)) {
      g.closed++;
      if ((task.statusReason?.coding ?? []).some((c) => c.system === LOOP_CLOSURE_SYSTEM && c.code === 'unable-to-reach')) g.unableToReach++;
    }
    if (task.status === 'requested' && isOverdue(task.restriction?.period?.end, this.nowMs)) g.overdue++;
    const hours = responseHours(task);
    if (hours !== undefined) g.hours.push(hours);
  }

  /** One entry per provider, ordered by reference. */
  result(): ProviderMetrics[] {
    return [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([provider, g]) => {
        const sorted = [...g.hours].sort((a, b) => a - b);
        const m: ProviderMetrics = { provider, total: g.total, pending: g.pending, closed: g.closed, responded: sorted.length, closureRate: round(g.closed / g.total, 4), overdue: g.overdue };
        if (sorted.length > 0) {
          m.responseMedianHours = round(percentile(sorted, 0.5), 2);
          m.responseP90Hours = round(percentile(sorted, 0.9), 2);
        }
        if (g.closed > 0) m.unableToReachRate = round(g.unableToReach / g.closed, 4);
        return m;
      });
  }
}

/**
 * Hours from authoredOn to the first response: ext-response-date, or for a Task the owner moved
 * on (an owner status) without that stamp (data loaded before the lifecycle rule), lastModified.
 * A date without a time counts from 00:00 America/Los_Angeles; a negative span counts as 0.
 */
export function responseHours(task: Task): number | undefined {
  const authored = instantOf(task.authoredOn);
  const response = instantOf(responseDateOf(task) ?? (roleFor(task.status) === 'owner' ? task.lastModified : undefined));
  if (authored === undefined || response === undefined) return undefined;
  return Math.max(0, response - authored) / HOUR_MS;
}

/** Overdue at `nowMs`: a due date-time before now, or a due date whose whole local day is over. */
export function isOverdue(due: string | undefined, nowMs: number): boolean {
  if (!due) return false;
  const end = /^\d{4}-\d{2}-\d{2}$/.test(due) ? localMidnightMs(plusDays(due, 1)) : Date.parse(due);
  return Number.isFinite(end) && end < nowMs;
}

function instantOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return localMidnightMs(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The p-quantile of sorted values by linear interpolation between closest ranks (the median of an even count is the mean of the middle two). */
export function percentile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function round(value: number, places: number): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}
