import type { Binary } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import { acceptedFileType } from '../../fhir/operations/file-accept.ts';
import type { FhirRequest } from '../../fhir/request.ts';

/**
 * How a CLR report answers: `Parameters` (FHIR JSON), or the CSV file as a `Binary` (text/csv,
 * data base64), as the other file downloads of the server do. The HTTP layer sends a Binary's
 * content itself to a GET whose Accept is `text/csv` (binary.html#rest), so `Accept: text/csv`
 * alone asks for the CSV too.
 */
export type ReportFormat = 'parameters' | 'csv';

export function reportFormat(req: FhirRequest, values: Map<string, string[]>): ReportFormat {
  const given = values.get('format') ?? [];
  if (given.length > 1) throw badRequest('"format" may be given once', ['format']);
  if (given.length === 1) {
    const f = given[0].trim().toLowerCase();
    if (f === 'csv' || f === 'text/csv') return 'csv';
    if (f === 'parameters' || f === 'json' || f === 'application/fhir+json') return 'parameters';
    throw badRequest(`"format" must be csv (or parameters), got "${given[0]}"`, ['format']);
  }
  return acceptedFileType(req.headers.accept, ['text/csv']) ? 'csv' : 'parameters';
}

export function csvBinary(text: string): Binary {
  return { resourceType: 'Binary', contentType: 'text/csv', data: Buffer.from(text, 'utf8').toString('base64') };
}
