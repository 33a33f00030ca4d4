import type { CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../outcome.ts';
import type { OperationTarget } from '../operations/operation.ts';
import type { OperationInput } from '../operations/parameters.ts';
import { storedResource } from '../operations/stored-resource.ts';
import type { FhirContext } from '../request.ts';
import { terminologyWithStored } from './stored-terminology.ts';
import { terminologyFor, type Terminology } from './terminology.ts';

/**
 * The ValueSet or CodeSystem a terminology operation works on: [type]/[id] at instance level
 * (ours from profiles/ by id, else a stored one), else the `url` (or `system` for CodeSystem)
 * parameter (ours, the core ones, or a stored one), else an inline `valueSet` parameter.
 */
export async function targetValueSet(ctx: FhirContext, input: OperationInput, target: OperationTarget): Promise<ValueSet> {
  if (target.level === 'instance') return byId<ValueSet>(ctx, 'ValueSet', target.id!);
  const inline = input.parameters.find((p) => p.name === 'valueSet')?.resource as Resource | undefined;
  if (inline) {
    if (inline.resourceType !== 'ValueSet') throw badRequest('The parameter "valueSet" must be a ValueSet', ['valueSet']);
    return inline;
  }
  const url = input.values.get('url')?.[0];
  if (!url) throw badRequest('Name the value set: ValueSet/[id]/$…, or the parameter "url" (or "valueSet")', ['url']);
  const vs = (await terminologyWithStored(ctx, [url])).valueSet(url);
  if (!vs) throw notFound(`The value set ${url} is not known to this server`);
  return vs;
}

export async function targetCodeSystem(ctx: FhirContext, system: string | undefined, target: OperationTarget): Promise<CodeSystem> {
  if (target.level === 'instance') return byId<CodeSystem>(ctx, 'CodeSystem', target.id!);
  if (!system) throw badRequest('Name the code system: the parameter "system" (or "coding")', ['system']);
  const cs = terminologyFor(ctx.conformance).codeSystem(system);
  if (!cs) throw notFound(`The code system ${system} is not known to this server`);
  return cs;
}

/** The terminology to expand `vs` with: the server's own, plus the stored content it draws on when it is stored itself. */
export function terminologyForValueSet(ctx: FhirContext, vs: ValueSet): Promise<Terminology> {
  return terminologyWithStored(ctx, vs.url ? [vs.url] : []);
}

async function byId<T extends ValueSet | CodeSystem>(ctx: FhirContext, type: T['resourceType'], id: string): Promise<T> {
  const ours = ctx.conformance.list<T>(type).find((r) => r.id === id);
  return ours ?? ((await storedResource(ctx, type, id)) as T);
}
