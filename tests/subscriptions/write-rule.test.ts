import type { Subscription } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/outcome.ts';
import { subscriptionWriteRule } from '../../src/subscriptions/subscription-write-rule.ts';
import { useFhirServer } from '../support/fhir-client.ts';
import { restHook, topicSubscription } from './support.ts';

/**
 * The Subscription write rule (refuses, with 422, what the server could not deliver). Called as the
 * write-rule pipeline calls it (src/fhir/write-rules.ts), with the server's FHIR context.
 */
const { app, fhir } = useFhirServer();

async function refusal(resource: Subscription, previous?: Subscription): Promise<{ status: number; text: string } | undefined> {
  try {
    await subscriptionWriteRule.prepare({ ...resource, id: 's1' } as Subscription & { id: string }, previous, { fhir: app().fhir });
    return undefined;
  } catch (err) {
    if (!(err instanceof FhirError)) throw err;
    return { status: err.status, text: err.outcome.issue?.[0]?.diagnostics ?? '' };
  }
}

describe('Subscription write rule', () => {
  it('accepts a valid criteria or topic Subscription', async () => {
    expect(await refusal(restHook('https://example.org/hook', 'Task?status=completed&owner=Organization/x'))).toBeUndefined();
    expect(await refusal(topicSubscription({ type: 'websocket' }, ['Task?owner=Organization/x']))).toBeUndefined();
  });

  it.each([
    ['an unknown search parameter', restHook('https://example.org/hook', 'Task?colour=red'), /Subscription.criteria: .*colour/],
    ['an unknown type', restHook('https://example.org/hook', 'Widget?status=x'), /unknown resource type "Widget"/],
    ['a filter on another type', topicSubscription({ type: 'rest-hook', endpoint: 'https://example.org/hook' }, ['Patient?name=x']), /must be a search on Task/],
    ['an unknown filter parameter', topicSubscription({ type: 'rest-hook', endpoint: 'https://example.org/hook' }, ['Task?colour=red']), /backport-filter-criteria: .*colour/],
    ['a rest-hook without endpoint', restHook('', 'Task?status=completed'), /needs channel.endpoint/],
    ['a non-http endpoint', restHook('ftp://example.org/x', 'Task?status=completed'), /http or https/],
    ['a header setting Host', restHook('https://example.org/hook', 'Task?status=completed', { channel: { type: 'rest-hook', endpoint: 'https://example.org/hook', header: ['Host: evil'] } }), /may not set Host/],
    ['a header with a line break', restHook('https://example.org/hook', 'Task?status=completed', { channel: { type: 'rest-hook', endpoint: 'https://example.org/hook', header: ['X-A: 1\r\nX-B: 2'] } }), /not of the form/],
    ['an unsupported payload type', restHook('https://example.org/hook', 'Task?status=completed', { channel: { type: 'rest-hook', endpoint: 'https://example.org/hook', payload: 'text/plain' } }), /payload "text\/plain"/],
  ])('refuses %s with 422', async (_what, resource, message) => {
    const r = await refusal(resource);
    expect(r?.status).toBe(422);
    expect(r?.text).toMatch(message);
  });

  it('stores any status a client writes (the official R4 examples carry active and error)', async () => {
    const valid = restHook('https://example.org/hook', 'Task?status=completed');
    for (const status of ['requested', 'active', 'error', 'off'] as const) expect(await refusal({ ...valid, status })).toBeUndefined();
  });

  it('is applied to every write over HTTP: a bad Subscription is refused with 422 and not stored', async () => {
    const before = (await fhir.get('/Subscription?_summary=count')).body.total;
    const res = await fhir.post('/Subscription', restHook('https://example.org/hook', 'Task?colour=red'));
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(/colour/);
    expect((await fhir.get('/Subscription?_summary=count')).body.total).toBe(before);
  });
});
