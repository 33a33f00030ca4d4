import type { Task } from '@medplum/fhirtypes';
import { referralResources } from '../../src/seed/demo/referrals.ts';
import { profileUrl } from '../../src/seed/demo/vocabulary.ts';

/** The profile every generated Task claims in meta.profile. */
export const REFERRAL_TASK_PROFILE = profileUrl('ecm-referral-task');

/** The demo seed's Referral Tasks: one per status of the referral workflow, with and without statusReason, output, restriction. */
function templates(): Task[] {
  return referralResources().filter((r): r is Task => r.resourceType === 'Task');
}

const HOUR_MS = 3_600_000;

/**
 * `count` distinct Referral Tasks conforming to ecm-referral-task: the demo seed's Tasks cycled
 * (all workflow statuses), each with its own id, member, focal referral, dates and narrative
 * (with a narrative, dom-6 raises no warning either).
 */
export function referralTasks(count: number): Task[] {
  const base = templates();
  return Array.from({ length: count }, (_, i) => {
    const task = structuredClone(base[i % base.length]);
    const authored = Date.parse(task.authoredOn!) - i * HOUR_MS;
    task.id = `bench-referral-task-${i}`;
    task.text = {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">ECM referral ${i}: ${task.status}</div>`,
    };
    task.focus = { reference: `ServiceRequest/bench-referral-${i}` };
    task.for = { reference: `Patient/bench-member-${i}` };
    task.authoredOn = new Date(authored).toISOString();
    task.lastModified = new Date(authored + (i % 72) * HOUR_MS).toISOString();
    return task;
  });
}

/**
 * The same Task made non-conforming in ways the base spec allows but the profile does not: no
 * `for` (min 1), intent `plan` (fixed `order`), and status `rejected` without statusReason.text
 * (invariant ecm-task-1). Structurally valid R4, so the write path reaches the profile and
 * answers 422.
 */
export function nonConformingTask(task: Task): Task {
  const { for: _for, statusReason: _reason, ...rest } = structuredClone(task);
  return { ...rest, status: 'rejected', intent: 'plan' };
}
