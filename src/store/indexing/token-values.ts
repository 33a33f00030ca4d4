/** A token as the search index stores it (search.html#token). */
export interface TokenValue {
  system: string | null;
  code: string | null;
}

const CONTACT_POINT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);

/**
 * Turns one value a token SearchParameter expression selected (code, boolean, Coding,
 * CodeableConcept, Identifier, ContactPoint) into the tokens it matches.
 */
export function tokenValues(value: unknown): TokenValue[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    return [{ system: null, code: String(value) }];
  }
  if (typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.coding)) return v.coding.flatMap((c) => tokenValues(c));
  if (typeof v.code === 'string' || (typeof v.system === 'string' && v.value === undefined)) {
    return [{ system: str(v.system), code: str(v.code) }];
  }
  if (typeof v.value === 'string') {
    const contactPoint = typeof v.system === 'string' && CONTACT_POINT_SYSTEMS.has(v.system);
    return [{ system: contactPoint ? null : str(v.system), code: v.value }];
  }
  return [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
