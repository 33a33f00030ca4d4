import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from '../outcome.ts';
import type { Conformance } from '../../conformance/conformance.ts';
import { assertConformsToClaimedProfiles, assertValidResource } from '../validation/validate-resource.ts';

/** The body of a create or update: a valid resource of the type named in the URL. */
export function resourceBody(body: unknown, resourceType: string, conformance?: Conformance): Resource {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a FHIR resource (a JSON object)');
  }
  const type = (body as { resourceType?: unknown }).resourceType;
  if (type !== resourceType) {
    throw badRequest(`resourceType "${String(type)}" does not match the URL's type "${resourceType}"`, ['resourceType']);
  }
  assertValidResource(body);
  if (conformance) assertConformsToClaimedProfiles(conformance, body);
  return body;
}
