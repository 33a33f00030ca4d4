/** A reference as the search index stores it (search.html#reference). */
export interface ReferenceValue {
  targetType: string | null;
  targetId: string | null;
  url: string | null;
}

const LOCAL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * Turns a value a reference SearchParameter selected (a Reference, or a canonical/uri string)
 * into its index row: `Type/id` — relative, or absolute under this server's base — becomes a
 * target type and id; anything else (another server, urn:, canonical) is kept as url.
 * Contained references (`#id`) and logical-only references are not indexed.
 */
export function referenceValue(value: unknown, baseUrl: string): ReferenceValue | undefined {
  const text = typeof value === 'string' ? value : (value as { reference?: unknown } | null)?.reference;
  if (typeof text !== 'string' || text === '' || text.startsWith('#')) return undefined;
  const relative = text.startsWith(`${baseUrl}/`) ? text.slice(baseUrl.length + 1) : text;
  const local = LOCAL.exec(relative);
  if (local) return { targetType: local[1], targetId: local[2], url: null };
  return { targetType: null, targetId: null, url: text };
}
