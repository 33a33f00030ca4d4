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

/** Replaces every Reference.reference for which `resolve` returns a new value; returns the copy. */
export function rewriteReferences<T>(value: T, resolve: (reference: string) => string | undefined): T {
  if (Array.isArray(value)) return value.map((v) => rewriteReferences(v, resolve)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'reference' && typeof v === 'string') out[key] = resolve(v) ?? v;
    else out[key] = rewriteReferences(v, resolve);
  }
  return out as T;
}
