import type { CodeableConcept, Task } from '@medplum/fhirtypes';
import { LOOP_CLOSURE_SYSTEM, REFERRAL_STATUS_SYSTEM, businessStatusOf } from '../referral/referral-task.ts';
import { localDay } from './report-period.ts';
import type { RtfRow } from './rtf-rows.ts';
import { PROVIDER_STATUSES, type RtfVocabulary } from './rtf-vocabulary.ts';

export type RowChange = { kind: 'unchanged' } | { kind: 'update'; task: Task & { id: string } };

/**
 * What one RTF row does to its referral Task (X-CLR-RTF): Task.status from the Referral Status
 * (PROVIDER_STATUSES), businessStatus = the Referral Status, statusReason = the Reason for
 * Referral Loop Closure (coding + display as text; the status's default reason when the row gives
 * none; removed when the loop is open), lastModified = the Date of Referral Status Update.
 * Unchanged when status, businessStatus, reason and date already hold, so a file imported twice
 * writes nothing the second time. Legality of the move is the lifecycle rule's (X-GRAVITY).
 */
export function rtfRowChange(task: Task & { id: string }, row: RtfRow, vocabulary: RtfVocabulary): RowChange {
  const meaning = PROVIDER_STATUSES[row.status.code];
  const next: Task & { id: string } = {
    ...task,
    status: meaning.taskStatus,
    businessStatus: { coding: [{ system: REFERRAL_STATUS_SYSTEM, code: row.status.code, display: row.status.display }] },
    lastModified: row.date,
  };
  delete next.statusReason;
  if (meaning.closing) {
    const reason = row.reason ?? (meaning.defaultReason ? { code: meaning.defaultReason, display: vocabulary.reasons.display(meaning.defaultReason) } : undefined);
    next.statusReason = reason ? { coding: [{ system: LOOP_CLOSURE_SYSTEM, code: reason.code, display: reason.display }], text: reason.display } : { text: row.status.display };
  }
  const same =
    task.status === next.status &&
    businessStatusOf(task) === row.status.code &&
    sameDate(task.lastModified, row.date) &&
    sameReason(task.statusReason, next.statusReason);
  return same ? { kind: 'unchanged' } : { kind: 'update', task: next };
}

/**
 * The row's date already holds: a date (the RTF's precision) is the Task's lastModified day in
 * America/Los_Angeles; a dateTime is the same instant.
 */
function sameDate(lastModified: string | undefined, date: string): boolean {
  if (!lastModified) return false;
  if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return localDay(lastModified) === date;
  return Date.parse(lastModified) === Date.parse(date);
}

/** The same loop-closure reason: the same ecm-loop-closure-reason code, or (uncoded) the same text; both absent alike. */
function sameReason(a: CodeableConcept | undefined, b: CodeableConcept | undefined): boolean {
  const code = (c: CodeableConcept | undefined) => c?.coding?.find((x) => x.system === LOOP_CLOSURE_SYSTEM)?.code;
  if (!a || !b) return !a && !b;
  const [ca, cb] = [code(a), code(b)];
  if (ca || cb) return ca === cb;
  return (a.text ?? '') === (b.text ?? '');
}

/** "requested → completed (enrolled)" for the report. */
export function describeChange(before: Task, after: Task): string {
  return `${before.status} → ${after.status} (${businessStatusOf(after) ?? ''})`;
}
