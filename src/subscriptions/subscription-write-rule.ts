import type { Subscription } from '@medplum/fhirtypes';
import { fhirError } from '../fhir/outcome.ts';
import type { WriteRule } from '../fhir/write-rules.ts';
import { compileSubscription } from './subscription-criteria.ts';

/** Statuses a client may set (R4 Subscription.status: only the server moves a subscription to active or error). */
const CLIENT_STATUSES = new Set(['requested', 'off']);

/**
 * The write rule of Subscriptions, on every create and update whatever the route: a Subscription
 * the server could not deliver is refused with 422 naming the problem (criteria or filter with an
 * unknown type or search parameter, unknown topic, unsupported channel, payload or header), and a
 * client may set `status` only to `requested` or `off` (an update keeping the status is allowed).
 * Without this rule such a Subscription is stored and then set to `error` by the delivery worker.
 */
export const subscriptionWriteRule: WriteRule = {
  resourceType: 'Subscription',
  async prepare(resource, previous, { fhir }) {
    const next = resource as Subscription & { id: string };
    const compiled = compileSubscription(fhir, next, 0);
    if (!compiled.ok) throw fhirError(422, 'invalid', compiled.problem, ['Subscription']);
    const status = next.status ?? 'requested';
    if (!CLIENT_STATUSES.has(status) && status !== (previous as Subscription | undefined)?.status) {
      throw fhirError(422, 'business-rule', `A client may set Subscription.status only to requested or off (the server sets active and error), not "${status}"`, ['Subscription.status']);
    }
    return undefined;
  },
};
