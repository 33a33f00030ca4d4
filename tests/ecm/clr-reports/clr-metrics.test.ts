import { beforeAll, describe, expect, it } from 'vitest';
import { useFhirServer } from '../../support/fhir-client.ts';
import { member, organization, parts, referralTask, store } from './clr-support.ts';

// CLR-METRICS: $ecm-clr-metrics over a known dataset (period 2026-10-01..2026-10-31, America/Los_Angeles).

const { fhir, app } = useFhirServer();

beforeAll(async () => {
  await store(
    app(),
    organization('plan-a', 'pay', '9999999999'),
    organization('prov-1', 'prov', '1111111111', '11-1111111'),
    organization('prov-2', 'prov', '2222222222'),
    organization('clinic', 'prov'),
    member('m-1', 'CIN0001'),
  );
  const T = referralTask;
  await store(
    app(),
    // prov-1: 8 counted Tasks; response hours 2, 4, 6, 8 (lastModified fallback), 10, 2
    T({ id: 'p1-a', owner: 'prov-1', status: 'completed', reason: 'services-received', authoredOn: '2026-10-01T08:00:00-07:00', response: '2026-10-01T10:00:00-07:00' }),
    T({ id: 'p1-b', owner: 'prov-1', status: 'failed', reason: 'unable-to-reach', authoredOn: '2026-10-02T08:00:00-07:00', response: '2026-10-02T12:00:00-07:00' }),
    T({ id: 'p1-c', owner: 'prov-1', status: 'failed', reason: 'unable-to-reach', authoredOn: '2026-10-03T08:00:00-07:00', response: '2026-10-03T14:00:00-07:00' }),
    T({ id: 'p1-d', owner: 'prov-1', status: 'accepted', authoredOn: '2026-10-04T08:00:00-07:00', lastModified: '2026-10-04T16:00:00-07:00' }),
    T({ id: 'p1-e', owner: 'prov-1', status: 'requested', authoredOn: '2026-10-05T08:00:00-07:00', due: '2020-01-01T23:59:59-08:00' }),
    T({ id: 'p1-f', owner: 'prov-1', status: 'requested', authoredOn: '2026-10-06T08:00:00-07:00', due: '2099-01-01T23:59:59-08:00' }),
    T({ id: 'p1-g', owner: 'prov-1', status: 'rejected', reasonText: 'No capacity', authoredOn: '2026-10-07T08:00:00-07:00', response: '2026-10-07T18:00:00-07:00' }),
    T({ id: 'p1-h', owner: 'prov-1', status: 'draft', authoredOn: '2026-10-08T08:00:00-07:00' }),
    T({ id: 'p1-i', owner: 'prov-1', status: 'completed', reason: 'services-received', authoredOn: '2026-09-30T23:00:00-07:00', response: '2026-10-01T01:00:00-07:00' }),
    T({ id: 'p1-j', owner: 'prov-1', status: 'completed', reason: 'services-received', authoredOn: '2026-10-31T23:30:00-07:00', response: '2026-11-01T01:30:00-07:00' }),
    T({ id: 'p1-k', owner: 'prov-1', status: 'completed', authoredOn: '2026-10-09T08:00:00-07:00', code: 'approve' }),
    T({ id: 'p1-l', owner: 'prov-1', status: 'cancelled', reasonText: 'withdrawn', authoredOn: '2026-10-10T08:00:00-07:00', lastModified: '2026-10-10T09:00:00-07:00' }),
    // prov-2: 3 Tasks; response hours 24 and 1.5; a date-only due date long past
    T({ id: 'p2-a', owner: 'prov-2', status: 'completed', reason: 'services-received', authoredOn: '2026-10-10T09:00:00-07:00', response: '2026-10-11T09:00:00-07:00' }),
    T({ id: 'p2-b', owner: 'prov-2', status: 'in-progress', authoredOn: '2026-10-11T09:00:00-07:00', response: '2026-10-11T10:30:00-07:00' }),
    T({ id: 'p2-c', owner: 'prov-2', status: 'requested', authoredOn: '2026-10-12T09:00:00-07:00', due: '2020-06-01' }),
    // the plan's own Task (Task A): one, accepted after an hour
    T({ id: 'pa-a', owner: 'plan-a', status: 'accepted', authoredOn: '2026-10-01T08:00:00-07:00', response: '2026-10-01T09:00:00-07:00' }),
  );
});

const PROV_1 = {
  provider: { reference: 'Organization/prov-1', display: 'Org prov-1' },
  total: 9,
  pending: 3,
  closed: 4,
  responded: 6,
  responseMedianHours: 5,
  responseP90Hours: 9,
  closureRate: 0.4444,
  unableToReachRate: 0.5,
  overdue: 1,
};
const PROV_2 = {
  provider: { reference: 'Organization/prov-2', display: 'Org prov-2' },
  total: 3,
  pending: 2,
  closed: 1,
  responded: 2,
  responseMedianHours: 12.75,
  responseP90Hours: 21.75,
  closureRate: 0.3333,
  unableToReachRate: 0,
  overdue: 1,
};
const PLAN = { provider: { reference: 'Organization/plan-a', display: 'Org plan-a' }, total: 1, pending: 1, closed: 0, responded: 1, responseMedianHours: 1, responseP90Hours: 1, closureRate: 0, overdue: 0 };

const providers = (body: { parameter?: { name?: string; part?: { name?: string }[] }[] }) => (body.parameter ?? []).filter((p) => p.name === 'provider').map((p) => parts(p.part));

describe('$ecm-clr-metrics (CLR-METRICS)', () => {
  it('system level: one provider part per owner organization with exact figures', async () => {
    const res = await fhir.get('/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31');
    expect(res.status, res.text).toBe(200);
    expect(res.body.resourceType).toBe('Parameters');
    const top = parts(res.body.parameter);
    expect([top.start, top.end]).toEqual(['2026-10-01', '2026-10-31']);
    expect(typeof top.generated).toBe('string');
    expect(providers(res.body)).toEqual([PLAN, PROV_1, PROV_2]);
  });

  it('Organization level: a provider sees only its own Tasks, a plan sees all', async () => {
    const provider = await fhir.get('/Organization/prov-2/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31');
    expect(provider.status, provider.text).toBe(200);
    expect(parts(provider.body.parameter).organization).toEqual({ reference: 'Organization/prov-2' });
    expect(providers(provider.body)).toEqual([PROV_2]);
    const plan = await fhir.get('/Organization/plan-a/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31');
    expect(providers(plan.body)).toEqual([PLAN, PROV_1, PROV_2]);
    expect((await fhir.get('/Organization/nowhere/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31')).status).toBe(404);
  });

  it('the period is local days in America/Los_Angeles: a one-day period counts that day only', async () => {
    // p1-j was authored 2026-10-31 23:30 Pacific (2026-11-01 in UTC); p1-i 2026-09-30 23:00 Pacific
    const res = await fhir.get('/Organization/prov-1/$ecm-clr-metrics?start=2026-10-31&end=2026-10-31');
    expect(providers(res.body)).toEqual([{ ...PROV_1, total: 1, pending: 0, closed: 1, responded: 1, responseMedianHours: 2, responseP90Hours: 2, closureRate: 1, unableToReachRate: 0, overdue: 0 }]);
    const none = await fhir.get('/$ecm-clr-metrics?start=2026-11-01&end=2026-11-30');
    expect(providers(none.body)).toEqual([]);
  });

  it('POST with a Parameters body answers the same', async () => {
    const res = await fhir.post('/$ecm-clr-metrics', { resourceType: 'Parameters', parameter: [{ name: 'start', valueDate: '2026-10-01' }, { name: 'end', valueDate: '2026-10-31' }] });
    expect(res.status, res.text).toBe(200);
    expect(providers(res.body)).toEqual([PLAN, PROV_1, PROV_2]);
  });

  it('format=csv: a text/csv Binary with a header row and one line per provider', async () => {
    const res = await fhir.get('/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31&format=csv');
    expect(res.status, res.text).toBe(200);
    expect([res.body.resourceType, res.body.contentType]).toEqual(['Binary', 'text/csv']);
    const lines = Buffer.from(res.body.data, 'base64').toString('utf8').split('\r\n');
    expect(lines).toEqual([
      'provider_id,provider_name,provider_npi,total,pending,closed,responded,response_median_hours,response_p90_hours,closure_rate,unable_to_reach_rate,overdue',
      'plan-a,Org plan-a,9999999999,1,1,0,1,1,1,0,,0',
      'prov-1,Org prov-1,1111111111,9,3,4,6,5,9,0.4444,0.5,1',
      'prov-2,Org prov-2,2222222222,3,2,1,2,12.75,21.75,0.3333,0,1',
      '',
    ]);
  });

  it('Accept: text/csv answers the CSV itself', async () => {
    const res = await fhir.get('/Organization/prov-2/$ecm-clr-metrics?start=2026-10-01&end=2026-10-31', { accept: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/csv/);
    expect(res.text.split('\r\n')[1]).toBe('prov-2,Org prov-2,2222222222,3,2,1,2,12.75,21.75,0.3333,0,1');
  });

  it.each([
    ['', 'start'],
    ['?start=2026-10-01', 'end'],
    ['?start=2026-10&end=2026-10-31', 'start'],
    ['?start=2026-10-01&end=2026-02-30', 'end'],
    ['?start=2026-10-31&end=2026-10-01', 'end'],
    ['?start=2026-10-01&end=2026-10-31&format=xml', 'format'],
    ['?start=2026-10-01&end=2026-10-31&colour=blue', 'colour'],
  ])('bad parameters%s: 400 naming %s', async (query, name) => {
    const res = await fhir.get(`/$ecm-clr-metrics${query}`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toContain(`"${name}"`);
  });
});
