import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '@medplum/fhirtypes';
import { Lexer, type Tokens } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import { IG_DIR } from '../../../src/http/ig-routes.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { loadNetwork } from '../assignment/assignment-support.ts';

/**
 * Every curl call of implementation-guide/referral-loop.md, run against the server in the order the
 * page tells the story: the provider accepts, closes, declines; the referrer, provider and plan
 * searches; the escalation sweep; the technical-assistance record and the list move.
 */
interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function calls(page: string): Call[] {
  const found: Call[] = [];
  for (const t of new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, page), 'utf8'))) {
    if (t.type !== 'code' || (t as Tokens.Code).lang !== 'bash') continue;
    // one block may hold several commands: split on the `curl` that starts each
    for (const text of (t as Tokens.Code).text.split(/(?=^curl )/m)) {
      const url = /'?(http:\/\/localhost:8080\/fhir[^'\s]*)'?/.exec(text)?.[1];
      if (!url) continue;
      const headers: Record<string, string> = {};
      for (const h of text.matchAll(/-H '([^:']+): ([^']*)'/g)) headers[h[1].toLowerCase()] = h[2];
      const body = /-d '([\s\S]*?)'\s*$/m.exec(text)?.[1];
      found.push({ method: /-X (\w+)/.exec(text)?.[1] ?? 'GET', url: url.replace('http://localhost:8080/fhir', ''), headers, ...(body !== undefined ? { body } : {}) });
    }
  }
  return found;
}

const page = calls('referral-loop.md');
const { fhir, app } = useFhirServer();
const B = 'https://ecm-fhir.example.org/fhir';
const FULFILL = { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }] };

async function run(c: Call, values: Record<string, string>) {
  const fill = (s: string) => s.replace(/\{([a-z][a-z-]*)\}/g, (_, k: string) => values[k] ?? `{${k}}`);
  const headers: Record<string, string> = { ...c.headers };
  delete headers.authorization;
  const res = await app().inject({ method: c.method as 'GET', url: `/fhir${fill(c.url)}`, headers, ...(c.body !== undefined ? { payload: fill(c.body) } : {}) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}
const only = (pred: (c: Call) => boolean, what: string) => {
  const found = page.filter(pred);
  if (found.length === 0) throw new Error(`referral-loop.md has no ${what} call`);
  return found;
};

async function task(status: Task['status'], owner: string, extra: Partial<Task> = {}): Promise<string> {
  const res = await fhir.post('/Task', {
    resourceType: 'Task', status, intent: 'order', code: FULFILL, for: { reference: 'Patient/ig-member' },
    authoredOn: '2026-11-01T09:00:00-07:00', requester: { reference: 'Organization/plan-kern' }, owner: { reference: `Organization/${owner}` }, ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

describe('the calls of referral-loop.md', () => {
  let parent: string;
  beforeAll(async () => {
    await loadNetwork(fhir);
    expect((await fhir.put('/Organization/clinic-eastside', { resourceType: 'Organization', id: 'clinic-eastside', name: 'Eastside Clinic' })).status).toBe(201);
    // no Coverage: the plan sets no response time for this member, so the Tasks keep the due dates written here
    expect((await fhir.put('/Patient/ig-member', { resourceType: 'Patient', id: 'ig-member' })).status).toBe(201);
    const a = await fhir.post('/Task', {
      resourceType: 'Task', status: 'requested', intent: 'order', code: FULFILL, for: { reference: 'Patient/ig-member' },
      authoredOn: '2026-11-01T09:00:00-07:00', requester: { reference: 'Organization/clinic-eastside' }, owner: { reference: 'Organization/plan-kern' },
    });
    parent = a.body.id;
  });

  it('the provider accepts (If-Match) and closes the loop; the referrer finds its closure notice and its Tasks', async () => {
    const id = await task('requested', 'alpha', { partOf: [{ reference: `Task/${parent}` }] });
    const [accept, complete] = only((c) => c.method === 'PATCH' && c.url === '/Task/{id}', 'PATCH');
    expect(accept.headers['if-match']).toBe('W/"1"');
    expect((await run(accept, { id })).status).toBe(200);
    const done = await run(complete, { id, id2: id });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('completed');
    const referrer: Task = (await fhir.get(`/Task/${parent}`)).body;
    expect(referrer.status).toBe('completed');
    const [closures] = only((c) => c.url.startsWith('/Communication?recipient=Organization/clinic-eastside'), 'referrer notice search');
    const notices = await run(closures, {});
    expect(notices.status).toBe(200);
    expect(notices.body.entry.some((e: { resource: { about?: { reference: string }[] } }) => e.resource.about?.some((x) => x.reference === `Task/${parent}`))).toBe(true);
    const [open] = only((c) => c.url.startsWith('/Task?requester=Organization/clinic-eastside'), 'referrer search');
    expect((await run(open, {})).status).toBe(200);
    const [children] = only((c) => c.url.startsWith('/Task?part-of='), 'part-of search');
    const found = await run(children, { id: parent });
    expect(found.body.entry.map((e: { resource: Task }) => e.resource.id)).toEqual([id]);
  });

  it('the provider declines for capacity; the plan’s searches answer', async () => {
    const id = await task('requested', 'alpha');
    const decline = only((c) => c.method === 'PATCH' && c.url === '/Task/{id}', 'PATCH')[2];
    const res = await run(decline, { id });
    expect(res.status).toBe(200);
    expect(res.body.statusReason.coding[0].code).toBe('provider-capacity');
    for (const c of page.filter((x) => x.method === 'GET' && x.url.startsWith('/Task?'))) {
      const r = await run(c, { 'ecm-provider-id': 'alpha', id: parent });
      expect(r.status, c.url).toBe(200);
      expect(r.body.resourceType).toBe('Bundle');
    }
  });

  it('the escalation sweep, the technical-assistance record and the list move', async () => {
    // two responses long overdue at the page's `now` (2026-11-24T09:00:00-08:00)
    for (const n of [1, 2]) await task('requested', 'alpha', { restriction: { period: { end: `2026-11-1${n}T17:00:00-08:00` } } });
    const [sweep] = only((c) => c.url === '/$ecm-clr-escalate', 'sweep');
    const swept = await run(sweep, {});
    expect(swept.status).toBe(200);
    expect(swept.body.parameter.find((p: { name: string }) => p.name === 'count').valueInteger).toBe(2);
    for (const c of page.filter((x) => x.method === 'GET' && (x.url.includes('escalat') || x.url.includes('referral-overdue')))) {
      const r = await run(c, { 'ecm-provider-id': 'alpha' });
      expect(r.status, c.url).toBe(200);
      // after the sweep nothing is overdue and not yet escalated; the other searches find the sweep's work
      if (c.url.includes('_tag:not=')) expect(r.body.entry ?? [], c.url).toEqual([]);
      else expect(r.body.entry?.length ?? 0, c.url).toBeGreaterThan(0);
    }
    const [move] = only((c) => c.url.endsWith('/$ecm-move-list'), 'list move');
    const values = { 'ecm-provider-id': 'alpha', 'other-ecm-provider-id': 'beta-bh' };
    const refused = await run(move, values);
    expect(refused.status).toBe(422);
    expect(refused.body.issue[0].details.coding[0]).toMatchObject({ system: `${B}/CodeSystem/ecm-rule`, code: 'CLR-LIST-REMOVAL' });
    const [assistance] = only((c) => c.method === 'POST' && c.url === '/Communication', 'technical-assistance record');
    expect((await run(assistance, values)).status).toBe(201);
    const moved = await run(move, values);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const open: Task[] = (await fhir.get('/Task?owner=Organization/beta-bh&status=requested')).body.entry.map((e: { resource: Task }) => e.resource);
    expect(open.length).toBeGreaterThanOrEqual(2);
  });
});
