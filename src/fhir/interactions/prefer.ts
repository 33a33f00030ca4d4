import type { OperationOutcome } from '@medplum/fhirtypes';
import { informational } from '../outcome.ts';
import type { FhirResponse } from '../request.ts';

export type PreferReturn = 'minimal' | 'representation' | 'OperationOutcome';

/** `Prefer: return=...` (http.html#return); representation when absent or unknown. */
export function preferReturn(prefer: string | undefined): PreferReturn {
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(prefer ?? '');
  if (!m) return 'representation';
  const v = m[1].toLowerCase();
  return v === 'minimal' ? 'minimal' : v === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

export function preferStrictHandling(prefer: string | undefined): boolean {
  return /(?:^|[;,\s])handling\s*=\s*"?strict"?/i.test(prefer ?? '');
}

/** The body of a write response as the client prefers it. */
export function writeResponse(
  status: number,
  headers: Record<string, string>,
  json: string | null,
  prefer: string | undefined,
  message: string,
): FhirResponse {
  const mode = preferReturn(prefer);
  if (mode === 'minimal' || json === null) return { status, headers };
  if (mode === 'OperationOutcome') return { status, headers, body: informational(message) satisfies OperationOutcome };
  return { status, headers, body: json };
}
