import { randomUUID } from 'node:crypto';
import type { ValueSet, ValueSetExpansionParameter } from '@medplum/fhirtypes';
import { badRequest, fhirError } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { targetValueSet, terminologyForValueSet } from '../terminology/resolve.ts';
import type { Operation, OperationTarget } from './operation.ts';
import { operationInput } from './parameters.ts';

/** Largest page an expansion returns when `count` is not given. */
const DEFAULT_COUNT = 1000;

/**
 * ValueSet/$expand (valueset-operation-expand.html) over content we hold: `url` or
 * ValueSet/[id], `filter` (case-insensitive substring of code or display), `count`, `offset`.
 */
export const expandOperation: Operation = {
  name: 'expand',
  levels: ['type', 'instance'],
  resourceTypes: ['ValueSet'],
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    const count = nonNegative(input.values.get('count')?.[0], 'count') ?? DEFAULT_COUNT;
    const offset = nonNegative(input.values.get('offset')?.[0], 'offset') ?? 0;
    const filter = input.values.get('filter')?.[0];
    const vs = await targetValueSet(ctx, input, target);
    const codes = (await terminologyForValueSet(ctx, vs)).expand(vs);
    if (!codes) {
      throw fhirError(422, 'not-supported', `The value set ${vs.url ?? vs.id ?? ''} cannot be expanded here: it uses a code system or filter this server does not hold`);
    }
    const needle = filter?.toLowerCase();
    const matching = needle ? codes.filter((c) => c.code.toLowerCase().includes(needle) || (c.display ?? '').toLowerCase().includes(needle)) : codes;
    const parameter: ValueSetExpansionParameter[] = [
      ...(filter !== undefined ? [{ name: 'filter', valueString: filter }] : []),
      { name: 'count', valueInteger: count },
      { name: 'offset', valueInteger: offset },
    ];
    const { expansion: _old, ...definition } = vs;
    const expanded: ValueSet = {
      ...definition,
      expansion: {
        identifier: `urn:uuid:${randomUUID()}`,
        timestamp: new Date().toISOString(),
        total: matching.length,
        offset,
        parameter,
        contains: matching.slice(offset, offset + count).map((c) => ({ system: c.system, code: c.code, ...(c.display ? { display: c.display } : {}) })),
      },
    };
    if (expanded.expansion!.contains!.length === 0) delete expanded.expansion!.contains;
    return { status: 200, body: expanded };
  },
};

function nonNegative(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`"${name}" must be a non-negative integer, got "${value}"`, [name]);
  return Number(value);
}
