import { badRequest } from '../../fhir/outcome.ts';
import type { Operation } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { csvBinary } from './output-format.ts';
import { reportPeriod } from './report-period.ts';
import { rtfExportCsv, rtfExportRows } from './rtf-export.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-rtf-export';
const KNOWN = ['start', 'end', 'provider'];

/**
 * `GET [base]/$ecm-rtf-export?start&end[&provider]` (X-CLR-RTF, clr-reports.md): the CLR columns
 * of the Return Transmission File for the referral Tasks of a period, as a text/csv Binary (sent
 * as the CSV itself to `Accept: text/csv`).
 */
export const ecmRtfExportOperation: Operation = {
  name: 'ecm-rtf-export',
  levels: ['system'],
  affectsState: false,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
    const input = operationInput(req);
    if (input.resource) throw badRequest('$ecm-rtf-export takes a Parameters body');
    for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
      if (!KNOWN.includes(name)) throw badRequest(`Unknown parameter "${name}" (known: ${KNOWN.join(', ')})`, [name]);
    }
    const period = reportPeriod(input.values);
    const providers = input.values.get('provider') ?? [];
    if (providers.length > 1) throw badRequest('"provider" may be given once', ['provider']);
    let provider: string | undefined;
    if (providers.length === 1) {
      const m = /^(?:Organization\/)?([A-Za-z0-9\-.]{1,64})$/.exec(providers[0]);
      if (!m) throw badRequest(`"provider" must be Organization/[id], got "${providers[0]}"`, ['provider']);
      provider = `Organization/${m[1]}`;
    }
    const rows = await rtfExportRows(ctx.repo, ctx.access, period, provider);
    return { status: 200, body: csvBinary(rtfExportCsv(rows)) };
  },
};
