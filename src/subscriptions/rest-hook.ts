export interface RestHookCall {
  method: 'POST' | 'PUT';
  url: string;
  /** channel.header pairs, sent as they are. */
  headers: [string, string][];
  /** A FHIR JSON body; absent = no body (an R4 notification without payload). */
  body?: string;
  timeoutMs: number;
}

export type DeliveryOutcome = { ok: true } | { ok: false; reason: string };

/**
 * One rest-hook call (R4 subscription.html, channel type rest-hook). Any 2xx answer is a
 * delivery; anything else, a timeout or a connection error is a failure whose reason is kept as
 * Subscription.error (the endpoint's answer body is never read, nor logged).
 */
export async function callRestHook(call: RestHookCall): Promise<DeliveryOutcome> {
  const headers = new Headers();
  for (const [name, value] of call.headers) headers.append(name, value);
  if (call.body !== undefined) headers.set('content-type', 'application/fhir+json');
  try {
    const res = await fetch(call.url, { method: call.method, headers, body: call.body, signal: AbortSignal.timeout(call.timeoutMs), redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    return { ok: false, reason: `The endpoint answered HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, reason: describe(err, call.timeoutMs) };
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `The endpoint did not answer within ${timeoutMs / 1000} s`;
  const code = e.cause?.code;
  if (code) return `The endpoint could not be reached (${code})`;
  return `The endpoint could not be reached (${e.cause?.message ?? e.message ?? 'unknown error'})`;
}
