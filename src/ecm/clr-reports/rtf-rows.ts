import { badRequest } from '../../fhir/outcome.ts';
import { isLocalDate, localDateOf } from '../calendar/local-dates.ts';
import { parseCsv } from './csv.ts';
import { type Code, PROVIDER_STATUSES, type RtfVocabulary } from './rtf-vocabulary.ts';

/** One data row of an imported Return Transmission File, checked on its own (X-CLR-RTF). */
export interface RtfRow {
  /** Line of the file (1 = the header). */
  line: number;
  referralId?: string;
  cin?: string;
  npi?: string;
  status: Code;
  /** The date of the status update as the Task's lastModified: YYYY-MM-DD, or a dateTime with zone. */
  date: string;
  reason?: Code;
}

export type ParsedRow = { line: number; row: RtfRow; error?: undefined; referralId?: string } | { line: number; row?: undefined; error: string; referralId?: string };

/** Columns the import reads, and the other names it knows them by (DHCS element names, the export's). */
const COLUMN_NAMES: Record<string, 'referral_id' | 'cin' | 'provider_npi' | 'referral_status' | 'referral_status_date' | 'loop_closure_reason'> = {
  referral_id: 'referral_id',
  task_id: 'referral_id',
  cin: 'cin',
  member_cin: 'cin',
  medi_cal_cin: 'cin',
  provider_npi: 'provider_npi',
  npi: 'provider_npi',
  referral_status: 'referral_status',
  referral_status_date: 'referral_status_date',
  date_of_referral_status_update: 'referral_status_date',
  status_date: 'referral_status_date',
  loop_closure_reason: 'loop_closure_reason',
  reason_for_referral_loop_closure: 'loop_closure_reason',
  closure_reason: 'loop_closure_reason',
};

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The rows of an RTF CSV. The header names the columns (any order, case and spacing ignored;
 * unknown columns, such as the export's plan_id or provider_tin, are ignored). A file without the
 * columns a row needs is a 400; a bad value in a row makes that row an error, never the file.
 */
export function rtfRows(text: string, vocabulary: RtfVocabulary, today: string): ParsedRow[] {
  const { records, error } = parseCsv(text);
  if (error) throw badRequest(`The file is not valid CSV: ${error}`);
  if (records.length === 0) throw badRequest('The file is empty: it needs a header row and one row per referral');
  const [header, ...data] = records;
  const index = new Map<string, number>();
  header.fields.forEach((name, i) => {
    const column = COLUMN_NAMES[name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')];
    if (column && !index.has(column)) index.set(column, i);
  });
  const missing = ['referral_status', 'referral_status_date'].filter((c) => !index.has(c));
  if (!index.has('referral_id') && !(index.has('cin') && index.has('provider_npi'))) missing.push('referral_id (or cin and provider_npi)');
  if (missing.length > 0) throw badRequest(`The header row lacks the column(s) ${missing.join(', ')}; found: ${header.fields.join(', ')}`);
  return data.map((record) => {
    const cell = (column: string) => {
      const i = index.get(column);
      const v = i === undefined ? undefined : record.fields[i]?.trim();
      return v === '' ? undefined : v;
    };
    return parsedRow(record.line, cell, vocabulary, today);
  });
}

function parsedRow(line: number, cell: (column: string) => string | undefined, vocabulary: RtfVocabulary, today: string): ParsedRow {
  const referralId = cell('referral_id');
  const fail = (error: string): ParsedRow => ({ line, error, ...(referralId && ID.test(referralId) ? { referralId } : {}) });
  if (referralId !== undefined && !ID.test(referralId)) return fail('referral_id is not a Task id (1-64 characters of A-Z a-z 0-9 - .)');
  const cin = cell('cin');
  const npi = cell('provider_npi');
  if (referralId === undefined && (cin === undefined || npi === undefined)) return fail('The row needs referral_id, or cin and provider_npi, to find its referral');

  const statusText = cell('referral_status');
  if (statusText === undefined) return fail('referral_status is empty');
  const status = vocabulary.statuses.find(statusText);
  if (!status) return fail(`referral_status "${statusText}" is not a code or display of ecm-referral-status`);
  const meaning = PROVIDER_STATUSES[status.code];
  if (!meaning) return fail(`referral_status "${status.code}" is not a status a provider reports on the RTF (one of: ${Object.keys(PROVIDER_STATUSES).join(', ')})`);

  const dateText = cell('referral_status_date');
  if (dateText === undefined) return fail('referral_status_date is empty');
  const date = statusDate(dateText);
  if (!date) return fail(`referral_status_date "${dateText}" is not a date (YYYY-MM-DD, MM/DD/YYYY, or a dateTime with time zone)`);
  if (localDateOf(date) > today) return fail(`referral_status_date ${date} is in the future`);

  const reasonText = cell('loop_closure_reason');
  let reason: Code | undefined;
  if (reasonText !== undefined) {
    reason = vocabulary.reasons.find(reasonText);
    if (!reason) return fail(`loop_closure_reason "${reasonText}" is not a code or display of ecm-loop-closure-reason`);
    if (!meaning.closing) return fail(`loop_closure_reason is given but referral_status "${status.code}" leaves the loop open`);
  }
  const row: RtfRow = { line, status, date, ...(referralId ? { referralId } : {}), ...(cin ? { cin } : {}), ...(npi ? { npi } : {}), ...(reason ? { reason } : {}) };
  return { line, row, ...(referralId ? { referralId } : {}) };
}

/** A FHIR date or dateTime from YYYY-MM-DD, MM/DD/YYYY or a dateTime with zone; undefined when not a real one. */
export function statusDate(text: string): string | undefined {
  const us = US_DATE.exec(text);
  const date = us ? `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}` : text;
  if (isLocalDate(date)) return date;
  if (DATE_TIME.test(date) && Number.isFinite(Date.parse(date)) && isLocalDate(date.slice(0, 10))) return date;
  return undefined;
}
