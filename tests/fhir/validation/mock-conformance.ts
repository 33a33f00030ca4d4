import type { Conformance } from '../../../src/conformance/conformance.ts';
import { closedValueSet, externalValueSet, testCodeSystem, testExtension, testTaskProfile, testValueSet } from './test-profiles.ts';

/** Adds the test profiles to what profiles/ holds: use as the body of a vi.mock of conformance.ts. */
export function withTestProfiles(real: Conformance): Conformance {
  for (const r of [testCodeSystem, testValueSet, closedValueSet, externalValueSet, testExtension, testTaskProfile]) real.add(r);
  return real;
}
