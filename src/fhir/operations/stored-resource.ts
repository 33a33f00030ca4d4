import type { Resource } from '@medplum/fhirtypes';
import { gone, notFound } from '../outcome.ts';
import type { FhirContext } from '../request.ts';

/** The current version of [type]/[id] for an instance-level operation: 404 / 410 otherwise. */
export async function storedResource(ctx: FhirContext, type: string, id: string): Promise<Resource> {
  const stored = await ctx.repo.read(ctx.access, type, id);
  if (!stored) throw notFound(`${type}/${id} not found`);
  if (stored.deleted || stored.json === null) throw gone(`${type}/${id} was deleted`);
  return JSON.parse(stored.json) as Resource;
}
