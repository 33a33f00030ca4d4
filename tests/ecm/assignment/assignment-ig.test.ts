import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, type Tokens } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import { addCalendarDays } from '../../../src/ecm/calendar/deadlines.ts';
import { todayInLosAngeles } from '../../../src/ecm/eligibility/dates.ts';
import { IG_DIR } from '../../../src/http/ig-routes.ts';
import { useFhirServer } from '../../support/fhir-client.ts';
import { loadMember, loadNetwork, readAssign, search } from './assignment-support.ts';

// Every curl call of implementation-guide/assignment.md, in page order, against a server holding
// the test network: placeholders such as {authorization-id} become the ids made here.

interface CurlCall {
  method: string;
  url: string;
  body?: string;
  accept?: string;
}

function curlCalls(page: string): CurlCall[] {
  const calls: CurlCall[] = [];
  for (const t of new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, page), 'utf8'))) {
    if (t.type !== 'code' || (t as Tokens.Code).lang !== 'bash') continue;
    for (const command of (t as Tokens.Code).text.split(/\n(?=curl\s)/)) {
      const url = /(http:\/\/localhost:8080\/fhir[^'"\s]*)/.exec(command)?.[1];
      if (!command.startsWith('curl') || !url) continue;
      const body = /-d '([\s\S]*?)'\s*(?:\||$)/.exec(command)?.[1];
      const accept = /-H '[Aa]ccept: ([^']+)'/.exec(command)?.[1];
      calls.push({ method: /-X\s+(\w+)/.exec(command)?.[1] ?? (body ? 'POST' : 'GET'), url, ...(body ? { body } : {}), ...(accept ? { accept } : {}) });
    }
  }
  return calls;
}

const { fhir } = useFhirServer();
const ids: Record<string, string> = {
  'provider-id': 'alpha',
  'authorization-id': 'ig-1-req',
  'other-authorization-id': 'ig-2-req',
  'patient-id': 'ig-1',
  'lcm-role-id': 'lcm-alpha-trained',
  'reviewer-id': 'plan-reviewer',
  'new-provider-id': 'zeta-pcp',
};

beforeAll(async () => {
  await loadNetwork(fhir);
  // authorized on the day the calls run (they use the default date: today)
  const start = addCalendarDays(todayInLosAngeles(), -3);
  const request = { kind: 'authorization' as const, authoredOn: `${start}T10:00:00-08:00`, start, end: addCalendarDays(start, 364) };
  await loadMember(fhir, { id: 'ig-1', pofs: ['ltc-risk', 'homelessness'], request });
  await loadMember(fhir, { id: 'ig-2', pofs: ['homelessness'], request });
});

describe('implementation-guide/assignment.md', () => {
  const calls = curlCalls('assignment.md');

  it('shows the calls this test runs', () => {
    expect(calls.filter((c) => c.url.includes('$ecm-assign')).length).toBeGreaterThanOrEqual(4);
    expect(calls.filter((c) => c.url.includes('$ecm-member-list')).length).toBe(3);
  });

  it('every curl call succeeds, in page order', async () => {
    const concrete = async (s: string) => {
      if (s.includes('{group-id}') && !ids['group-id']) ids['group-id'] = (await search(fhir, '/Group?attributed-provider=Organization/alpha'))[0].id;
      return s.replace(/\{([a-z][a-z-]*)\}/g, (_m, name: string) => ids[name] ?? `ex-${name}`);
    };
    const answers: { call: CurlCall; body: unknown; text: string }[] = [];
    for (const call of calls) {
      const path = (await concrete(call.url)).replace('http://localhost:8080/fhir', '');
      const res = await fhir.request(call.method as 'GET' | 'POST', path, call.body ? await concrete(call.body) : undefined, call.accept ? { accept: call.accept } : {});
      expect(res.status, `${call.method} ${path}: ${res.text}`).toBeLessThan(300);
      if (!call.accept) expect(res.body.resourceType, path).not.toBe('OperationOutcome');
      answers.push({ call, body: res.body, text: res.text });
    }
    const assigns = answers.filter((a) => a.call.url.includes('$ecm-assign')).map((a) => readAssign(a.body as never));
    expect(assigns.map((a) => [a.mode, a.step, a.provider])).toEqual([
      ['assign', 'best-fit', 'Organization/alpha'],
      ['assign', 'best-fit', 'Organization/alpha'],
      ['assign', 'override', 'Organization/alpha'],
      ['change', 'preference', 'Organization/zeta-pcp'],
    ]);
    expect(assigns[0].dryRun).toBe(true);
    expect(assigns[1].lcm?.part?.[0].valueReference?.reference).toBe('PractitionerRole/lcm-alpha-trained');
    const csv = answers.at(-2)!.body as { resourceType: string; contentType: string };
    expect([csv.resourceType, csv.contentType]).toEqual(['Binary', 'text/csv']);
    // Accept: text/csv: the same file itself
    expect(answers.at(-1)!.call.accept).toBe('text/csv');
    expect(answers.at(-1)!.text).toMatch(/^plan,provider,provider_npi,member_id,/);
  });
});
