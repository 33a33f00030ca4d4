import { badRequest } from '../outcome.ts';

/** An entry's request.url split into path segments and query (relative or under our base). */
export function parseEntryUrl(url: string, baseUrl: string): { path: string[]; query: [string, string][]; queryString: string } {
  let rest = url.trim();
  if (rest.startsWith(`${baseUrl}/`)) rest = rest.slice(baseUrl.length + 1);
  else if (/^[a-z]+:\/\//i.test(rest)) throw badRequest(`request.url "${url}" is not on this server`);
  rest = rest.replace(/^\/+/, '');
  const q = rest.indexOf('?');
  const pathPart = q >= 0 ? rest.slice(0, q) : rest;
  const queryString = q >= 0 ? rest.slice(q + 1) : '';
  let path: string[];
  try {
    path = pathPart.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  } catch {
    throw badRequest(`request.url "${url}" is not valid URL encoding`);
  }
  return { path, query: [...new URLSearchParams(queryString).entries()], queryString };
}

/**
 * Visits every Reference.reference string; where `resolve` returns a new value it is written in
 * place (the resources are the request's own parsed JSON, so no copy is needed).
 */
export function replaceReferences(value: unknown, resolve: (reference: string) => string | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) replaceReferences(item, resolve);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (key === 'reference' && typeof v === 'string') {
      const replaced = resolve(v);
      if (replaced !== undefined) record[key] = replaced;
    } else if (v !== null && typeof v === 'object') {
      replaceReferences(v, resolve);
    }
  }
}
