import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lexer, type Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IG_DIR } from '../../src/http/ig-routes.ts';
import { useFhirServer } from '../support/fhir-client.ts';
import { deliveredEvents, eventually, plainTask, referralTask, startReceiver } from './support.ts';

/** The Subscriptions of implementation-guide/subscriptions.md's curl examples work as the page says. */
const { fhir } = useFhirServer({ subscriptionPollMs: 10, subscriptionRetryMs: 20 });
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

/** The JSON sent by each curl heredoc of the page, with its placeholders made concrete and the endpoint ours. */
function examples(): { resourceType: string; criteria: string }[] {
  const page = readFileSync(join(IG_DIR, 'subscriptions.md'), 'utf8');
  return new Lexer({ gfm: true })
    .lex(page)
    .filter((t): t is Tokens.Code => t.type === 'code' && (t as Tokens.Code).lang === 'sh')
    .flatMap((t) => [...t.text.matchAll(/<<'EOF'\n([\s\S]*?)\nEOF/g)].map((m) => m[1]))
    .map((json) =>
      JSON.parse(
        json
          .replaceAll('{provider-id}', 'prov-ig')
          .replaceAll('{referrer-id}', 'referrer')
          .replaceAll('{secret-of-the-endpoint}', 'secret-ig')
          .replaceAll('https://ehr.example.org/fhir-notify', receiver.url),
      ),
    );
}

describe('implementation-guide/subscriptions.md examples', () => {
  it('the criteria and the topic-based Subscription are accepted, activated and notify', async () => {
    const [criteria, topic] = examples();
    expect(criteria.criteria).toBe('Task?owner=Organization/prov-ig&status=completed');
    expect(topic.criteria).toBe('https://ecm-fhir.example.org/fhir/SubscriptionTopic/referral-task-status');
    const ids: string[] = [];
    for (const body of [criteria, topic]) {
      const res = await fhir.post('/Subscription', body);
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.id);
    }
    for (const id of ids) await eventually(`Subscription/${id} active`, async () => (await fhir.get(`/Subscription/${id}`)).body.status === 'active');
    await fhir.put('/Task/ig-1', plainTask('ig-1', 'prov-ig', 'completed'));
    await fhir.put('/Task/ig-2', referralTask('ig-2', 'prov-ig', 'requested'));
    const put = await eventually('the completed Task', () => receiver.received.find((r) => r.method === 'PUT' && r.path === '/hook/Task/ig-1'));
    expect(put.headers.authorization).toBe('Bearer secret-ig');
    const event = await eventually('the referral event', () => deliveredEvents(receiver.received)[0]);
    expect(event.entry?.resource.id).toBe('ig-2');
  });
});
