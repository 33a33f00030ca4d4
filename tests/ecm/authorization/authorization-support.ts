import type { Parameters, ServiceRequest } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { fhirClient } from '../../support/fhir-client.ts';
import { TestMember } from '../eligibility-fixtures.ts';

/** Builders for the authorization tests: members, referrals, authorization requests, $ecm-decide calls. */

export const B = 'https://ecm-fhir.example.org/fhir';
export const RULE = `${B}/CodeSystem/ecm-rule`;
export const DUE_URL = `${B}/StructureDefinition/ext-decision-due`;
export type Fhir = ReturnType<typeof fhirClient>;

export const KERN = 'Organization/plan-kern';
export const CALOPTIMA = 'Organization/plan-caloptima';
export const PARTNERSHIP = 'Organization/plan-partnership';

/** A member meeting the homelessness POF (ELIG-A-HOMELESS: Z59.02 + complex need) with coverage by `payor`. */
export function homelessMember(id: string, payor: string, extra?: (m: TestMember) => void): TestMember {
  const m = new TestMember(id, '1980-01-01', { payor, start: '2024-01-01' });
  m.dx('Z59.02', '2026-01-01');
  m.obs('complex-need', true);
  extra?.(m);
  return m;
}

/** A member with coverage and no evidence: meets no POF (AUTH-REVIEW, ELIG-CASE-BY-CASE). */
export function memberWithoutPof(id: string, payor: string): TestMember {
  return new TestMember(id, '1980-01-01', { payor, start: '2024-01-01' });
}

export async function store(fhir: Fhir, m: TestMember, pcp?: string): Promise<void> {
  if (pcp) (m.resources[0] as { generalPractitioner?: unknown }).generalPractitioner = [{ reference: pcp }];
  const res = await fhir.post('', m.bundle());
  expect(res.status, res.text).toBe(200);
}

export function referral(id: string, patient: string, requester = 'Organization/clinic-eastside'): ServiceRequest & { id: string } {
  return {
    resourceType: 'ServiceRequest',
    id,
    meta: { profile: [`${B}/StructureDefinition/ecm-referral`] },
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm-referral' }] }],
    code: { coding: [{ system: `${B}/CodeSystem/ecm-referral-type`, code: 'ecm' }] },
    subject: { reference: `Patient/${patient}` },
    requester: { reference: requester },
    authoredOn: '2026-11-23T09:15:00-08:00',
  };
}

export function authorizationRequest(
  patient: string,
  opts: { id?: string; status?: ServiceRequest['status']; priority?: ServiceRequest['priority']; basedOn?: string[]; replaces?: string[]; performer?: string; period?: { start: string; end: string } } = {},
): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    ...(opts.id ? { id: opts.id } : {}),
    meta: { profile: [`${B}/StructureDefinition/ecm-authorization`] },
    status: opts.status ?? 'draft',
    intent: 'order',
    priority: opts.priority ?? 'routine',
    category: [{ coding: [{ system: `${B}/CodeSystem/ecm-category`, code: 'ecm-authorization' }] }],
    code: { coding: [{ system: `${B}/CodeSystem/ecm-referral-type`, code: 'ecm' }] },
    subject: { reference: `Patient/${patient}` },
    requester: { reference: KERN },
    authoredOn: '2026-11-23T10:00:00-08:00',
    ...(opts.basedOn ? { basedOn: opts.basedOn.map((reference) => ({ reference })) } : {}),
    ...(opts.replaces ? { replaces: opts.replaces.map((reference) => ({ reference })) } : {}),
    ...(opts.performer ? { performer: [{ reference: opts.performer }] } : {}),
    ...(opts.period ? { occurrencePeriod: opts.period } : {}),
  };
}

/** POSTs an authorization request; returns the stored resource. */
export async function createAuthorization(fhir: Fhir, sr: ServiceRequest): Promise<ServiceRequest & { id: string }> {
  const res = await fhir.post('/ServiceRequest', sr);
  expect(res.status, res.text).toBe(201);
  return res.body;
}

export function decideBody(decision: string, opts: { reason?: string; reviewer?: string; expedited?: boolean; date?: string } = {}): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'decision', valueCode: decision },
      ...(opts.reason ? [{ name: 'reason', valueString: opts.reason }] : []),
      { name: 'reviewer', valueReference: { reference: opts.reviewer ?? 'PractitionerRole/reviewer-nurse' } },
      ...(opts.expedited !== undefined ? [{ name: 'expedited', valueBoolean: opts.expedited }] : []),
      ...(opts.date ? [{ name: 'date', valueDateTime: opts.date }] : []),
    ],
  };
}

export const decide = (fhir: Fhir, id: string, body: Parameters) => fhir.post(`/ServiceRequest/${id}/$ecm-decide`, body);

/** Output parameters by name. */
export function out(body: Parameters) {
  const all = (name: string) => (body.parameter ?? []).filter((p) => p.name === name);
  return {
    authorization: all('authorization')[0]?.resource as ServiceRequest,
    period: all('period')[0]?.valuePeriod,
    rules: all('rule').map((p) => p.valueString),
    settingsProfile: Object.fromEntries((all('settingsProfile')[0]?.part ?? []).map((p) => [p.name, p.valueString])),
    decisionDue: all('decisionDue')[0]?.valueDateTime,
    onTime: all('onTime')[0]?.valueBoolean,
    notices: all('notice').map((p) => p.valueReference?.reference as string),
    appeal: all('appeal')[0]?.valueReference?.reference,
    provenance: all('provenance')[0]?.valueReference?.reference as string,
    skipped: all('skippedNotice').map((p) => p.valueString),
  };
}

/** The OperationOutcome names the rule in diagnostics and in details.coding (ecm-rule). */
export function expectRule(body: { issue?: { diagnostics?: string; details?: { coding?: { system?: string; code?: string }[] } }[] }, rule: string): void {
  const issue = body.issue?.[0];
  expect(issue?.diagnostics).toContain(rule);
  expect(issue?.details?.coding).toContainEqual({ system: RULE, code: rule });
}

export const dueOf = (sr: ServiceRequest) => sr.extension?.find((e) => e.url === DUE_URL)?.valueDateTime;

/** Practitioner roles used as reviewers: a plan nurse and a medical director (caseByCaseReviewerRole). */
export async function storeReviewers(fhir: Fhir): Promise<void> {
  const role = (id: string, code: string) => ({
    resourceType: 'PractitionerRole',
    id,
    active: true,
    practitioner: { reference: `Practitioner/${id}-p` },
    organization: { reference: KERN },
    code: [{ coding: [{ system: `${B}/CodeSystem/ecm-role`, code }] }],
  });
  for (const r of [role('reviewer-nurse', 'plan-ecm-team'), role('reviewer-md', 'medical-director')]) {
    expect((await fhir.put(`/PractitionerRole/${r.id}`, r)).status).toBeLessThan(300);
    expect((await fhir.put(`/Practitioner/${r.id}-p`, { resourceType: 'Practitioner', id: `${r.id}-p`, active: true })).status).toBeLessThan(300);
  }
}
