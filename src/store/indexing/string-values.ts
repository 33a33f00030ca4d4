import { normalizeString } from '../../fhir/search/normalize.ts';

/** Longest text kept per string index row; longer values are searched on their start. */
const MAX_LENGTH = 2000;

/**
 * The texts a string SearchParameter matches for one selected value (search.html#string): a
 * string itself; for HumanName and Address every part (and `text`), each its own row, so
 * `name=smi` matches a family name and `address=bakers` a city.
 */
export function stringValues(value: unknown): { value: string; exact: string }[] {
  const texts: string[] = [];
  collect(value, texts);
  return texts
    .map((t) => t.slice(0, MAX_LENGTH))
    .filter((t) => t.trim() !== '')
    .map((t) => ({ value: normalizeString(t), exact: t }));
}

const NAME_PARTS = ['text', 'family', 'given', 'prefix', 'suffix'];
const ADDRESS_PARTS = ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'];

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const v = value as Record<string, unknown>;
  const parts = 'family' in v || 'given' in v ? NAME_PARTS : 'city' in v || 'line' in v || 'postalCode' in v ? ADDRESS_PARTS : NAME_PARTS;
  for (const part of parts) {
    const p = v[part];
    if (typeof p === 'string') out.push(p);
    else if (Array.isArray(p)) for (const x of p) if (typeof x === 'string') out.push(x);
  }
}
