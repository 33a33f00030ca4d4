/** A number value for the number index, from a number or a numeric string (decimal). */
export function numberValue(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export interface QuantityIndexValue {
  value: number;
  system: string | null;
  code: string | null;
  unit: string | null;
}

/** A Quantity (or Money: currency as code) for the quantity index (search.html#quantity). */
export function quantityValue(value: unknown): QuantityIndexValue | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const n = numberValue(v.value);
  if (n === undefined) return undefined;
  const str = (x: unknown) => (typeof x === 'string' ? x : null);
  if (typeof v.currency === 'string') return { value: n, system: 'urn:iso:std:iso:4217', code: v.currency, unit: v.currency };
  return { value: n, system: str(v.system), code: str(v.code), unit: str(v.unit) };
}
