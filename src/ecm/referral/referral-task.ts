import type { Reference, Task } from '@medplum/fhirtypes';
import { CANONICAL_BASE } from '../../conformance/conformance.ts';
import { literalTarget } from '../assignment/vocabulary.ts';

/** What makes a Task a referral Task, and the values the server owns on one (referral-loop.md). */
export const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';
export const REFERRAL_TASK_PROFILE = `${CANONICAL_BASE}/StructureDefinition/ecm-referral-task`;
export const RESPONSE_DATE_EXT = `${CANONICAL_BASE}/StructureDefinition/ext-response-date`;
export const REFERRAL_STATUS_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-referral-status`;
export const LOOP_CLOSURE_SYSTEM = `${CANONICAL_BASE}/CodeSystem/ecm-loop-closure-reason`;
export const RESULTING_ACTIVITY = { system: 'http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes', code: 'resulting-activity', display: 'Resulting Activity' };

/** A referral Task: code `task-code#fulfill` (X-GRAVITY), or declared with the ecm-referral-task profile. */
export function isReferralTask(task: Task | undefined): boolean {
  if (!task) return false;
  return (task.code?.coding ?? []).some((c) => c.system === TASK_CODE_SYSTEM && c.code === 'fulfill') || (task.meta?.profile ?? []).includes(REFERRAL_TASK_PROFILE);
}

/** `Type/id` of a relative (or `[base]/Type/id` absolute) reference, else undefined. */
export function referenceKey(ref: Reference | undefined): string | undefined {
  return literalTarget(ref?.reference);
}

export function businessStatusOf(task: Task): string | undefined {
  return task.businessStatus?.coding?.find((c) => c.system === REFERRAL_STATUS_SYSTEM)?.code;
}

export function responseDateOf(task: Task): string | undefined {
  return task.extension?.find((e) => e.url === RESPONSE_DATE_EXT)?.valueDateTime;
}

/** The Task with ext-response-date set to `instant`, or without it when `instant` is undefined. */
export function withResponseDate(task: Task, instant: string | undefined): Task {
  const others = (task.extension ?? []).filter((e) => e.url !== RESPONSE_DATE_EXT);
  const extension = instant === undefined ? others : [...others, { url: RESPONSE_DATE_EXT, valueDateTime: instant }];
  const { extension: _old, ...rest } = task;
  return extension.length > 0 ? { ...rest, extension } : rest;
}

export function withDueDate(task: Task, due: string | undefined): Task {
  if (due === undefined) return task;
  return { ...task, restriction: { ...task.restriction, period: { ...task.restriction?.period, end: due } } };
}

export function dueDateOf(task: Task | undefined): string | undefined {
  return task?.restriction?.period?.end;
}
