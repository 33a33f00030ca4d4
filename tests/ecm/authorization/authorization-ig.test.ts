import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, type Tokens } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import { IG_DIR } from '../../../src/http/ig-routes.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { KERN, authorizationRequest, createAuthorization, decide, dueOf, expectRule, homelessMember, out, store } from './authorization-support.ts';

// Every curl call of implementation-guide/authorization.md, run against the server in the order
// the page tells the story (the referral transaction is run by tests/http/ig-pages.test.ts too).

interface Call {
  method: string;
  url: string;
  body?: unknown;
}

function calls(page: string): Call[] {
  const found: Call[] = [];
  for (const t of new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, page), 'utf8'))) {
    if (t.type !== 'code' || (t as Tokens.Code).lang !== 'bash') continue;
    const text = (t as Tokens.Code).text;
    const url = /'?(http:\/\/localhost:8080\/fhir[^'\s]*)'?/.exec(text)?.[1];
    if (!url) continue;
    const body = /-d '([\s\S]*?)'\s*$/m.exec(text)?.[1];
    found.push({ method: /-X (\w+)/.exec(text)?.[1] ?? 'GET', url: url.replace('http://localhost:8080/fhir', ''), body: body === undefined ? undefined : JSON.parse(body) });
  }
  return found;
}

const page = calls('authorization.md');
const decision = (c: Call) => ((c.body as { parameter?: { name: string; valueCode?: string }[] })?.parameter ?? []).find((p) => p.name === 'decision')?.valueCode;
const reviewer = (c: Call) => JSON.stringify(c.body).match(/PractitionerRole\/([a-z0-9-]+)/)?.[1];
const decideCalls = page.filter((c) => c.url.endsWith('/$ecm-decide'));
const find = (what: string, pred: (c: Call) => boolean): Call => {
  const c = page.find(pred);
  if (!c) throw new Error(`authorization.md has no ${what} example`);
  return c;
};
const referralTx = find('referral transaction', (c) => (c.body as { resourceType?: string })?.resourceType === 'Bundle');
const draftCall = find('authorization request', (c) => c.method === 'POST' && c.url === '/ServiceRequest');
const overdueCall = find('overdue search', (c) => c.method === 'GET' && c.url.includes('decision-due='));
const queueCall = find('work queue', (c) => c.method === 'GET' && c.url.startsWith('/Task?'));
const acknowledgeCall = find('acknowledgement', (c) => c.url.endsWith('/$ecm-acknowledge'));
const directorCall = find('medical director role', (c) => c.method === 'PUT' && c.url.startsWith('/PractitionerRole/'));
const nurseApprove = decideCalls.find((c) => decision(c) === 'approve' && reviewer(c) === 'kern-ecm-nurse-1');
const pend = decideCalls.find((c) => decision(c) === 'pend-review');
const directorApprove = decideCalls.find((c) => decision(c) === 'approve' && reviewer(c) === 'kern-medical-director');
const directorDeny = decideCalls.find((c) => decision(c) === 'deny' && reviewer(c) === 'kern-medical-director');

const identificationTx = (() => {
  const text = readFileSync(join(IG_DIR, 'identification.md'), 'utf8');
  const m = /-d '(\{\s*"resourceType": "Bundle"[\s\S]*?)'\s*$/m.exec(text);
  if (!m) throw new Error('identification.md has no member transaction');
  return JSON.parse(m[1]) as unknown;
})();

const { fhir } = useFhirServer();
const fill = (body: unknown, values: Record<string, string>) => JSON.parse(JSON.stringify(body).replace(/\{([a-z][a-z-]*)\}/g, (_, k: string) => values[k] ?? `{${k}}`));
const post = (c: Call, id: string) => decide(fhir, id, c.body as never);

describe('implementation-guide/authorization.md examples, run', () => {
  let patient = '';
  let referralId = '';
  let taskId = '';

  beforeAll(async () => {
    const member = await fhir.post('', identificationTx);
    expect(member.status, member.text).toBe(200);
    const referral = await fhir.post('', referralTx.body);
    expect(referral.status, referral.text).toBe(200);
    patient = member.body.entry[0].response.location.replace(/\/_history\/.*/, '').replace('Patient/', '');
    referralId = referral.body.entry[0].response.location.replace(/\/_history\/.*/, '').replace('ServiceRequest/', '');
    taskId = referral.body.entry[1].response.location.replace(/\/_history\/.*/, '').replace('Task/', '');
  });

  it('has every example the page describes', () => {
    expect([nurseApprove, pend, directorApprove, directorDeny].every(Boolean)).toBe(true);
    expect(decideCalls).toHaveLength(4);
  });

  it('the work queue, the acknowledgement, the authorization request with its decision due date, and the overdue search', async () => {
    expect((await fhir.get(queueCall.url)).body.total).toBe(1);
    expect(acknowledgeCall.method).toBe('POST');
    const ack = await fhir.post(acknowledgeCall.url.replace('{task-id}', taskId), acknowledgeCall.body);
    expect(ack.status, ack.text).toBe(200);
    expect(ack.body.parameter.find((p: { name: string }) => p.name === 'accepted').valueBoolean).toBe(true);
    expect((await fhir.get(`/Task/${taskId}`)).body.businessStatus.coding[0].code).toBe('pending-authorization');
    expect((await fhir.get(queueCall.url)).body.total).toBe(0);
    const draft = await fhir.post(draftCall.url, fill(draftCall.body, { id: patient, 'referral-id': referralId }));
    expect(draft.status, draft.text).toBe(201);
    expect(draft.body.status).toBe('draft');
    const due = dueOf(draft.body)!;
    expect(due).toMatch(/T23:59:59-0[78]:00$/);
    const overdue = await fhir.get(overdueCall.url);
    expect(overdue.status, overdue.text).toBe(200);
    // the page's date is the end of 2 December 2026: the request is overdue then exactly when its due date is before it
    const ids = (overdue.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
    expect(ids.includes(draft.body.id)).toBe(Date.parse(due) < Date.parse('2026-12-03T00:00:00-08:00'));
    const later = await fhir.get(overdueCall.url.replace('lt2026-12-03T00:00:00-08:00', 'lt2099-01-01T00:00:00Z'));
    expect(later.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toContain(draft.body.id);
  });

  it('the nurse’s approval: 200 for a member meeting a POF; 422 ELIG-CASE-BY-CASE for Ana Rivera, who meets none', async () => {
    await store(fhir, homelessMember('ig-homeless', KERN));
    const other = await createAuthorization(fhir, authorizationRequest('ig-homeless'));
    const ok = await post(nurseApprove!, other.id);
    expect(ok.status, ok.text).toBe(200);
    expect(out(ok.body).authorization.status).toBe('active');

    const draft = await createAuthorization(fhir, fill(draftCall.body, { id: patient, 'referral-id': referralId }));
    const refused = await post(nurseApprove!, draft.id);
    expect(refused.status).toBe(422);
    expectRule(refused.body, 'ELIG-CASE-BY-CASE');
  });

  it('pend for review, the medical director’s role, then the medical director approves (Kern: 12 months) or denies', async () => {
    const toApprove = await createAuthorization(fhir, fill(draftCall.body, { id: patient, 'referral-id': referralId }));
    const toDeny = await createAuthorization(fhir, fill(draftCall.body, { id: patient, 'referral-id': referralId }));
    for (const sr of [toApprove, toDeny]) {
      const pended = await post(pend!, sr.id);
      expect(pended.status, pended.text).toBe(200);
      expect(out(pended.body).authorization.status).toBe('on-hold');
    }
    const role = await fhir.put(directorCall.url, directorCall.body);
    expect(role.status, role.text).toBeLessThan(300);

    const approved = await post(directorApprove!, toApprove.id);
    expect(approved.status, approved.text).toBe(200);
    const a = out(approved.body);
    expect(a.authorization.status).toBe('active');
    expect(a.settingsProfile).toEqual({ name: 'kern', version: '0.1.0' });
    expect(a.rules).toEqual(expect.arrayContaining(['AUTH-FLOW', 'AUTH-PERIOD', 'AUTH-REVIEW', 'ELIG-CASE-BY-CASE']));
    const start = a.period!.start!;
    expect(a.period!.end).toBe(new Date(Date.UTC(Number(start.slice(0, 4)) + 1, Number(start.slice(5, 7)) - 1, Number(start.slice(8, 10)) - 1)).toISOString().slice(0, 10));
    // Kern: member and PCP are told; Ana has no PCP and no ECM provider is assigned yet
    expect(a.notices).toHaveLength(1);
    expect(a.skipped).toHaveLength(2);

    const denied = await post(directorDeny!, toDeny.id);
    expect(denied.status, denied.text).toBe(200);
    const d = out(denied.body);
    expect(d.authorization.status).toBe('revoked');
    expect(d.appeal).toMatch(/^Task\//);
    expect((await fhir.get(`/Task?code=https://ecm-fhir.example.org/fhir/CodeSystem/ecm-auth-task|appeal-case&status=requested`)).body.total).toBe(1);
    expect((await fhir.get(`/Provenance?target=ServiceRequest/${toDeny.id}`)).body.total).toBe(2);
  });
});
