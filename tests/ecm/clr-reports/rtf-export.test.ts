import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { member, organization, referralTask, store } from './clr-support.ts';

// X-CLR-RTF: $ecm-rtf-export, the CLR columns of the Return Transmission File.

const { fhir, app } = useFhirServer();

beforeAll(async () => {
  await store(
    app(),
    organization('plan-k', 'pay', '9000000001'),
    organization('prov-a', 'prov', '1000000001', '11-0000001'),
    organization('prov-b', 'prov', '1000000002'),
    organization('clinic', 'prov'),
    member('m-1', 'CIN-A1'),
    member('m-2', 'CIN-A2'),
    member('m-3', 'CIN-A3'),
  );
  const T = referralTask;
  await store(
    app(),
    // Task A (referrer → plan) and its child Task B (plan → provider)
    T({ id: 'ta-1', owner: 'plan-k', requester: 'clinic', patient: 'm-1', status: 'completed', business: 'enrolled', reason: 'services-received', authoredOn: '2026-10-02T09:00:00-07:00', lastModified: '2026-10-20T10:00:00-07:00' }),
    T({ id: 'tb-1', owner: 'prov-a', requester: 'plan-k', partOf: 'ta-1', patient: 'm-1', status: 'completed', business: 'enrolled', reason: 'services-received', reasonText: 'Member enrolled', authoredOn: '2026-10-03T09:00:00-07:00', lastModified: '2026-10-20T10:00:00-07:00' }),
    // open, no businessStatus: the status is derived from Task.status; no closure reason while open
    T({ id: 'tb-2', owner: 'prov-a', requester: 'plan-k', partOf: 'ta-1', patient: 'm-2', status: 'in-progress', reason: 'other', authoredOn: '2026-10-04T09:00:00-07:00', lastModified: '2026-10-31T23:30:00-07:00' }),
    // authored before the period, status updated in it
    T({ id: 'tb-3', owner: 'prov-b', requester: 'plan-k', partOf: 'ta-1', patient: 'm-3', status: 'failed', business: 'unable-to-reach', reason: 'unable-to-reach', authoredOn: '2026-09-01T09:00:00-07:00', lastModified: '2026-10-05' }),
    // outside the period both ways; and a Task that is not a referral
    T({ id: 'tb-4', owner: 'prov-b', requester: 'plan-k', partOf: 'ta-1', patient: 'm-3', status: 'accepted', authoredOn: '2026-09-01T09:00:00-07:00', lastModified: '2026-11-01T00:30:00-07:00' }),
    T({ id: 'tb-5', owner: 'prov-b', requester: 'plan-k', patient: 'm-3', status: 'accepted', authoredOn: '2026-10-05T09:00:00-07:00', code: 'approve' }),
  );
});

const HEADER = 'plan_id,cin,provider_npi,provider_tin,provider_id,referral_id,referral_status,referral_status_date,loop_closure_reason,loop_closure_text';

function csvOf(res: { body: { resourceType: string; contentType: string; data: string } }): string[] {
  expect([res.body.resourceType, res.body.contentType]).toEqual(['Binary', 'text/csv']);
  return Buffer.from(res.body.data, 'base64').toString('utf8').split('\r\n');
}

describe('$ecm-rtf-export (X-CLR-RTF)', () => {
  it('one row per referral Task authored or updated in the period, with plan, CIN, NPI/TIN, status, date and closure reason', async () => {
    const res = await fhir.get('/$ecm-rtf-export?start=2026-10-01&end=2026-10-31');
    expect(res.status, res.text).toBe(200);
    expect(csvOf(res)).toEqual([
      HEADER,
      'plan-k,CIN-A1,9000000001,,plan-k,ta-1,enrolled,2026-10-20,services-received,',
      'plan-k,CIN-A1,1000000001,11-0000001,prov-a,tb-1,enrolled,2026-10-20,services-received,Member enrolled',
      'plan-k,CIN-A2,1000000001,11-0000001,prov-a,tb-2,outreach-in-progress,2026-10-31,,',
      'plan-k,CIN-A3,1000000002,,prov-b,tb-3,unable-to-reach,2026-10-05,unable-to-reach,',
      '',
    ]);
  });

  it('provider=Organization/x: only the Tasks that provider owns', async () => {
    const res = await fhir.get('/$ecm-rtf-export?start=2026-10-01&end=2026-10-31&provider=Organization/prov-b');
    expect(csvOf(res).slice(1)).toEqual(['plan-k,CIN-A3,1000000002,,prov-b,tb-3,unable-to-reach,2026-10-05,unable-to-reach,', '']);
  });

  it('Accept: text/csv answers the CSV itself', async () => {
    const res = await fhir.get('/$ecm-rtf-export?start=2026-11-01&end=2026-11-30', { accept: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
    expect(res.text).toBe(`${HEADER}\r\nplan-k,CIN-A3,1000000002,,prov-b,tb-4,accepted,2026-11-01,,\r\n`);
  });

  it.each([
    ['?end=2026-10-31', 'start'],
    ['?start=2026-10-01&end=31/10/2026', 'end'],
    ['?start=2026-10-02&end=2026-10-01', 'end'],
    ['?start=2026-10-01&end=2026-10-31&provider=Patient/m-1', 'provider'],
  ])('bad parameters %s: 400 naming %s', async (query, name) => {
    const res = await fhir.get(`/$ecm-rtf-export${query}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].diagnostics).toContain(`"${name}"`);
  });
});
