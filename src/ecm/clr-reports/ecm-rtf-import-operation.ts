import type { Attachment } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { todayInLosAngeles } from '../eligibility/dates.ts';
import { csvBinary, reportFormat } from './output-format.ts';
import { importRtf } from './rtf-import.ts';
import { importReportCsv, importReportParameters } from './rtf-import-report.ts';
import { rtfRows } from './rtf-rows.ts';
import { rtfVocabulary } from './rtf-vocabulary.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-rtf-import';

/**
 * `POST [base]/$ecm-rtf-import` (X-CLR-RTF, clr-reports.md): a provider's Return Transmission File
 * applied to the referral Tasks row by row through the referral lifecycle, with a per-row report.
 * The file is the body (`Content-Type: text/csv`) or the `file` Attachment of a Parameters body
 * (contentType text/csv, data base64). `format=csv` answers the report as CSV.
 */
export const ecmRtfImportOperation: Operation = {
  name: 'ecm-rtf-import',
  levels: ['system'],
  affectsState: true,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const { text, values } = fileOf(req);
    const format = reportFormat(req, values);
    const vocabulary = rtfVocabulary(ctx.conformance);
    const rows = rtfRows(text, vocabulary, todayInLosAngeles());
    const results = await importRtf(ctx, rows, vocabulary);
    if (format === 'csv') return { status: 200, body: csvBinary(importReportCsv(results)) };
    return { status: 200, body: importReportParameters(results) };
  },
};

function fileOf(req: FhirRequest): { text: string; values: Map<string, string[]> } {
  if (typeof req.body === 'string') {
    const input = operationInput({ ...req, body: undefined });
    checkNames([...input.values.keys()]);
    return { text: req.body, values: input.values };
  }
  const input = operationInput(req);
  if (input.resource) throw badRequest('$ecm-rtf-import takes the file as a text/csv body, or a Parameters body with a "file" Attachment');
  checkNames([...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]);
  const files = input.parameters.filter((p) => p.name === 'file');
  if (files.length !== 1) throw badRequest('Send the file: a text/csv body, or one "file" parameter (an Attachment with contentType text/csv and base64 data)', ['file']);
  const attachment: Attachment | undefined = files[0].valueAttachment;
  if (!attachment || attachment.data === undefined) throw badRequest('"file" must be an Attachment with the CSV in data (base64)', ['file']);
  if (attachment.contentType && attachment.contentType.split(';')[0].trim().toLowerCase() !== 'text/csv') {
    throw badRequest(`"file" must have contentType text/csv, got "${attachment.contentType}"`, ['file']);
  }
  if (!/^[A-Za-z0-9+/=\s]*$/.test(attachment.data)) throw badRequest('"file" data is not base64', ['file']);
  return { text: Buffer.from(attachment.data, 'base64').toString('utf8'), values: input.values };
}

function checkNames(names: string[]): void {
  for (const name of names) if (name !== 'file' && name !== 'format') throw badRequest(`Unknown parameter "${name}" (known: file, format)`, [name]);
}
