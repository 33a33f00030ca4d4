import type { ServiceRequest } from '@medplum/fhirtypes';
import { addBusinessDays, addCalendarDays } from '../calendar/deadlines.ts';
import { localDateOf } from '../calendar/local-dates.ts';
import type { PlanSettings } from '../settings/settings-profile.ts';
import { EXT, datePart, hasCoding, CS } from './vocabulary.ts';

export function isAuthorization(sr: ServiceRequest): boolean {
  return hasCoding(sr.category, CS.category, 'ecm-authorization');
}

/** Authorized on `date` (issue 8 contract): status active and occurrencePeriod covers the date. */
export function authorizedOn(sr: ServiceRequest, date: string): boolean {
  if (sr.status !== 'active') return false;
  const start = datePart(sr.occurrencePeriod?.start);
  const end = datePart(sr.occurrencePeriod?.end);
  return !!start && start <= date && (!end || date <= end);
}

/**
 * Day 0 of ASSIGN-TAT and ASSIGN-PCP-NOTICE: the authorization date, i.e. the decision time in
 * authoredOn (ecm-authorization: "Decision time"), as a local date in America/Los_Angeles.
 */
export function authorizationDate(authorization: ServiceRequest): string | undefined {
  const when = authorization.authoredOn ?? authorization.occurrencePeriod?.start;
  if (!when) return undefined;
  try {
    return localDateOf(when);
  } catch {
    return datePart(when);
  }
}

/**
 * ASSIGN-TAT: the assignment is made and communicated to the provider within
 * `assignTatBusinessDays` business days of the authorization (plan holiday calendar,
 * DATE-UNITS). Undefined unless the request is an approved ECM authorization.
 */
export function assignmentDueFor(authorization: ServiceRequest, settings: PlanSettings): string | undefined {
  if (!isAuthorization(authorization) || authorization.status !== 'active') return undefined;
  const day0 = authorizationDate(authorization);
  return day0 ? addBusinessDays(day0, settings.assignTatBusinessDays, settings.holidayCalendar) : undefined;
}

/** ASSIGN-PCP-NOTICE: the written PCP notice is due `pcpNoticeBusinessDays` after the authorization. */
export function pcpNoticeDueFor(authorization: ServiceRequest, settings: PlanSettings): string | undefined {
  if (!isAuthorization(authorization)) return undefined;
  const day0 = authorizationDate(authorization);
  return day0 ? addBusinessDays(day0, settings.pcpNoticeBusinessDays, settings.holidayCalendar) : undefined;
}

/** ASSIGN-CHANGE: the new assignment is due `changeTatDays` calendar days after the member's request. */
export function changeDueFor(requested: string, settings: PlanSettings): string {
  return addCalendarDays(requested, settings.changeTatDays);
}

export function assignmentDueOf(sr: ServiceRequest): string | undefined {
  return sr.extension?.find((e) => e.url === EXT.assignmentDue)?.valueDate;
}

/** The request with ext-assignment-due set (searchable as ServiceRequest?assignment-due=). */
export function withAssignmentDue<T extends ServiceRequest>(sr: T, due: string): T {
  const others = (sr.extension ?? []).filter((e) => e.url !== EXT.assignmentDue);
  return { ...sr, extension: [...others, { url: EXT.assignmentDue, valueDate: due }] };
}
