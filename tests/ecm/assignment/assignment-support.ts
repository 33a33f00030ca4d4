import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { fhirClient } from '../../support/fhir-client.ts';
import { CS, DEFAULT_DATE, memberResources, networkResources, transaction, type MemberSpec } from './assignment-fixtures.ts';

export type Fhir = ReturnType<typeof fhirClient>;

export interface CandidateRead {
  provider: string;
  service?: string;
  step: string;
  outcome: string;
  reason?: string;
}

/** The $ecm-assign answer in plain fields. */
export function readAssign(body: Parameters) {
  const params = body.parameter ?? [];
  const named = (n: string) => params.filter((p) => p.name === n);
  const part = (p: ParametersParameter | undefined, n: string) => p?.part?.find((x) => x.name === n);
  return {
    provider: named('provider')[0]?.valueReference?.reference,
    service: named('service')[0]?.valueReference?.reference,
    step: named('step')[0]?.valueCoding?.code,
    pof: named('pof')[0]?.valueCoding?.code,
    mode: named('mode')[0]?.valueCode,
    dryRun: named('dryRun')[0]?.valueBoolean,
    profile: named('settingsProfile')[0]?.part?.map((p) => p.valueString).join(' '),
    rules: named('rule').map((p) => p.valueString!),
    assignmentDue: named('assignmentDue')[0]?.valueDate,
    pcpNoticeDue: named('pcpNoticeDue')[0]?.valueDate,
    changeDue: named('changeDue')[0]?.valueDate,
    changeOnTime: named('changeOnTime')[0]?.valueBoolean,
    lcm: named('leadCareManager')[0],
    override: named('override')[0],
    overrideReplaced: part(named('override')[0], 'replaced')?.valueCoding?.code,
    candidates: named('candidate').map((c): CandidateRead => {
      const r: CandidateRead = {
        provider: part(c, 'provider')!.valueReference!.reference!,
        step: part(c, 'step')!.valueCoding!.code!,
        outcome: part(c, 'outcome')!.valueCode!,
      };
      const service = part(c, 'service')?.valueReference?.reference;
      const reason = part(c, 'reason')?.valueCoding?.code;
      if (service) r.service = service;
      if (reason) r.reason = reason;
      return r;
    }),
    written: named('written').map((p) => p.valueReference!.reference!),
  };
}

export type AssignParam = ParametersParameter;

export const p = {
  bool: (name: string, valueBoolean: boolean): AssignParam => ({ name, valueBoolean }),
  date: (name: string, valueDate: string): AssignParam => ({ name, valueDate }),
  ref: (name: string, reference: string): AssignParam => ({ name, valueReference: { reference } }),
  str: (name: string, valueString: string): AssignParam => ({ name, valueString }),
  code: (name: string, valueCode: string): AssignParam => ({ name, valueCode }),
};

export function assignCall(fhir: Fhir, requestId: string, params: AssignParam[] = [], date = DEFAULT_DATE, headers?: Record<string, string>) {
  const all = params.some((x) => x.name === 'date') ? params : [p.date('date', date), ...params];
  return fhir.post(`/ServiceRequest/${requestId}/$ecm-assign`, { resourceType: 'Parameters', parameter: all }, headers);
}

export async function loadNetwork(fhir: Fhir): Promise<void> {
  const res = await fhir.post('', transaction(networkResources()));
  expect(res.status, res.text).toBe(200);
}

export async function loadMember(fhir: Fhir, spec: MemberSpec): Promise<string> {
  const res = await fhir.post('', transaction(memberResources(spec)));
  expect(res.status, res.text).toBe(200);
  return `${spec.id}-req`;
}

/** The rule a refusal names: details.coding (ecm-rule) and the start of diagnostics. */
export function refusedRule(body: { resourceType: string; issue: { details?: { coding?: { system?: string; code?: string }[] }; diagnostics?: string }[] }): string | undefined {
  expect(body.resourceType).toBe('OperationOutcome');
  const coding = body.issue[0].details?.coding?.find((c) => c.system === CS.rule);
  expect(body.issue[0].diagnostics?.startsWith(`${coding?.code}:`)).toBe(true);
  return coding?.code;
}

export async function capacityOf(fhir: Fhir, provider: string): Promise<number> {
  const res = await fhir.get(`/HealthcareService/svc-${provider}`);
  return res.body.extension.find((e: { url: string }) => e.url.endsWith('/ext-provider-capacity')).valueInteger;
}

export async function search(fhir: Fhir, query: string) {
  const res = await fhir.get(query);
  expect(res.status, res.text).toBe(200);
  return (res.body.entry ?? []).map((e: { resource: unknown }) => e.resource);
}
