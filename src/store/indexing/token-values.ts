/** A token as the search index stores it (search.html#token). */
export interface TokenValue {
  system: string | null;
  code: string | null;
  /** Coding.display or CodeableConcept.text, for :text (a text-only row has no system or code). */
  display: string | null;
}

const CONTACT_POINT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);

/**
 * Turns one value a token SearchParameter expression selected (code, boolean, Coding,
 * CodeableConcept, Identifier, ContactPoint) into the tokens it matches.
 */
export function tokenValues(value: unknown): TokenValue[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
    return [{ system: null, code: String(value), display: null }];
  }
  if (typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.coding) || typeof v.text === 'string') {
    const codings = Array.isArray(v.coding) ? v.coding.flatMap((c) => tokenValues(c)) : [];
    return typeof v.text === 'string' ? [...codings, { system: null, code: null, display: v.text }] : codings;
  }
  if (typeof v.code === 'string' || (typeof v.system === 'string' && v.value === undefined)) {
    return [{ system: str(v.system), code: str(v.code), display: str(v.display) }];
  }
  if (typeof v.value === 'string') {
    const contactPoint = typeof v.system === 'string' && CONTACT_POINT_SYSTEMS.has(v.system);
    return [{ system: contactPoint ? null : str(v.system), code: v.value, display: null }];
  }
  return [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
