import { readFileSync } from 'node:fs';
import type { RuleSet } from './rule-types.ts';

let cached: RuleSet | undefined;

/** The eligibility rules (eligibility-rules.json): POFs, exclusions, continuity. */
export function eligibilityRules(): RuleSet {
  cached ??= JSON.parse(readFileSync(new URL('./eligibility-rules.json', import.meta.url), 'utf8')) as RuleSet;
  return cached;
}
