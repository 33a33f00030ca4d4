import type { Resource } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { patientCompartmentParams } from '../../auth/patient-compartment.ts';
import type { SearchParameterRegistry } from '../../fhir/search/search-parameters.ts';
import { expressionFor } from '../../store/indexing/index-extractor.ts';
import { referenceValue } from '../../store/indexing/reference-values.ts';
import { compileSimplePath } from '../../store/indexing/simple-path.ts';

type Compiled = (resource: unknown) => unknown[];

/**
 * Which Patients a resource belongs to by the Patient CompartmentDefinition: the targets of its
 * compartment parameters, evaluated with the same expressions and reference parsing the search
 * index uses, so a resource loaded for many members at once is given to exactly the members
 * whose compartment search would return it.
 */
export class CompartmentPatients {
  private readonly compiled = new Map<string, Compiled[]>();

  constructor(
    private readonly registry: SearchParameterRegistry,
    private readonly baseUrl: string,
  ) {}

  of(resource: Resource): string[] {
    const ids = new Set<string>();
    for (const fn of this.functions(resource.resourceType)) {
      let values: unknown[];
      try {
        values = fn(resource);
      } catch {
        continue; // the indexer leaves such a parameter unindexed too
      }
      for (const v of values) {
        const ref = referenceValue(v, this.baseUrl);
        if (ref?.targetType === 'Patient' && ref.targetId) ids.add(ref.targetId);
      }
    }
    return [...ids];
  }

  private functions(resourceType: string): Compiled[] {
    let list = this.compiled.get(resourceType);
    if (list) return list;
    list = [];
    for (const code of patientCompartmentParams(resourceType) ?? []) {
      const sp = this.registry.get(resourceType, code);
      if (!sp || sp.type !== 'reference') continue;
      try {
        const expression = expressionFor(resourceType, sp.expression);
        list.push((compileSimplePath(resourceType, expression) as Compiled | undefined) ?? (fhirpath.compile(expression, r4model) as unknown as Compiled));
      } catch {
        // not compilable: not indexed either
      }
    }
    this.compiled.set(resourceType, list);
    return list;
  }
}
