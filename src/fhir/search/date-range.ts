/** FHIR instant: a dateTime with seconds and a time zone (datatypes.html#instant). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function isInstant(value: string): boolean {
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * The instant range [start, end) a FHIR date/dateTime of any precision covers (search.html#date):
 * "2026" is the whole year, "2026-03-01" the whole day. Times without a zone are taken as UTC.
 */
export function dateRange(value: string): { start: string; end: string } | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (h !== undefined && mi === undefined) return undefined;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (month > 11 || day < 1 || day > 31) return undefined;
  let start: Date;
  let end: Date;
  if (h === undefined) {
    start = new Date(Date.UTC(year, month, day));
    end = new Date(Date.UTC(d ? year : mo ? year : year + 1, d ? month : mo ? month + 1 : 0, d ? day + 1 : 1));
    if (start.getUTCMonth() !== month) return undefined;
  } else {
    const zone = tz ?? 'Z';
    const seconds = s ?? '00';
    start = new Date(`${y}-${mo}-${d}T${h}:${mi}:${seconds}${frac ?? ''}${zone}`);
    if (Number.isNaN(start.getTime())) return undefined;
    const step = s === undefined ? 60_000 : frac === undefined ? 1000 : 1;
    end = new Date(start.getTime() + step);
  }
  return { start: start.toISOString(), end: end.toISOString() };
}
