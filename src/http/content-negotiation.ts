import { notSupported } from '../fhir/outcome.ts';

export const FHIR_JSON = 'application/fhir+json';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir']);
const XML_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml', 'application/xml+fhir']);

/**
 * The response media type from `_format` or Accept (http.html#mime-type). JSON only: a request
 * that accepts nothing but XML (or another type) gets 406 with an OperationOutcome.
 */
export function responseMediaType(format: string | undefined, accept: string | undefined): string {
  if (format !== undefined) {
    const f = format.split(';')[0].trim().toLowerCase();
    if (JSON_FORMATS.has(f)) return f === 'application/json' ? 'application/json' : FHIR_JSON;
    if (XML_FORMATS.has(f)) throw notSupported(406, `_format=${format}: XML is not supported, use application/fhir+json`);
    throw notSupported(406, `_format=${format} is not supported, use application/fhir+json`);
  }
  if (!accept || accept.trim() === '') return FHIR_JSON;
  const types = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  if (types.some((t) => t === '*/*' || t === 'application/*' || t === 'application/fhir+json' || t === 'application/json+fhir')) return FHIR_JSON;
  if (types.includes('application/json')) return 'application/json';
  if (types.some((t) => t === 'text/html' || t === 'text/*')) return FHIR_JSON; // browsers
  throw notSupported(406, `Accept "${accept}" is not supported: this server speaks application/fhir+json`);
}
