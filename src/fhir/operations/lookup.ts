import type { CodeSystemConceptProperty, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';
import { targetCodeSystem } from '../terminology/resolve.ts';
import { terminologyFor } from '../terminology/terminology.ts';
import type { Operation, OperationTarget } from './operation.ts';
import { operationInput } from './parameters.ts';

/**
 * CodeSystem/$lookup (codesystem-operation-lookup.html): `system` + `code` (or `coding`) →
 * Parameters with name, version, display, designation and property (incl. parent/child).
 */
export const lookupOperation: Operation = {
  name: 'lookup',
  levels: ['type', 'instance'],
  resourceTypes: ['CodeSystem'],
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    const coding = input.parameters.find((p) => p.name === 'coding')?.valueCoding;
    const code = coding?.code ?? input.values.get('code')?.[0];
    const system = coding?.system ?? input.values.get('system')?.[0];
    if (code === undefined) throw badRequest('Give "code" and "system" (or "coding")', ['code']);
    const cs = await targetCodeSystem(ctx, system, target);
    const terminology = terminologyFor(ctx.conformance);
    const held = cs.url !== undefined && terminology.codeSystem(cs.url) === cs;
    const entry = held ? terminology.concept(cs.url!, code) : findInline(cs.concept ?? [], code);
    if (!entry) throw notFound(`The code "${code}" is not in the code system ${cs.url ?? cs.id ?? ''}`);
    const { concept } = entry;
    const parameter: ParametersParameter[] = [{ name: 'name', valueString: cs.name ?? cs.title ?? cs.url ?? '' }];
    if (cs.version) parameter.push({ name: 'version', valueString: cs.version });
    if (concept.display) parameter.push({ name: 'display', valueString: concept.display });
    if (concept.definition) parameter.push({ name: 'definition', valueString: concept.definition });
    for (const d of concept.designation ?? []) {
      parameter.push({
        name: 'designation',
        part: [
          ...(d.language ? [{ name: 'language', valueCode: d.language }] : []),
          ...(d.use ? [{ name: 'use', valueCoding: d.use }] : []),
          { name: 'value', valueString: d.value },
        ],
      });
    }
    for (const p of concept.property ?? []) parameter.push({ name: 'property', part: [{ name: 'code', valueCode: p.code }, propertyValue(p)] });
    if (entry.parent && !concept.property?.some((p) => p.code === 'parent')) {
      parameter.push({ name: 'property', part: [{ name: 'code', valueCode: 'parent' }, { name: 'value', valueCode: entry.parent }] });
    }
    for (const child of concept.concept ?? []) parameter.push({ name: 'property', part: [{ name: 'code', valueCode: 'child' }, { name: 'value', valueCode: child.code }] });
    const body: Parameters = { resourceType: 'Parameters', parameter };
    return { status: 200, body };
  },
};

function propertyValue(p: CodeSystemConceptProperty): ParametersParameter {
  const [key, value] = Object.entries(p).find(([k]) => k.startsWith('value')) ?? ['valueString', ''];
  return { name: 'value', [key]: value } as ParametersParameter;
}

type Concept = NonNullable<import('@medplum/fhirtypes').CodeSystem['concept']>[number];

function findInline(concepts: Concept[], code: string, parent?: string): { concept: Concept; parent?: string } | undefined {
  for (const c of concepts) {
    if (c.code === code) return { concept: c, parent };
    const found = findInline(c.concept ?? [], code, c.code);
    if (found) return found;
  }
  return undefined;
}
