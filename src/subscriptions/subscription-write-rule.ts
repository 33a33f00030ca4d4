import type { Subscription } from '@medplum/fhirtypes';
import { fhirError } from '../fhir/outcome.ts';
import type { WriteRule } from '../fhir/write-rules.ts';
import { compileSubscription } from './subscription-criteria.ts';

/**
 * The write rule of Subscriptions, on every create and update whatever the route: a Subscription
 * the server could not deliver is refused with 422 naming the problem (criteria or filter with an
 * unknown type or search parameter, unknown topic, unsupported channel, payload or header).
 * Any status is stored as written (the official R4 examples carry `active` and `error`); the
 * delivery worker then moves it to `active` or `error` itself.
 */
export const subscriptionWriteRule: WriteRule = {
  resourceType: 'Subscription',
  async prepare(resource, _previous, { fhir }) {
    const next = resource as Subscription & { id: string };
    const compiled = compileSubscription(fhir, next, 0);
    if (!compiled.ok) throw fhirError(422, 'invalid', compiled.problem, ['Subscription']);
    return undefined;
  },
};
