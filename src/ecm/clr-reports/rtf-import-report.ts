import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { csvText } from './csv.ts';
import type { RowResult } from './rtf-import.ts';

export const RTF_REPORT_COLUMNS = ['line', 'outcome', 'referral_id', 'rule', 'message'] as const;

export interface RtfImportCounts {
  rows: number;
  updated: number;
  unchanged: number;
  /** Rows not applied: failed and forbidden. */
  failed: number;
}

export function importCounts(results: RowResult[]): RtfImportCounts {
  const count = (outcome: RowResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return { rows: results.length, updated: count('updated'), unchanged: count('unchanged'), failed: count('failed') + count('forbidden') };
}

/** The per-row report of `$ecm-rtf-import` as Parameters: the counts, then one `row` per data row. */
export function importReportParameters(results: RowResult[]): Parameters {
  const counts = importCounts(results);
  const parameter: ParametersParameter[] = [
    { name: 'rows', valueInteger: counts.rows },
    { name: 'updated', valueInteger: counts.updated },
    { name: 'unchanged', valueInteger: counts.unchanged },
    { name: 'failed', valueInteger: counts.failed },
  ];
  for (const r of results) {
    const part: ParametersParameter[] = [
      { name: 'line', valueInteger: r.line },
      { name: 'outcome', valueCode: r.outcome },
    ];
    if (r.referral) part.push({ name: 'referral', valueReference: { reference: r.referral } });
    if (r.rule) part.push({ name: 'rule', valueCode: r.rule });
    if (r.message) part.push({ name: 'message', valueString: r.message });
    parameter.push({ name: 'row', part });
  }
  return { resourceType: 'Parameters', parameter };
}

/** The same report as CSV: one line per data row. */
export function importReportCsv(results: RowResult[]): string {
  return csvText(
    RTF_REPORT_COLUMNS,
    results.map((r) => [String(r.line), r.outcome, r.referral?.slice('Task/'.length) ?? '', r.rule ?? '', r.message ?? '']),
  );
}
