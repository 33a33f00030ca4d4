import { randomUUID } from 'node:crypto';
import type { Bundle } from '@medplum/fhirtypes';
import { fhirError, notFound } from '../fhir/outcome.ts';
import type { Operation } from '../fhir/operations/operation.ts';
import { operationInput } from '../fhir/operations/parameters.ts';
import type { FhirContext } from '../fhir/request.ts';
import { subscriptionStatus } from './notification-bundle.ts';
import { subscriptionServiceFor } from './subscription-service.ts';

/** Most subscriptions one type-level call reports. */
const MAX_REPORTED = 1000;

/**
 * `$status` (R4 Subscriptions Backport IG 1.1.0, backport-subscription-status):
 * `Subscription/[id]/$status` or `Subscription/$status?id=…&status=…` (GET or POST). Answers a
 * searchset Bundle with one SubscriptionStatus Parameters (type `query-status`) per Subscription
 * the caller may read: its status, topic, events-since-subscription-start (the last event number
 * given out, so a client that saw fewer knows it missed some) and the latest delivery error.
 */
export const subscriptionStatusOperation: Operation = {
  name: 'status',
  levels: ['type', 'instance'],
  resourceTypes: ['Subscription'],
  affectsState: false,
  definition: 'https://ecm-fhir.example.org/fhir/OperationDefinition/subscription-status',
  async handle(ctx, req, target) {
    const service = subscriptionServiceFor(ctx.config);
    if (!service) throw fhirError(501, 'not-supported', 'Subscriptions are not enabled on this server');
    const input = operationInput(req);
    const wanted = new Set((input.values.get('status') ?? []).flatMap((s) => s.split(',')));
    let ids: string[];
    if (target.id) {
      if (!(await readable(ctx, target.id))) throw notFound(`Subscription/${target.id} not found`);
      ids = [target.id];
    } else {
      const asked = (input.values.get('id') ?? []).flatMap((s) => s.split(',')).filter((s) => s.length > 0);
      ids = asked.length > 0 ? (await Promise.all(asked.map(async (id) => ((await readable(ctx, id)) ? id : undefined)))).filter((id): id is string => !!id) : await allReadable(ctx);
    }
    const states = await service.store.states(ids);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      id: randomUUID(),
      type: 'searchset',
      total: 0,
      entry: [],
    };
    for (const state of states) {
      if (wanted.size > 0 && !wanted.has(state.status)) continue;
      bundle.entry!.push({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: subscriptionStatus({
          baseUrl: ctx.config.baseUrl,
          subscriptionId: state.id,
          topic: state.topic ?? undefined,
          status: state.status,
          type: 'query-status',
          eventsSinceStart: state.eventsSinceStart,
          error: state.lastError ?? undefined,
        }),
        search: { mode: 'match' },
      });
    }
    bundle.total = bundle.entry!.length;
    return { status: 200, body: bundle };
  },
};

/** Whether the caller may read the Subscription (the Repository enforces its access: 403 propagates). */
async function readable(ctx: FhirContext, id: string): Promise<boolean> {
  const stored = await ctx.repo.read(ctx.access, 'Subscription', id);
  return !!stored && !stored.deleted;
}

async function allReadable(ctx: FhirContext): Promise<string[]> {
  const result = await ctx.repo.search(ctx.access, { resourceType: 'Subscription', criteria: [], count: MAX_REPORTED, offset: 0, total: false });
  return result.resources.map((r) => r.id);
}
