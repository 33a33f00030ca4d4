import { randomBytes } from 'node:crypto';
import type { Parameters, Subscription } from '@medplum/fhirtypes';
import { badRequest, fhirError, notFound } from '../fhir/outcome.ts';
import type { Operation } from '../fhir/operations/operation.ts';
import { operationInput } from '../fhir/operations/parameters.ts';
import { bindingTokenHash, subscriptionServiceFor } from './subscription-service.ts';

/** How long a binding token may be used to bind (the binding itself lasts as long as the connection). */
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
const MAX_IDS = 100;

/**
 * `$get-ws-binding-token` (R4 Subscriptions Backport IG 1.1.0,
 * backport-subscription-get-ws-binding-token): `Subscription/[id]/$get-ws-binding-token` or
 * `Subscription/$get-ws-binding-token?id=…`. Returns a token for websocket Subscriptions the
 * caller may read; a client that sends `bind-with-token <token>` on the websocket then receives
 * their notification Bundles. The token is random, stored only as its SHA-256, and expires.
 */
export const getWsBindingTokenOperation: Operation = {
  name: 'get-ws-binding-token',
  levels: ['type', 'instance'],
  resourceTypes: ['Subscription'],
  affectsState: true,
  definition: 'https://ecm-fhir.example.org/fhir/OperationDefinition/subscription-get-ws-binding-token',
  async handle(ctx, req, target) {
    const service = subscriptionServiceFor(ctx.config);
    if (!service) throw fhirError(501, 'not-supported', 'Subscriptions are not enabled on this server');
    const ids = target.id ? [target.id] : [...new Set((operationInput(req).values.get('id') ?? []).flatMap((s) => s.split(',')).filter((s) => s.length > 0))];
    if (ids.length === 0) throw badRequest('Name the websocket Subscriptions to bind: Subscription/[id]/$get-ws-binding-token or the id parameter', ['id']);
    if (ids.length > MAX_IDS) throw badRequest(`At most ${MAX_IDS} Subscriptions per token`, ['id']);
    for (const id of ids) {
      const stored = await ctx.repo.read(ctx.access, 'Subscription', id);
      if (!stored?.json || stored.deleted) throw notFound(`Subscription/${id} not found`);
      if ((JSON.parse(stored.json) as Subscription).channel?.type !== 'websocket') throw badRequest(`Subscription/${id} does not use the websocket channel`, ['id']);
    }
    const token = randomBytes(32).toString('base64url');
    const expiration = new Date(Date.now() + TOKEN_LIFETIME_MS).toISOString();
    await service.store.saveBindingToken(bindingTokenHash(token), ids, expiration);
    const body: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'token', valueString: token },
        { name: 'expiration', valueDateTime: expiration },
        ...ids.map((id) => ({ name: 'subscription', valueString: id })),
        { name: 'websocket-url', valueUrl: service.websocketUrl },
      ],
    };
    return { status: 200, body };
  },
};
