/**
 * The RTF benchmark's data: a plan, a referrer, N members (Patient with a CIN, Kern Coverage),
 * each with a referral Task A (referrer → plan, accepted) and its child Task B (plan → one of the
 * providers, requested), all authored in the report period; and the provider RTF file with one
 * row per Task B. Statuses cycle by member number; every 100th row names an unknown CIN.
 */
import type { Resource, Task } from '@medplum/fhirtypes';
import { formatLocalInstant, plusDays } from '../../src/ecm/calendar/local-dates.ts';
import { localMidnightMs, type ReportPeriod } from '../../src/ecm/clr-reports/report-period.ts';

const B = 'https://ecm-fhir.example.org/fhir';
const CIN = 'https://ecm-fhir.example.org/sid/medi-cal-cin';
const NPI = 'http://hl7.org/fhir/sid/us-npi';
const TIN = 'urn:oid:2.16.840.1.113883.4.4';
const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
export const PLAN = 'plan-kern';

/** Each row's Referral Status by member number % 10, the reason given, and the Task B status expected after the import. */
const CYCLE: { status: string; reason: string; expected: Task['status'] }[] = [
  { status: 'Accepted by provider', reason: '', expected: 'accepted' },
  { status: 'accepted', reason: '', expected: 'accepted' },
  { status: 'ACCEPTED', reason: '', expected: 'accepted' },
  { status: 'Outreach in progress', reason: '', expected: 'in-progress' },
  { status: 'outreach-in-progress', reason: '', expected: 'in-progress' },
  { status: 'Enrolled', reason: 'Services Received', expected: 'completed' },
  { status: 'enrolled', reason: '', expected: 'completed' },
  { status: 'enrolled', reason: 'services-received', expected: 'completed' },
  { status: 'Member Unable to Reach', reason: 'Member Unable to Reach', expected: 'failed' },
  { status: 'Declined', reason: 'Provider lacks capacity', expected: 'rejected' },
];

export const isBadRow = (i: number) => i % 100 === 99;
export const providerOf = (i: number, providers: number) => `prov-${(i % providers) + 1}`;
const npiOf = (k: number) => String(1_000_000_000 + k);
const cinOf = (i: number) => `9${String(i).padStart(7, '0')}A`;

export function networkResources(providers: number): Resource[] {
  const org = (id: string, name: string, type: string, ids: { system: string; value: string }[]) => ({
    resourceType: 'Organization' as const,
    id,
    name,
    active: true,
    identifier: ids,
    type: [{ coding: [{ system: ORG_TYPE, code: type }] }],
  });
  return [
    org(PLAN, 'Kern Health Systems (bench)', 'pay', [{ system: NPI, value: '1999999999' }]),
    org('clinic', 'Eastside Clinic (bench)', 'prov', []),
    ...Array.from({ length: providers }, (_, k) => org(`prov-${k + 1}`, `ECM provider ${k + 1}`, 'prov', [{ system: NPI, value: npiOf(k + 1) }, { system: TIN, value: `95-${String(1_000_000 + k + 1)}` }])),
  ];
}

/** Day (1-based) of the period member i's referral was made on, leaving days for the status updates. */
function authoredDay(i: number, period: ReportPeriod): string {
  const days = Math.round((Date.parse(period.end) - Date.parse(period.start)) / 86_400_000) + 1;
  return plusDays(period.start, i % Math.max(1, days - 4));
}

export function memberResources(i: number, period: ReportPeriod, providers: number): Resource[] {
  const day = authoredDay(i, period);
  const at = (hour: number) => formatLocalInstant(localMidnightMs(day) + hour * 3_600_000);
  const patient = `m-${i}`;
  const code = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };
  const profile = { profile: [`${B}/StructureDefinition/ecm-referral-task`] };
  return [
    { resourceType: 'Patient', id: patient, identifier: [{ system: CIN, value: cinOf(i) }], name: [{ family: `Bench${i}`, given: ['Member'] }], birthDate: '1980-01-01' },
    {
      resourceType: 'Coverage',
      id: `cov-${i}`,
      status: 'active',
      beneficiary: { reference: `Patient/${patient}` },
      payor: [{ reference: `Organization/${PLAN}` }],
      period: { start: '2025-01-01' },
    },
    {
      resourceType: 'Task',
      id: `ta-${i}`,
      meta: profile,
      status: 'accepted',
      intent: 'order',
      code,
      for: { reference: `Patient/${patient}` },
      requester: { reference: 'Organization/clinic' },
      owner: { reference: `Organization/${PLAN}` },
      authoredOn: at(9),
      lastModified: at(10),
      businessStatus: { coding: [{ system: `${B}/CodeSystem/ecm-referral-status`, code: 'assigned' }] },
    },
    {
      resourceType: 'Task',
      id: `tb-${i}`,
      meta: profile,
      status: 'requested',
      intent: 'order',
      code,
      partOf: [{ reference: `Task/ta-${i}` }],
      for: { reference: `Patient/${patient}` },
      requester: { reference: `Organization/${PLAN}` },
      owner: { reference: `Organization/${providerOf(i, providers)}` },
      authoredOn: at(10),
      // overdue (due at the end of the period's first day): a third of the Tasks no row updates,
      // so the escalation sweep of the server never races the import for a Task the file names
      restriction: { period: { end: isBadRow(i) && i % 3 === 0 ? formatLocalInstant(localMidnightMs(period.start) + 86_399_000) : '2099-12-31T23:59:59-08:00' } },
    },
  ];
}

export interface RtfFile {
  text: string;
  /** Task B status expected after the import, counted. */
  expected: Record<string, number>;
  badRows: number;
  byReferralId: number;
}

/** The provider's RTF: one row per Task B, half naming the Task, half the member's CIN + provider NPI. */
export function rtfFile(rows: number, period: ReportPeriod, providers: number): RtfFile {
  const lines = ['referral_id,cin,provider_npi,referral_status,referral_status_date,loop_closure_reason'];
  const expected: Record<string, number> = {};
  let badRows = 0;
  let byReferralId = 0;
  for (let i = 0; i < rows; i++) {
    const c = CYCLE[i % 10];
    const date = plusDays(authoredDay(i, period), 1 + (i % 4));
    const usDate = `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)}`;
    const npi = npiOf((i % providers) + 1);
    if (isBadRow(i)) {
      lines.push(`,8${String(i).padStart(7, '0')}Z,${npi},${c.status},${date},${c.reason}`);
      badRows++;
      expected.requested = (expected.requested ?? 0) + 1;
      continue;
    }
    expected[c.expected] = (expected[c.expected] ?? 0) + 1;
    if (i % 2 === 0) {
      lines.push(`tb-${i},,,${c.status},${date},${c.reason}`);
      byReferralId++;
    } else lines.push(`,${cinOf(i)},${npi},"${c.status}",${usDate},${c.reason}`);
  }
  return { text: `${lines.join('\r\n')}\r\n`, expected, badRows, byReferralId };
}
