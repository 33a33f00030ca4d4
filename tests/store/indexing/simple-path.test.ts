import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { describe, expect, it } from 'vitest';
import { isResourceType } from '../../../src/fhir/resource-types.ts';
import { coreSearchParameters } from '../../../src/fhir/search/search-parameters.ts';
import { expressionFor } from '../../../src/store/indexing/index-extractor.ts';
import { compileSimplePath } from '../../../src/store/indexing/simple-path.ts';
import { tokenValues } from '../../../src/store/indexing/token-values.ts';

const examplesDir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));

describe('simple-path evaluation of SearchParameter expressions', () => {
  it('indexes exactly the tokens fhirpath does, for every token parameter on every official example', () => {
    const registry = coreSearchParameters();
    let compared = 0;
    for (const file of readdirSync(examplesDir)) {
      if (!file.endsWith('.json') || file === 'package.json' || statSync(join(examplesDir, file)).size > 200_000) continue;
      const resource = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Record<string, unknown>;
      const type = String(resource.resourceType);
      if (!isResourceType(type)) continue;
      for (const sp of registry.forType(type)) {
        if (sp.type !== 'token') continue;
        const expression = expressionFor(type, sp.expression);
        const simple = compileSimplePath(type, expression);
        if (!simple) continue;
        let evaluated: unknown[];
        try {
          evaluated = fhirpath.evaluate(resource, expression, undefined, r4model) as unknown[];
        } catch {
          continue; // fhirpath.js refuses `as` on a collection (e.g. useContext.value); the simple path indexes each item
        }
        // `|` is a union (duplicates removed); the index keeps each token once, so compare as sets
        const unique = (values: unknown[]) => [...new Set(values.flatMap(tokenValues).map((t) => JSON.stringify(t)))].sort();
        expect(unique(simple(resource)), `${file} ${sp.code}: ${expression}`).toEqual(unique(evaluated));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20_000);
  }, 120_000);

  it('leaves expressions with functions to fhirpath', () => {
    expect(compileSimplePath('Patient', "Patient.telecom.where(system='email')")).toBeUndefined();
    expect(compileSimplePath('Patient', 'Patient.identifier')).toBeDefined();
  });
});
