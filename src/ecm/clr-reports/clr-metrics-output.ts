import type { Organization, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { csvText } from './csv.ts';
import type { ProviderMetrics } from './clr-metrics.ts';
import { NPI_SYSTEM, identifierOf } from './organizations.ts';
import { idOf } from '../assignment/vocabulary.ts';
import type { ReportPeriod } from './report-period.ts';

export interface ClrMetricsReport {
  period: ReportPeriod;
  /** The instant the overdue counts were taken at. */
  generated: string;
  /** Organization/x for an Organization-level call. */
  organization?: string;
  providers: ProviderMetrics[];
  /** The providers' Organizations the caller may read (name, NPI), by id. */
  organizations: Map<string, Organization>;
}

export const CLR_METRICS_COLUMNS = [
  'provider_id',
  'provider_name',
  'provider_npi',
  'total',
  'pending',
  'closed',
  'responded',
  'response_median_hours',
  'response_p90_hours',
  'closure_rate',
  'unable_to_reach_rate',
  'overdue',
] as const;

export function clrMetricsParameters(r: ClrMetricsReport): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'start', valueDate: r.period.start },
    { name: 'end', valueDate: r.period.end },
    { name: 'generated', valueInstant: r.generated },
  ];
  if (r.organization) parameter.push({ name: 'organization', valueReference: { reference: r.organization } });
  for (const m of r.providers) {
    const name = r.organizations.get(idOf(m.provider))?.name;
    const part: ParametersParameter[] = [
      { name: 'provider', valueReference: name ? { reference: m.provider, display: name } : { reference: m.provider } },
      { name: 'total', valueInteger: m.total },
      { name: 'pending', valueInteger: m.pending },
      { name: 'closed', valueInteger: m.closed },
      { name: 'responded', valueInteger: m.responded },
    ];
    if (m.responseMedianHours !== undefined) part.push({ name: 'responseMedianHours', valueDecimal: m.responseMedianHours });
    if (m.responseP90Hours !== undefined) part.push({ name: 'responseP90Hours', valueDecimal: m.responseP90Hours });
    part.push({ name: 'closureRate', valueDecimal: m.closureRate });
    if (m.unableToReachRate !== undefined) part.push({ name: 'unableToReachRate', valueDecimal: m.unableToReachRate });
    part.push({ name: 'overdue', valueInteger: m.overdue });
    parameter.push({ name: 'provider', part });
  }
  return { resourceType: 'Parameters', parameter };
}

export function clrMetricsCsv(r: ClrMetricsReport): string {
  const text = (v: number | undefined) => (v === undefined ? '' : String(v));
  return csvText(
    CLR_METRICS_COLUMNS,
    r.providers.map((m) => {
      const org = r.organizations.get(idOf(m.provider));
      return [
        idOf(m.provider),
        org?.name ?? '',
        identifierOf(org, NPI_SYSTEM) ?? '',
        text(m.total),
        text(m.pending),
        text(m.closed),
        text(m.responded),
        text(m.responseMedianHours),
        text(m.responseP90Hours),
        text(m.closureRate),
        text(m.unableToReachRate),
        text(m.overdue),
      ];
    }),
  );
}
