import type { Bundle } from '@medplum/fhirtypes';
import { dispatch } from '../dispatch.ts';
import { FhirError } from '../outcome.ts';
import { preferReturn } from '../interactions/prefer.ts';
import type { FhirContext, FhirResponse } from '../request.ts';
import { type RawEntry, bundleJson } from './bundle-json.ts';
import { entryRequest, planEntry } from './plan-entry.ts';

/**
 * batch (http.html#transaction): each entry is processed on its own, exactly as the same request
 * sent alone; a failing entry gets its status and OperationOutcome and the others go on.
 */
export async function batch(ctx: FhirContext, bundle: Bundle, prefer: string | undefined): Promise<FhirResponse> {
  const representation = preferReturn(prefer) === 'representation';
  const entries: RawEntry[] = [];
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    try {
      const planned = planEntry(entry, index, ctx.config.baseUrl);
      const res = await dispatch(ctx, { ...entryRequest(planned), headers: { ...entryRequest(planned).headers, prefer } });
      const headers = res.headers ?? {};
      const out: RawEntry = {
        response: stripUndefined({
          status: statusLine(res.status),
          location: headers.Location?.replace(`${ctx.config.baseUrl}/`, ''),
          etag: headers.ETag,
          lastModified: headers['Last-Modified'] ? new Date(headers['Last-Modified']).toISOString() : undefined,
        }),
      };
      if (res.body !== undefined && (representation || planned.method === 'GET' || planned.method === 'HEAD')) out.resource = res.body;
      entries.push(out);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      entries.push({ response: { status: String(err.status), outcome: err.outcome } });
    }
  }
  return { status: 200, body: bundleJson({ resourceType: 'Bundle', type: 'batch-response' }, entries) };
}

export function statusLine(status: number): string {
  const text: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified' };
  return text[status] ? `${status} ${text[status]}` : String(status);
}

export function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
