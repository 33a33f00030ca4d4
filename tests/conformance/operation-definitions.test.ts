import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CANONICAL_BASE, PROFILES_DIR } from '../../src/conformance/conformance.ts';
import { allOperations } from '../../src/fhir/operations/index.ts';

const dir = join(PROFILES_DIR, 'OperationDefinition');
const definitions = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OperationDefinition);

describe('an OperationDefinition in profiles/ for every custom operation (issue 4)', () => {
  const ours = allOperations().filter((op) => op.definition.startsWith(`${CANONICAL_BASE}/`));

  it('covers every operation of ours the server registers', () => {
    expect(ours.length).toBeGreaterThanOrEqual(8);
    for (const op of ours) {
      const def = definitions.find((d) => d.url === op.definition);
      expect(def, `${op.name}: no OperationDefinition with url ${op.definition}`).toBeDefined();
      expect(def!.code, op.name).toBe(op.name);
      expect(def!.system, `${op.name} system level`).toBe(op.levels.includes('system'));
      expect(def!.type, `${op.name} type level`).toBe(op.levels.includes('type'));
      expect(def!.instance, `${op.name} instance level`).toBe(op.levels.includes('instance'));
      expect(def!.affectsState ?? false, `${op.name} affectsState`).toBe(op.affectsState);
    }
  });

  it('has no OperationDefinition of ours that no operation implements', () => {
    const urls = new Set(ours.map((op) => op.definition));
    expect(definitions.map((d) => d.url).filter((u) => !urls.has(u!))).toEqual([]);
  });
});
