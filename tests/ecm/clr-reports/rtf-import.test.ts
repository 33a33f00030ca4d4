import type { Task } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { REASON, STATUS, member, organization, parts, referralTask, store } from './clr-support.ts';

// X-CLR-RTF: $ecm-rtf-import applies a provider's Return Transmission File row by row through the
// referral lifecycle (X-GRAVITY), with a per-row report; bad rows never touch good ones.

const { fhir, app } = useFhirServer();

beforeAll(async () => {
  await store(
    app(),
    organization('plan-k', 'pay', '9000000001'),
    organization('prov-a', 'prov', '1000000001'),
    organization('prov-b', 'prov', '1000000002'),
    organization('clinic', 'prov'),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => member(`m-${n}`, `CIN-${n}`)),
  );
  const child = (id: string, parent: string, n: number, status: Task['status'], owner = 'prov-a') =>
    referralTask({ id, owner, requester: 'plan-k', partOf: parent, patient: `m-${n}`, status, authoredOn: '2026-10-01T09:00:00-07:00', ...(status === 'completed' ? { reason: 'services-received' } : {}) });
  const parent = (id: string, n: number) => referralTask({ id, owner: 'plan-k', requester: 'clinic', patient: `m-${n}`, status: 'accepted', authoredOn: '2026-09-30T09:00:00-07:00' });
  await store(app(), parent('ta-1', 1), parent('ta-2', 2), parent('ta-3', 3), parent('ta-4', 4), parent('ta-6', 6), parent('ta-7', 7), parent('ta-8', 8));
  await store(
    app(),
    child('tb-1', 'ta-1', 1, 'requested'),
    // tb-5 shares its parent with tb-1: their relayed parent updates meet in one wave
    child('tb-5', 'ta-1', 1, 'accepted'),
    child('tb-2', 'ta-2', 2, 'requested'),
    child('tb-3', 'ta-3', 3, 'in-progress'),
    child('tb-4', 'ta-4', 4, 'requested'),
    child('tb-6', 'ta-6', 6, 'requested'),
    child('tb-done', 'ta-6', 6, 'completed'),
    child('tb-7', 'ta-7', 7, 'requested', 'prov-b'),
    child('tb-8', 'ta-8', 8, 'requested'),
  );
});

const FILE = [
  'referral_id,cin,provider_npi,referral_status,referral_status_date,loop_closure_reason',
  'tb-1,,,Accepted by provider,2026-10-05,', // 2 good
  ',CIN-2,1000000001,Enrolled,2026-10-06,Services Received', // 3 good: by CIN + NPI, requested → completed in one row
  'tb-3,,,unable to reach,2026-10-07,', // 4 good
  'tb-4,,,Declined,2026-10-08,provider-capacity', // 5 good
  'tb-5,,,outreach-in-progress,10/09/2026,', // 6 good
  ',CIN-404,1000000001,accepted,2026-10-05,', // 7 unknown CIN
  'tb-6,,,Teleported,2026-10-05,', // 8 bad status
  'tb-6,,,accepted,2026-02-30,', // 9 bad date
  'tb-done,,,accepted,2026-10-05,', // 10 illegal transition: completed → accepted
  ',CIN-6,1999999999,accepted,2026-10-05,', // 11 unknown provider NPI
  'tb-6,,,accepted,2099-01-01,', // 12 future date
  'tb-nope,,,accepted,2026-10-05,', // 13 unknown referral
  'tb-6,,,submitted,2026-10-05,', // 14 not a status a provider reports
  'tb-6,,,accepted,2026-10-05,services-received', // 15 closure reason on an open status
].join('\r\n');

const importCsv = (text: string, query = '') => fhir.request('POST', `/$ecm-rtf-import${query}`, text, { 'content-type': 'text/csv' });

type Row = { line: number; outcome: string; referral?: { reference: string }; rule?: string; message?: string };
function report(body: { parameter: { name: string; part?: { name?: string }[] }[] }) {
  const top = parts(body.parameter);
  const rows = body.parameter.filter((p) => p.name === 'row').map((p) => parts(p.part) as unknown as Row);
  return { rows: top.rows, updated: top.updated, unchanged: top.unchanged, failed: top.failed, byLine: new Map(rows.map((r) => [r.line, r])) };
}

const task = async (id: string): Promise<Task> => (await fhir.get(`/Task/${id}`)).body;
const versions = async (id: string): Promise<number> => (await fhir.get(`/Task/${id}/_history`)).body.total;

describe('$ecm-rtf-import (X-CLR-RTF)', () => {
  let first: ReturnType<typeof report>;
  const historyAfterFirst = new Map<string, number>();

  it('good rows update their Tasks; bad rows are reported one by one and change nothing', async () => {
    const res = await importCsv(FILE);
    expect(res.status, res.text).toBe(200);
    first = report(res.body);
    expect([first.rows, first.updated, first.unchanged, first.failed]).toEqual([14, 5, 0, 9]);
    for (const line of [2, 3, 4, 5, 6]) expect(first.byLine.get(line)?.outcome, `line ${line}: ${first.byLine.get(line)?.message}`).toBe('updated');
    expect(first.byLine.get(3)?.referral).toEqual({ reference: 'Task/tb-2' });

    const tb1 = await task('tb-1');
    expect([tb1.status, tb1.businessStatus?.coding?.[0].code, tb1.lastModified, tb1.statusReason]).toEqual(['accepted', 'accepted', '2026-10-05', undefined]);
    // the first answer is dated by the row, not by the import (CLR-METRICS response times)
    expect(tb1.extension?.find((e) => e.url.endsWith('/ext-response-date'))?.valueDateTime).toBe('2026-10-05');
    const tb2 = await task('tb-2');
    expect([tb2.status, tb2.businessStatus?.coding?.[0]]).toEqual(['completed', { system: STATUS, code: 'enrolled', display: 'Enrolled / services started' }]);
    expect(tb2.statusReason).toEqual({ coding: [{ system: REASON, code: 'services-received', display: 'Services Received' }], text: 'Services Received' });
    const tb3 = await task('tb-3');
    expect([tb3.status, tb3.statusReason?.coding?.[0].code, tb3.statusReason?.text, tb3.lastModified]).toEqual(['failed', 'unable-to-reach', 'Member Unable to Reach', '2026-10-07']);
    const tb4 = await task('tb-4');
    expect([tb4.status, tb4.businessStatus?.coding?.[0].code, tb4.statusReason?.coding?.[0].code]).toEqual(['rejected', 'declined', 'provider-capacity']);
    const tb5 = await task('tb-5');
    expect([tb5.status, tb5.businessStatus?.coding?.[0].code, tb5.lastModified]).toEqual(['in-progress', 'outreach-in-progress', '2026-10-09']);

    // the bad rows' Tasks are untouched
    expect([(await task('tb-6')).status, await versions('tb-6')]).toEqual(['requested', 1]);
    expect([(await task('tb-done')).status, await versions('tb-done')]).toEqual(['completed', 1]);
    for (const id of ['tb-1', 'tb-2', 'tb-3', 'tb-4', 'tb-5', 'ta-1', 'ta-2']) historyAfterFirst.set(id, await versions(id));
    expect(historyAfterFirst.get('tb-1')).toBe(2);
  });

  it('the per-row report names each failure: unknown CIN or provider, bad status or date, illegal transition (X-GRAVITY)', () => {
    const row = (line: number) => first.byLine.get(line)!;
    for (const line of [7, 8, 9, 10, 11, 12, 13, 14, 15]) expect(row(line).outcome, `line ${line}`).toBe('failed');
    expect(row(7).message).toMatch(/No member with this CIN/);
    expect(row(8).message).toMatch(/referral_status "Teleported" is not a code or display/);
    expect(row(9).message).toMatch(/referral_status_date "2026-02-30" is not a date/);
    expect(row(10)).toMatchObject({ referral: { reference: 'Task/tb-done' }, rule: 'X-GRAVITY' });
    expect(row(10).message).toMatch(/^X-GRAVITY: .*completed/);
    expect(row(11).message).toMatch(/No organization with this provider_npi/);
    expect(row(12).message).toMatch(/in the future/);
    expect(row(13).message).toMatch(/No referral Task tb-nope/);
    expect(row(14).message).toMatch(/not a status a provider reports/);
    expect(row(15).message).toMatch(/leaves the loop open/);
    expect(row(2).message).toBe('requested → accepted (accepted)');
  });

  it('importing the same file again changes nothing: every good row unchanged, no new versions', async () => {
    const res = await importCsv(FILE);
    expect(res.status, res.text).toBe(200);
    const again = report(res.body);
    expect([again.rows, again.updated, again.unchanged, again.failed]).toEqual([14, 0, 5, 9]);
    for (const line of [2, 3, 4, 5, 6]) expect(again.byLine.get(line)?.outcome, `line ${line}: ${again.byLine.get(line)?.message}`).toBe('unchanged');
    for (const [id, n] of historyAfterFirst) expect(await versions(id), id).toBe(n);
  });

  it('a row moving a Task back (completed → accepted) fails with X-GRAVITY; a row of the same Task later in the file still applies', async () => {
    const res = await importCsv(['referral_id,referral_status,referral_status_date', 'tb-2,accepted,2026-10-10', 'tb-8,accepted,2026-10-10', 'tb-8,enrolled,2026-10-11'].join('\n'));
    const r = report(res.body);
    expect(r.byLine.get(2)).toMatchObject({ outcome: 'failed', rule: 'X-GRAVITY' });
    expect([r.byLine.get(3)?.outcome, r.byLine.get(4)?.outcome]).toEqual(['updated', 'updated']);
    expect((await task('tb-2')).status).toBe('completed');
    const tb8 = await task('tb-8');
    expect([tb8.status, tb8.lastModified, tb8.statusReason?.coding?.[0].code]).toEqual(['completed', '2026-10-11', 'services-received']);
  });

  it('rows are read in chunks of 1,000: a later chunk sees what an earlier one wrote to the same Task', async () => {
    await store(app(), { ...referralTask({ id: 'tb-chunk', owner: 'prov-a', requester: 'plan-k', patient: 'm-5', status: 'accepted', business: 'accepted', authoredOn: '2026-10-01T09:00:00-07:00', lastModified: '2026-10-05' }) });
    const filler = Array.from({ length: 999 }, (_, k) => `tb-none-${k},accepted,2026-10-05`);
    const res = await importCsv(['referral_id,referral_status,referral_status_date', 'tb-chunk,enrolled,2026-10-06', ...filler, 'tb-chunk,accepted,2026-10-05'].join('\n'));
    expect(res.status, res.text).toBe(200);
    const r = report(res.body);
    expect([r.rows, r.updated, r.failed]).toEqual([1001, 1, 1000]);
    expect(r.byLine.get(2)?.outcome).toBe('updated');
    // line 1002 is in the second chunk: the Task it names is completed by now, not accepted as when the chunk was looked up
    expect(r.byLine.get(1002)).toMatchObject({ outcome: 'failed', rule: 'X-GRAVITY' });
    expect((await task('tb-chunk')).status).toBe('completed');
  });

  it('format=csv answers the report as CSV', async () => {
    const res = await importCsv('referral_id,referral_status,referral_status_date\r\ntb-1,accepted,2026-10-05\r\ntb-nope,accepted,2026-10-05\r\n', '?format=csv');
    expect(res.status, res.text).toBe(200);
    expect([res.body.resourceType, res.body.contentType]).toEqual(['Binary', 'text/csv']);
    expect(Buffer.from(res.body.data, 'base64').toString('utf8').split('\r\n')).toEqual([
      'line,outcome,referral_id,rule,message',
      '2,unchanged,tb-1,,Already accepted as of 2026-10-05',
      '3,failed,tb-nope,,No referral Task tb-nope that you may read',
      '',
    ]);
  });

  it('a Parameters body with the file as a base64 Attachment', async () => {
    const csv = 'Referral ID,Referral Status,Date of Referral Status Update,Reason for Referral Loop Closure\n"tb-7","Member Unable to Reach","2026-10-12","Member Unable to Reach"\n';
    const res = await fhir.post('/$ecm-rtf-import', { resourceType: 'Parameters', parameter: [{ name: 'file', valueAttachment: { contentType: 'text/csv', data: Buffer.from(csv).toString('base64') } }] });
    expect(res.status, res.text).toBe(200);
    expect(report(res.body).byLine.get(2)?.outcome).toBe('updated');
    const tb7 = await task('tb-7');
    expect([tb7.status, tb7.statusReason?.coding?.[0].code]).toEqual(['failed', 'unable-to-reach']);
  });

  it.each([
    ['no header columns it needs', 'cin,referral_status\nCIN-1,accepted\n', /lacks the column/],
    ['an unclosed quote', 'referral_id,referral_status,referral_status_date\n"tb-1,accepted,2026-10-05\n', /not valid CSV/],
    ['an empty file', '', /empty/],
  ])('a file with %s: 400', async (_what, text, message) => {
    const res = await importCsv(text);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toMatch(message);
  });

  it('a Parameters body without a CSV file: 400', async () => {
    const none = await fhir.post('/$ecm-rtf-import', { resourceType: 'Parameters', parameter: [] });
    expect(none.status).toBe(400);
    const pdf = await fhir.post('/$ecm-rtf-import', { resourceType: 'Parameters', parameter: [{ name: 'file', valueAttachment: { contentType: 'application/pdf', data: 'AAAA' } }] });
    expect(pdf.status).toBe(400);
    expect(pdf.body.issue[0].diagnostics).toMatch(/text\/csv/);
    expect((await fhir.get('/$ecm-rtf-import')).status).toBe(405);
  });
});
