/**
 * String search normalisation (search.html#string): case- and accent-insensitive, so both the
 * indexed text and the searched text are lower-cased with combining marks removed.
 */
export function normalizeString(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
