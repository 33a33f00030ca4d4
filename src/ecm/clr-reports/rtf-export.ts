import type { Organization, Patient, Task } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository, SearchCriterion } from '../../fhir/repository.ts';
import { CIN_SYSTEM, idOf } from '../assignment/vocabulary.ts';
import { FINAL_STATUSES } from '../referral/task-lifecycle.ts';
import { LOOP_CLOSURE_SYSTEM, businessStatusOf, referenceKey } from '../referral/referral-task.ts';
import { csvText } from './csv.ts';
import { NPI_SYSTEM, TIN_SYSTEM, identifierOf } from './organizations.ts';
import { type Stored, readMany } from '../assignment/search-all.ts';
import { forEachPage } from './read-by-id.ts';
import { REFERRAL_TASK_CRITERION, ownerCriterion } from './referral-task-criteria.ts';
import { type ReportPeriod, inPeriod, localDay, periodCriterion } from './report-period.ts';
import { STATUS_OF_TASK } from './rtf-vocabulary.ts';

/** The CLR columns of the Return Transmission File (X-CLR-RTF, X-FILES), in order. */
export const RTF_COLUMNS = [
  'plan_id',
  'cin',
  'provider_npi',
  'provider_tin',
  'provider_id',
  'referral_id',
  'referral_status',
  'referral_status_date',
  'loop_closure_reason',
  'loop_closure_text',
] as const;

export type RtfExportRow = Record<(typeof RTF_COLUMNS)[number], string>;

/**
 * The referral Tasks of a period, as RTF rows: those authored in [start, end] and those whose
 * last status update (lastModified) falls in it, optionally of one provider (owner). Read with
 * the caller's access, in pages, with members and organizations loaded in bulk.
 */
export async function rtfExportRows(repo: Repository, access: AccessContext, period: ReportPeriod, provider?: string): Promise<RtfExportRow[]> {
  const tasks = new Map<string, Task & { id: string }>();
  const narrow: SearchCriterion[] = [REFERRAL_TASK_CRITERION, ...(provider ? [ownerCriterion(provider)] : [])];
  const keep = (page: Stored<Task>[]) => {
    for (const { resource } of page) if (inPeriod(resource.authoredOn, period) || inPeriod(statusDateOf(resource), period)) tasks.set(resource.id, resource);
  };
  await forEachPage<Task>(repo, access, 'Task', [...narrow, periodCriterion('authored-on', period)], keep);
  await forEachPage<Task>(repo, access, 'Task', [...narrow, periodCriterion('modified', period)], keep);

  const all = [...tasks.values()];
  const patients = await readMany<Patient>(repo, access, 'Patient', all.map((t) => idOf(referenceKey(t.for) ?? '')).filter((id) => id));
  const orgs = await readMany<Organization>(repo, access, 'Organization', all.map((t) => idOf(referenceKey(t.owner) ?? '')).filter((id) => id));
  const rows = all.map((t): RtfExportRow => {
    const owner = referenceKey(t.owner);
    const org = orgs.get(idOf(owner ?? ''))?.resource;
    const plan = (t.partOf?.length ?? 0) > 0 ? referenceKey(t.requester) : owner;
    const closed = FINAL_STATUSES.includes(t.status);
    return {
      plan_id: plan ? idOf(plan) : '',
      cin: patients.get(idOf(referenceKey(t.for) ?? ''))?.resource.identifier?.find((i) => i.system === CIN_SYSTEM && i.value)?.value ?? '',
      provider_npi: identifierOf(org, NPI_SYSTEM) ?? '',
      provider_tin: identifierOf(org, TIN_SYSTEM) ?? '',
      provider_id: owner ? idOf(owner) : '',
      referral_id: t.id,
      referral_status: businessStatusOf(t) ?? STATUS_OF_TASK[t.status] ?? '',
      referral_status_date: localDay(statusDateOf(t)) ?? '',
      loop_closure_reason: closed ? (t.statusReason?.coding?.find((c) => c.system === LOOP_CLOSURE_SYSTEM)?.code ?? '') : '',
      loop_closure_text: closed ? (t.statusReason?.text ?? '') : '',
    };
  });
  return rows.sort((a, b) => (a.provider_id === b.provider_id ? compare(a.referral_id, b.referral_id) : compare(a.provider_id, b.provider_id)));
}

/** Date of Referral Status Update: the Task's lastModified, else its authoredOn (no update since it was sent). */
function statusDateOf(task: Task): string | undefined {
  return task.lastModified ?? task.authoredOn;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function rtfExportCsv(rows: RtfExportRow[]): string {
  return csvText(RTF_COLUMNS, rows.map((r) => RTF_COLUMNS.map((c) => r[c])));
}
