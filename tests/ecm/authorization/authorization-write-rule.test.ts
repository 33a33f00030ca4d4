import type { Bundle, ServiceRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { decisionDue } from '../../../src/ecm/authorization/decision-due.ts';
import { settingsProfileNamed } from '../../../src/ecm/settings/settings-profile.ts';
import { applyWriteRules } from '../../../src/fhir/write-rules.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { TestMember } from '../eligibility-fixtures.ts';
import { DUE_URL, KERN, authorizationRequest, createAuthorization, decide, decideBody, dueOf, expectRule, homelessMember, referral, store, storeReviewers } from './authorization-support.ts';

// The write rule of ECM authorizations on every route: AUTH-TAT due date on receipt, AUTH-FLOW for plain writes.

const { fhir, app } = useFhirServer();
const kern = settingsProfileNamed('kern', '2026-11-23')!.settings;
const fallback = settingsProfileNamed('default', '2026-11-23')!.settings;

beforeAll(async () => {
  await storeReviewers(fhir);
  await store(fhir, homelessMember('wr', KERN));
});

const entry = (resource: unknown, method: string, url: string) => ({ resource, request: { method, url } });
const transaction = (entries: unknown[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: entries as Bundle['entry'] });

describe('AUTH-EXPEDITE-COC: a member with prior ECM asking to continue is decided on the expedited clock where the plan says so', () => {
  async function priorEcmMember(id: string, payor: string) {
    const m = new TestMember(id, '1980-01-01', { start: '2026-10-01', payor });
    // ECM at the previous plan until shortly before this coverage started (CONT-HIST)
    m.program(['ecm'], '2025-06-01', '2026-08-31', 'Organization/prev-plan');
    m.serviceByOrg('2026-08-15', 'Organization/prev-plan');
    expect((await fhir.post('', m.bundle())).status).toBe(200);
  }

  it('Partnership (cocExpedite): a routine request gets the 72-hour due date; Kern keeps 5 business days', async () => {
    const partnership = settingsProfileNamed('partnership', '2026-11-23')!.settings;
    expect([partnership.cocExpedite, kern.cocExpedite]).toEqual([true, false]);
    await priorEcmMember('coc-p', 'Organization/plan-partnership');
    await priorEcmMember('coc-k', KERN);
    const p = await createAuthorization(fhir, authorizationRequest('coc-p'));
    // the clock starts at receipt (the rule runs a moment before the version is stamped)
    expect(Math.abs(Date.parse(dueOf(p)!) - Date.parse(decisionDue(p.meta!.lastUpdated!, true, partnership)))).toBeLessThan(5_000);
    const k = await createAuthorization(fhir, authorizationRequest('coc-k'));
    expect(dueOf(k)).toBe(decisionDue(k.meta!.lastUpdated!, false, kern));
  });

  it('Partnership without prior ECM: routine', async () => {
    const m = new TestMember('coc-none', '1980-01-01', { start: '2026-10-01', payor: 'Organization/plan-partnership' });
    expect((await fhir.post('', m.bundle())).status).toBe(200);
    const sr = await createAuthorization(fhir, authorizationRequest('coc-none'));
    expect(dueOf(sr)).toBe(decisionDue(sr.meta!.lastUpdated!, false, settingsProfileNamed('partnership', '2026-11-23')!.settings));
  });
});

describe('AUTH-TAT: the decision due date is set on receipt', () => {
  it('POST draft without a referral: 5 Kern business days from the server receipt of the request', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr'));
    expect(dueOf(sr)).toBe(decisionDue(sr.meta!.lastUpdated!, false, kern));
    expect(dueOf(sr)).toMatch(/T23:59:59-0[78]:00$/);
  });

  it('based on a referral: the clock starts when the server received the referral (authClockStart referral-receipt)', async () => {
    const ref = await fhir.put('/ServiceRequest/wr-ref', referral('wr-ref', 'wr'));
    expect(ref.status).toBe(201);
    // a later edit of the referral does not move the clock
    expect((await fhir.put('/ServiceRequest/wr-ref', { ...referral('wr-ref', 'wr'), note: [{ text: 'edited' }] })).status).toBe(200);
    const sr = await createAuthorization(fhir, authorizationRequest('wr', { basedOn: ['ServiceRequest/wr-ref'], priority: 'urgent' }));
    expect(dueOf(sr)).toBe(decisionDue(ref.body.meta.lastUpdated, true, kern));
  });

  it('the member’s plan decides the settings: a member without coverage gets the default profile', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('nobody-covered'));
    expect(dueOf(sr)).toBe(decisionDue(sr.meta!.lastUpdated!, false, fallback));
  });

  it('a due date the client writes is replaced; later writes keep the server’s; an expedited change recomputes it', async () => {
    const sent: ServiceRequest = { ...authorizationRequest('wr'), extension: [{ url: DUE_URL, valueDateTime: '2099-01-01T00:00:00Z' }] };
    const sr = await createAuthorization(fhir, sent);
    const due = dueOf(sr)!;
    expect(due).not.toBe('2099-01-01T00:00:00Z');
    const edited = await fhir.put(`/ServiceRequest/${sr.id}`, { ...sr, extension: undefined, note: [{ text: 'more information received' }] });
    expect(edited.status, edited.text).toBe(200);
    expect(dueOf(edited.body)).toBe(due);
    const urgent = await fhir.put(`/ServiceRequest/${sr.id}`, { ...edited.body, priority: 'urgent' });
    expect(dueOf(urgent.body)).toBe(decisionDue(sr.meta!.lastUpdated!, true, kern));
  });

  it('is set in a transaction (POST and PUT entries) and in a batch, and searchable as decision-due', async () => {
    const tx = await fhir.post('', transaction([
      entry(authorizationRequest('wr'), 'POST', 'ServiceRequest'),
      entry(authorizationRequest('wr', { id: 'wr-tx-put' }), 'PUT', 'ServiceRequest/wr-tx-put'),
    ]));
    expect(tx.status, tx.text).toBe(200);
    const batch = await fhir.post('', { resourceType: 'Bundle', type: 'batch', entry: [entry(authorizationRequest('wr'), 'POST', 'ServiceRequest')] });
    expect(batch.body.entry[0].response.status).toBe('201 Created');
    const ids = [tx.body.entry[0].response.location, 'ServiceRequest/wr-tx-put', batch.body.entry[0].response.location].map((l: string) => l.replace(/\/_history\/.*/, ''));
    const stored: ServiceRequest[] = await Promise.all(ids.map(async (id) => (await fhir.get(`/${id}`)).body));
    for (const sr of stored) expect(dueOf(sr)).toBe(decisionDue(sr.meta!.lastUpdated!, false, kern));

    const due = dueOf(stored[1])!;
    const search = (q: string) => fhir.get(`/ServiceRequest?_id=wr-tx-put&${q}`).then((r) => r.body.total);
    expect(await search(`decision-due=${encodeURIComponent(due)}`)).toBe(1);
    expect(await search(`decision-due=le${encodeURIComponent(due)}`)).toBe(1);
    expect(await search(`decision-due=lt${encodeURIComponent(due)}`)).toBe(0);
    // overdue on the day after the due date, but not once decided
    const dayAfter = new Date(Date.parse(due) + 1000).toISOString();
    expect(await search(`decision-due=lt${dayAfter}&status=draft,on-hold`)).toBe(1);
    expect((await decide(fhir, 'wr-tx-put', decideBody('approve'))).status).toBe(200);
    expect(await search(`decision-due=lt${dayAfter}&status=draft,on-hold`)).toBe(0);
  });

  it('an authorization recorded as already decided (created active) is stored as given, without a due date', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr', { status: 'active', period: { start: '2026-01-01', end: '2026-12-31' } }));
    expect(sr.status).toBe('active');
    expect(dueOf(sr)).toBeUndefined();
  });

  it('leaves other ServiceRequests alone (a referral keeps what it was sent with)', async () => {
    const sent = { ...referral('wr-plain', 'wr'), extension: [{ url: DUE_URL, valueDateTime: '2099-01-01T00:00:00Z' }] };
    const res = await fhir.put('/ServiceRequest/wr-plain', sent);
    expect(res.status).toBe(201);
    expect(dueOf(res.body)).toBe('2099-01-01T00:00:00Z');
  });
});

describe('AUTH-FLOW: plain writes cannot decide', () => {
  const approved = (sr: ServiceRequest) => ({ ...sr, status: 'active', occurrencePeriod: { start: '2026-11-25', end: '2027-11-24' } });

  it('PUT draft → active is refused (422 naming AUTH-FLOW); the request stays as it was', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr'));
    const res = await fhir.put(`/ServiceRequest/${sr.id}`, approved(sr));
    expect(res.status).toBe(422);
    expectRule(res.body, 'AUTH-FLOW');
    expect(res.body.issue[0].diagnostics).toContain('$ecm-decide');
    expect((await fhir.get(`/ServiceRequest/${sr.id}`)).body.meta.versionId).toBe('1');
    for (const status of ['revoked', 'on-hold', 'completed']) {
      const r = await fhir.put(`/ServiceRequest/${sr.id}`, { ...approved(sr), status });
      expect(r.status, status).toBe(422);
      expectRule(r.body, 'AUTH-FLOW');
    }
  });

  it('PATCH, conditional update and a transaction entry are refused the same way; nothing of the transaction is written', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr'));
    const patched = await fhir.patch(`/ServiceRequest/${sr.id}`, [
      { op: 'replace', path: '/status', value: 'active' },
      { op: 'add', path: '/occurrencePeriod', value: { start: '2026-11-25', end: '2027-11-24' } },
    ]);
    expect(patched.status).toBe(422);
    expectRule(patched.body, 'AUTH-FLOW');
    const conditional = await fhir.put(`/ServiceRequest?_id=${sr.id}`, approved(sr));
    expect(conditional.status).toBe(422);
    const tx = await fhir.post('', transaction([
      entry({ resourceType: 'Basic', code: { text: 'marker' } }, 'POST', 'Basic'),
      entry(approved(sr), 'PUT', `ServiceRequest/${sr.id}`),
    ]));
    expect(tx.status).toBe(422);
    expectRule(tx.body, 'AUTH-FLOW');
    expect(tx.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[1\] \(PUT ServiceRequest\//);
    expect((await fhir.get('/Basic?code:text=marker')).body.total).toBe(0);
    const batch = await fhir.post('', { resourceType: 'Bundle', type: 'batch', entry: [entry(approved(sr), 'PUT', `ServiceRequest/${sr.id}`)] });
    expect(batch.body.entry[0].response.status).toBe('422');
    expect((await fhir.get(`/ServiceRequest/${sr.id}`)).body.meta.versionId).toBe('1');
  });

  it('a decision cannot be changed or reopened; an approval may be completed or marked entered-in-error', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr'));
    const decided = (await decide(fhir, sr.id, decideBody('approve'))).body.parameter[0].resource as ServiceRequest & { id: string };
    const longer = await fhir.put(`/ServiceRequest/${sr.id}`, { ...decided, occurrencePeriod: { ...decided.occurrencePeriod, end: '2030-01-01' } });
    expect(longer.status).toBe(422);
    expectRule(longer.body, 'AUTH-PERIOD');
    const reopened = await fhir.put(`/ServiceRequest/${sr.id}`, { ...decided, status: 'draft' });
    expect(reopened.status).toBe(422);
    expectRule(reopened.body, 'AUTH-FLOW');
    const stripped = await fhir.put(`/ServiceRequest/${sr.id}`, { ...decided, meta: undefined, category: [{ text: 'other' }] });
    expect(stripped.status).toBe(422);
    expectRule(stripped.body, 'AUTH-FLOW');
    const assigned = await fhir.put(`/ServiceRequest/${sr.id}`, { ...decided, performer: [{ reference: 'Organization/ecm-provider-1' }] });
    expect(assigned.status, assigned.text).toBe(200);
    const ended = await fhir.put(`/ServiceRequest/${sr.id}`, { ...assigned.body, status: 'completed' });
    expect(ended.status, ended.text).toBe(200);
    const error = await fhir.put(`/ServiceRequest/${sr.id}`, { ...ended.body, status: 'entered-in-error' });
    expect(error.status, error.text).toBe(200);
    const back = await fhir.put(`/ServiceRequest/${sr.id}`, { ...error.body, status: 'active' });
    expect(back.status).toBe(422);
  });

  it('a received or decided authorization cannot be deleted (409 AUTH-FLOW, every route); one marked entered-in-error can', async () => {
    const received = await createAuthorization(fhir, authorizationRequest('wr'));
    const plain = await fhir.delete(`/ServiceRequest/${received.id}`);
    expect(plain.status).toBe(409);
    expectRule(plain.body, 'AUTH-FLOW');
    expect((await fhir.delete(`/ServiceRequest?_id=${received.id}`)).status).toBe(409);
    const tx = await fhir.post('/', transaction([{ request: { method: 'DELETE', url: `ServiceRequest/${received.id}` } }]));
    expect(tx.status).toBe(409);
    const decided = (await decide(fhir, received.id, decideBody('approve'))).body.parameter[0].resource as ServiceRequest & { id: string };
    expect((await fhir.delete(`/ServiceRequest/${received.id}`)).status).toBe(409);
    expect((await fhir.get(`/ServiceRequest/${received.id}`)).body.status).toBe('active');
    const error = await fhir.put(`/ServiceRequest/${received.id}`, { ...decided, status: 'entered-in-error' });
    expect(error.status, error.text).toBe(200);
    expect((await fhir.delete(`/ServiceRequest/${received.id}`)).status).toBe(200);
    expect((await fhir.get(`/ServiceRequest/${received.id}`)).status).toBe(410);
  });

  it('an update is pinned to the version it was judged against, so a write in between makes it fail (412) instead of being overwritten', async () => {
    const sr = await createAuthorization(fhir, authorizationRequest('wr'));
    const op = await applyWriteRules(app().fhir, { kind: 'update', resource: { ...sr, note: [{ text: 'a' }] } as ServiceRequest & { id: string } });
    expect(op).toMatchObject({ kind: 'update', ifMatch: 1 });
    expect((await fhir.put(`/ServiceRequest/${sr.id}`, { ...sr, note: [{ text: 'in between' }] })).status).toBe(200);
    await expect(app().fhir.repo.write(app().fhir.access, [op])).rejects.toMatchObject({ status: 412 });
    // a resource no rule concerns is not pinned
    const other = await applyWriteRules(app().fhir, { kind: 'update', resource: { resourceType: 'Basic', id: 'x', code: { text: 'x' } } });
    expect(other).toEqual({ kind: 'update', resource: { resourceType: 'Basic', id: 'x', code: { text: 'x' } } });
  });
});
