import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The other benchmarks' results files (each rewritten by its own npm script), with what they measure. */
const OTHERS: readonly [file: string, what: string][] = [
  ['SEARCH-RESULTS.md', 'search over 100,000 members (`npm run bench:search`, issue 3)'],
  ['ELIGIBILITY-RESULTS.md', 'population eligibility run (`npm run bench:eligibility`, issue 6)'],
  ['ASSIGN-RESULTS.md', '`$ecm-assign` and the overdue searches (`npm run bench:assign`, issue 8)'],
  ['SUBSCRIPTIONS-RESULTS.md', 'notification latency (`npm run bench:subscriptions`, issue 9)'],
  ['ESCALATION-RESULTS.md', 'CLR escalation sweep (`npm run bench:escalation`, issue 9)'],
  ['RTF-RESULTS.md', 'Return Transmission File import (`npm run bench:rtf`, issue 9)'],
];

/** The first table under a file's "## Goal" or "## Goals ..." heading, as its lines. */
function goalTable(markdown: string): string[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((l) => /^## Goals?\b/.test(l));
  if (heading < 0) return [];
  const start = lines.findIndex((l, i) => i > heading && l.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end);
}

/**
 * "Other benchmarks" for bench/RESULTS.md: each other results file's goal table, copied as that
 * file states it (its date and machine are in the file), so every goal figure is found here.
 */
export function otherResultsSection(benchDir: string): string {
  const out = ['## Other benchmarks', '', 'Goal tables copied from the other results files when this file was written; each file gives its date, machine and method.', ''];
  for (const [file, what] of OTHERS) {
    const path = join(benchDir, file);
    if (!existsSync(path)) continue;
    const table = goalTable(readFileSync(path, 'utf8'));
    out.push(`### [${file}](${file}): ${what}`, '', ...(table.length > 0 ? table : ['(no goal table)']), '');
  }
  return out.join('\n');
}
