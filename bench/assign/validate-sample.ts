/**
 * The load skips validation (as the search benchmark's does): one resource of every kind the
 * generator makes is sent to the server's `$validate` instead, so a dataset the server would
 * refuse over the REST API shows in the report.
 */
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';

export interface SampleValidation {
  resources: number;
  /** `Type/id: diagnostics` of every error or fatal issue. */
  errors: string[];
}

/** One resource per type and profile among `resources`. */
export function onePerKind(resources: Resource[]): Resource[] {
  const seen = new Map<string, Resource>();
  for (const r of resources) {
    const key = `${r.resourceType} ${(r.meta?.profile ?? []).join(' ')} ${'status' in r ? String(r.status) : ''}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  return [...seen.values()];
}

export async function validateSample(baseUrl: string, resources: Resource[]): Promise<SampleValidation> {
  const errors: string[] = [];
  for (const r of resources) {
    const res = await fetch(`${baseUrl}/fhir/${r.resourceType}/$validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(r),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let outcome: OperationOutcome | undefined;
    try {
      outcome = JSON.parse(text) as OperationOutcome;
    } catch {
      errors.push(`${r.resourceType}/${r.id}: $validate answered ${res.status}: ${text.slice(0, 200)}`);
      continue;
    }
    for (const i of outcome.issue ?? []) {
      if (i.severity === 'error' || i.severity === 'fatal') errors.push(`${r.resourceType}/${r.id}: ${i.diagnostics ?? i.code}`);
    }
  }
  return { resources: resources.length, errors };
}
