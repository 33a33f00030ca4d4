import type { Bundle } from '@medplum/fhirtypes';
import { type SearchScenario, nextPath, outcomeWarnings } from './scenarios.ts';

export type CheckResult =
  | { status: 'ok'; matches: number; pages: number }
  /** 400 or a parameter the server ignored with a warning: the search is not implemented yet. */
  | { status: 'not supported'; reason: string }
  | { status: 'failed'; reason: string };

/** One request of the scenario (a whole walk for the paged one), checked before any load. */
export async function checkScenario(baseUrl: string, s: SearchScenario): Promise<CheckResult> {
  let path: string | undefined = s.paths[0];
  let matches = 0;
  let pages = 0;
  while (path && pages < s.pages) {
    const res = await fetch(baseUrl + path, { headers: { accept: 'application/fhir+json' }, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    const where = s.pages > 1 ? `page ${pages + 1}: ` : '';
    if (res.status === 400) return { status: 'not supported', reason: `${where}400 ${diagnostics(text)}` };
    if (res.status !== 200) return { status: 'failed', reason: `${where}status ${res.status} ${text.slice(0, 300)}` };
    const bundle = JSON.parse(text) as Bundle;
    const warnings = outcomeWarnings(bundle);
    if (warnings.length > 0) return { status: 'not supported', reason: `${where}the server ignored part of the search: ${warnings.join('; ')}` };
    const found = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').length;
    if (found === 0) return { status: 'failed', reason: `${where}no matches for ${path}` };
    const wrong = s.check(path, bundle) ?? (await s.verify?.(baseUrl, path, bundle));
    if (wrong) return { status: 'failed', reason: `${where}${wrong} (${path})` };
    matches += found;
    pages++;
    path = nextPath(bundle);
  }
  if (pages < s.pages) return { status: 'failed', reason: `the walk ended after ${pages} of ${s.pages} pages (no next link)` };
  return { status: 'ok', matches, pages };
}

function diagnostics(text: string): string {
  try {
    const o = JSON.parse(text) as { issue?: { diagnostics?: string }[] };
    return (o.issue ?? []).map((i) => i.diagnostics).join('; ') || text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}
