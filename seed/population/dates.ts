/**
 * Every generated date is relative to one fixed anchor, so the population does not change with
 * the day it is generated on.
 */
export const ANCHOR_DATE = '2026-11-01';

const ANCHOR_MS = Date.parse(`${ANCHOR_DATE}T00:00:00Z`);
const DAY_MS = 86_400_000;

/** The history window: encounters, observations, tasks and outreach fall in the last 18 months. */
export const HISTORY_DAYS = 548;

/** YYYY-MM-DD, `days` before the anchor. */
export function dateBefore(days: number): string {
  return new Date(ANCHOR_MS - days * DAY_MS).toISOString().slice(0, 10);
}

/** An instant `days` before the anchor plus `minutes` into that day, as FHIR dateTime (UTC, seconds). */
export function dateTimeBefore(days: number, minutes: number): string {
  return new Date(ANCHOR_MS - days * DAY_MS + minutes * 60_000).toISOString().replace('.000Z', 'Z');
}
