import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import type { FhirContext } from '../request.ts';
import { stripVersion, type Terminology, terminologyFor } from './terminology.ts';

/** Rounds of "a stored ValueSet draws on another stored ValueSet or CodeSystem" followed. */
const MAX_DEPTH = 4;

/** The canonical URLs a search's `:in` / `:not-in` parameters name (search.html#token), versions stripped. */
export function valueSetUrlsOf(query: [string, string][]): string[] {
  const urls = query
    .filter(([name]) => /:(in|not-in)$/.test(name))
    .flatMap(([, value]) => value.split(','))
    .map((v) => stripVersion(v.trim()))
    .filter((v) => v !== '');
  return [...new Set(urls)];
}

/**
 * The terminology for one request that names these value sets: the server's own (profiles/ and
 * the R4 core ones) and, for URLs it does not hold, the ValueSets stored through the API with that
 * `url`, with the stored ValueSets and CodeSystems they include or import in turn. Read with the
 * caller's access, so a search can use only the value sets the caller could read; of several
 * stored versions of one URL the one updated last counts.
 */
export async function terminologyWithStored(ctx: FhirContext, valueSetUrls: string[]): Promise<Terminology> {
  const base = terminologyFor(ctx.conformance);
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  let wantedSets = valueSetUrls.filter((url) => !base.valueSet(url));
  let wantedSystems: string[] = [];
  const known = (url: string, held: Map<string, unknown>) => held.has(url) || base.valueSet(url) !== undefined || base.codeSystem(url) !== undefined;
  for (let depth = 0; depth < MAX_DEPTH && (wantedSets.length > 0 || wantedSystems.length > 0); depth++) {
    const [sets, systems] = await Promise.all([byUrl<ValueSet>(ctx, 'ValueSet', wantedSets), byUrl<CodeSystem>(ctx, 'CodeSystem', wantedSystems)]);
    for (const [url, vs] of sets) valueSets.set(url, vs);
    for (const [url, cs] of systems) codeSystems.set(url, cs);
    const includes = [...sets.values()].flatMap((vs) => [...(vs.compose?.include ?? []), ...(vs.compose?.exclude ?? [])]);
    wantedSets = unique(includes.flatMap((inc) => inc.valueSet ?? []).map(stripVersion)).filter((url) => !known(url, valueSets));
    wantedSystems = unique(includes.flatMap((inc) => (inc.system ? [stripVersion(inc.system)] : []))).filter((url) => !known(url, codeSystems));
  }
  return valueSets.size === 0 && codeSystems.size === 0 ? base : base.withStored({ valueSets, codeSystems });
}

const unique = (values: string[]) => [...new Set(values)];

/** Stored resources of a terminology type by `url`, the last updated one per URL. */
async function byUrl<T extends ValueSet | CodeSystem>(ctx: FhirContext, type: T['resourceType'], urls: string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (urls.length === 0 || !ctx.access.canRead(type)) return out;
  const result = await ctx.repo.search(ctx.access, { resourceType: type, criteria: [{ kind: 'uri', param: 'url', mode: 'exact', values: urls }], count: 100, offset: 0, total: false });
  const stored = [...result.resources].sort((a, b) => a.lastUpdated.localeCompare(b.lastUpdated));
  for (const s of stored) {
    const r = s.json ? (JSON.parse(s.json) as T) : undefined;
    if (r?.url) out.set(stripVersion(r.url), r);
  }
  return out;
}
