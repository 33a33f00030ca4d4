import type { Task } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgeToken } from '../../auth/support.ts';
import { fhirClient } from '../../support/fhir-client.ts';
import { startTestApp } from '../../support/test-app.ts';
import { member, organization, parts, referralTask, store } from './clr-support.ts';

// X-CLR-RTF with authorization on: a row applies only for the provider that owns its Task (or plan staff).

let server: Awaited<ReturnType<typeof startTestApp>>;
let app: FastifyInstance;

beforeAll(async () => {
  server = await startTestApp({ authDisabled: false });
  app = server.app;
  await store(app, organization('plan-k', 'pay'), organization('prov-a', 'prov', '1000000001'), organization('prov-b', 'prov', '1000000002'), organization('clinic', 'prov'), member('m-1', 'CIN-1'));
  const T = (id: string, owner: string, requester: string, status: Task['status'] = 'requested') => referralTask({ id, owner, requester, patient: 'm-1', status, authoredOn: '2026-10-01T09:00:00-07:00' });
  await store(app, T('ta-1', 'plan-k', 'clinic', 'accepted'), T('tb-a', 'prov-a', 'plan-k'), T('tb-b', 'prov-b', 'plan-k'), T('tb-b2', 'prov-b', 'plan-k'));
});
afterAll(() => server?.close());

const token = (org: string) => forgeToken(app, { scope: 'user/*.cruds', org, sub: `user-${org}`, fhirUser: `Practitioner/staff-${org}` });

async function importAs(org: string, rows: string[]) {
  const res = await fhirClient(app).request('POST', '/$ecm-rtf-import', ['referral_id,referral_status,referral_status_date', ...rows].join('\n'), {
    'content-type': 'text/csv',
    authorization: `Bearer ${await token(org)}`,
  });
  expect(res.status, res.text).toBe(200);
  const rowParts = (res.body.parameter as { name: string; part?: { name?: string }[] }[]).filter((p) => p.name === 'row').map((p) => parts(p.part));
  return rowParts.map((r) => [r.outcome, r.message]);
}

describe('$ecm-rtf-import access (X-CLR-RTF)', () => {
  it('a provider updates its own Tasks; another provider’s Task is not found for it', async () => {
    const rows = await importAs('prov-a', ['tb-a,accepted,2026-10-05', 'tb-b,accepted,2026-10-05']);
    expect(rows[0][0]).toBe('updated');
    expect(rows[1]).toEqual(['failed', 'No referral Task tb-b that you may read']);
    const read = await fhirClient(app).get('/Task/tb-b', { authorization: `Bearer ${await token('plan-k')}` });
    expect(read.body.status).toBe('requested');
  });

  it('an organization that sees a Task without owning it (the referrer) is forbidden for that row', async () => {
    const rows = await importAs('clinic', ['ta-1,enrolled,2026-10-05']);
    expect(rows).toEqual([['forbidden', 'You do not act for Organization/plan-k, the provider that owns Task/ta-1']]);
  });

  it('plan staff may import rows for every provider', async () => {
    const rows = await importAs('plan-k', ['tb-b2,accepted,2026-10-05']);
    expect(rows[0][0]).toBe('updated');
  });
});
