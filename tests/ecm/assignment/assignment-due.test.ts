import type { ServiceRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { assignmentDueFor, changeDueFor, pcpNoticeDueFor } from '../../../src/ecm/assignment/assignment-due.ts';
import { settingsProfileNamed } from '../../../src/ecm/settings/settings-profile.ts';
import { CS } from './assignment-fixtures.ts';

// ASSIGN-TAT, ASSIGN-PCP-NOTICE and ASSIGN-CHANGE due dates (DATE-UNITS: day 0 never counts,
// business days skip weekends and the plan's holidays, America/Los_Angeles).

const kern = settingsProfileNamed('kern', '2026-11-01')!.settings;
const kp = settingsProfileNamed('kp', '2026-11-01')!.settings;

function authorization(authoredOn: string, status: ServiceRequest['status'] = 'active'): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    status,
    intent: 'order',
    category: [{ coding: [{ system: CS.category, code: 'ecm-authorization' }] }],
    subject: { reference: 'Patient/x' },
    authoredOn,
    occurrencePeriod: { start: authoredOn.slice(0, 10) },
  };
}

describe('assignmentDueFor (ASSIGN-TAT: assignTatBusinessDays after the authorization date)', () => {
  it.each([
    ['a Monday, Veterans Day in between', '2026-11-02T10:00:00-08:00', '2026-11-17'],
    ['a Friday before Thanksgiving', '2026-11-20T16:30:00-08:00', '2026-12-08'],
    ['across Christmas and New Year', '2026-12-18T09:00:00-08:00', '2027-01-05'],
    ['a Saturday (day 0 need not be a business day)', '2026-11-07T09:00:00-08:00', '2026-11-23'],
    ['late evening in Los Angeles, written in UTC (day 0 is the local date)', '2026-11-06T07:30:00Z', '2026-11-20'],
  ])('authorized %s (%s) → %s', (_what, authoredOn, due) => {
    expect(assignmentDueFor(authorization(authoredOn), kern)).toBe(due);
  });

  it('uses the plan’s holiday calendar: KP works the day after Thanksgiving', () => {
    expect(assignmentDueFor(authorization('2026-11-20T16:30:00-08:00'), kp)).toBe('2026-12-07');
  });

  it('no due date before approval, nor for a referral', () => {
    expect(assignmentDueFor(authorization('2026-11-02T10:00:00-08:00', 'draft'), kern)).toBeUndefined();
    const referral = { ...authorization('2026-11-02T10:00:00-08:00'), category: [{ coding: [{ system: CS.category, code: 'ecm-referral' }] }] };
    expect(assignmentDueFor(referral, kern)).toBeUndefined();
  });
});

describe('pcpNoticeDueFor and changeDueFor', () => {
  it('ASSIGN-PCP-NOTICE: pcpNoticeBusinessDays after the authorization date', () => {
    expect(pcpNoticeDueFor(authorization('2026-11-20T16:30:00-08:00'), kern)).toBe('2026-12-08');
  });
  it('ASSIGN-CHANGE: changeTatDays calendar days after the request, not moved off a weekend', () => {
    expect(changeDueFor('2026-11-20', kern)).toBe('2026-12-20');
    expect(changeDueFor('2026-12-15', kern)).toBe('2027-01-14');
  });
});
