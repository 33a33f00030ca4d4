import { performance } from 'node:perf_hooks';

const B = 'https://ecm-fhir.example.org/fhir';
/** Business statuses the updates alternate between: each update is a status change (an event of the topic). */
const BUSINESS = ['outreach-in-progress', 'accepted'];

/** One Task update: the version it wrote (`Task/id@version`), when it was sent, how long the write took. */
export interface Sent {
  key?: string;
  at: number;
  writeMs: number;
  status: number;
}

export function referralTask(id: string, status: string, business?: string): Record<string, unknown> {
  return {
    resourceType: 'Task',
    id,
    status,
    intent: 'order',
    code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] },
    requester: { reference: 'Organization/bench-plan' },
    owner: { reference: 'Organization/bench-provider' },
    ...(business ? { businessStatus: { coding: [{ system: `${B}/CodeSystem/ecm-referral-status`, code: business }] } } : {}),
  };
}

export async function put(fhirBase: string, resource: Record<string, unknown>): Promise<{ status: number; versionId?: string }> {
  const res = await fetch(`${fhirBase}/${resource.resourceType as string}/${resource.id as string}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(resource),
  });
  const text = await res.text();
  let versionId: string | undefined;
  try {
    versionId = (JSON.parse(text) as { meta?: { versionId?: string } }).meta?.versionId;
  } catch {
    versionId = undefined;
  }
  return { status: res.status, versionId };
}

/**
 * Updates the Tasks in turn at `rate` per second for `seconds`, each update changing the Task's
 * businessStatus, evenly paced (an update is sent on time whether or not earlier ones have
 * answered). `counter` carries on across calls so every update changes the status.
 */
export async function pacedUpdates(fhirBase: string, ids: string[], rate: number, seconds: number, counter: { n: number }): Promise<Sent[]> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<Sent>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const n = counter.n++;
    const id = ids[n % ids.length];
    const business = BUSINESS[Math.floor(n / ids.length) % BUSINESS.length];
    const at = performance.now();
    pending.push(
      put(fhirBase, referralTask(id, 'accepted', business)).then(
        (r) => ({ key: r.versionId ? `${id}@${r.versionId}` : undefined, at, writeMs: performance.now() - at, status: r.status }),
        () => ({ at, writeMs: performance.now() - at, status: 0 }),
      ),
    );
  }
  return Promise.all(pending);
}
