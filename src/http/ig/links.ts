/** Where the IG is served. */
export const IG_PATH = '/ig';

const TERMINOLOGY_TYPES = new Set(['CodeSystem', 'ValueSet', 'ConceptMap']);

/**
 * Maps a link written for GitHub (relative to implementation-guide/) to its served address:
 * `page.md#x` → `/ig/page#x`, `index.md` → `/ig/`, `../profiles/StructureDefinition/<id>.json` →
 * `/ig/profiles/<id>`, `../profiles/{CodeSystem,ValueSet,ConceptMap}/<id>.json` →
 * `/ig/terminology/<id>`, `../profiles/README.md` → `/ig/profiles`. Absolute URLs, fragments and anything else are left as written.
 */
export function servedHref(href: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#') || href.startsWith('/')) return href;
  const [path, fragment] = splitFragment(href);
  const hash = fragment === undefined ? '' : `#${fragment}`;
  const page = /^(?:\.\/)?([a-z0-9][a-z0-9-]*)\.md$/i.exec(path);
  if (page) return page[1] === 'index' ? `${IG_PATH}/${hash}` : `${IG_PATH}/${page[1]}${hash}`;
  if (/^\.\.\/profiles\/(README\.md)?$/.test(path)) return `${IG_PATH}/profiles${hash}`;
  const profile = /^\.\.\/profiles\/(StructureDefinition|CodeSystem|ValueSet|ConceptMap)\/([A-Za-z0-9.-]+)\.json$/.exec(path);
  if (profile) {
    const section = TERMINOLOGY_TYPES.has(profile[1]) ? 'terminology' : 'profiles';
    return `${IG_PATH}/${section}/${profile[2]}${hash}`;
  }
  return href;
}

function splitFragment(href: string): [string, string | undefined] {
  const i = href.indexOf('#');
  return i < 0 ? [href, undefined] : [href.slice(0, i), href.slice(i + 1)];
}
