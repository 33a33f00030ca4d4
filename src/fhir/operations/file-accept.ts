/**
 * The file type an operation with file downloads should answer when the client asked for the
 * file itself through `Accept` (e.g. `Accept: text/csv`) and named no FHIR, JSON or wildcard
 * type: the first of `offered` the Accept names; undefined otherwise (answer FHIR JSON). The HTTP
 * layer then sends the Binary's content itself (binary.html#rest).
 */
export function acceptedFileType(accept: string | undefined, offered: readonly string[]): string | undefined {
  if (!accept) return undefined;
  const types = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  if (types.some((t) => t === '*/*' || t === 'application/*' || (t.includes('json') && !t.includes('ndjson')))) return undefined;
  return offered.find((o) => types.includes(o));
}
