import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';

/** One determination read back from a $ecm-eligibility Parameters answer. */
export interface Part {
  code?: string;
  met: boolean;
  rules: string[];
  reason: string;
  evidence: string[];
}

function part(p: ParametersParameter): Part {
  const parts = p.part ?? [];
  return {
    code: parts.find((x) => x.name === 'code')?.valueCoding?.code,
    met: parts.find((x) => x.name === 'met')?.valueBoolean === true,
    rules: parts.filter((x) => x.name === 'rule').map((x) => x.valueString!),
    reason: parts.find((x) => x.name === 'reason')?.valueString ?? '',
    evidence: parts.filter((x) => x.name === 'evidence').map((x) => x.valueReference!.reference!),
  };
}

export function readEligibility(body: Parameters) {
  const params = body.parameter ?? [];
  const named = (n: string) => params.filter((p) => p.name === n);
  return {
    eligible: named('eligible')[0]?.valueBoolean,
    date: named('date')[0]?.valueDate,
    profile: named('settingsProfile')[0]?.part?.map((p) => p.valueString).join(' '),
    base: part(named('base')[0]),
    populations: named('population').map(part),
    population: (code: string) => named('population').map(part).find((p) => p.code === code)!,
    exclusions: named('exclusion').map(part),
    continuity: named('continuity')[0] ? part(named('continuity')[0]) : undefined,
    written: named('written').map((p) => p.valueReference!.reference!),
  };
}

export const sorted = (xs: string[]) => [...xs].sort();
