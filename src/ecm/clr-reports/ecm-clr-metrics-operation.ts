import type { Organization, Task } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { SearchCriterion } from '../../fhir/repository.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { formatLocalInstant } from '../calendar/local-dates.ts';
import { ClrMetricsAccumulator } from './clr-metrics.ts';
import { clrMetricsCsv, clrMetricsParameters } from './clr-metrics-output.ts';
import { isPlan } from './organizations.ts';
import { csvBinary, reportFormat } from './output-format.ts';
import { readMany } from '../assignment/search-all.ts';
import { idOf } from '../assignment/vocabulary.ts';
import { forEachPage } from './read-by-id.ts';
import { REFERRAL_TASK_CRITERION, ownerCriterion } from './referral-task-criteria.ts';
import { periodCriterion, reportPeriod } from './report-period.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-clr-metrics';
const KNOWN = ['start', 'end', 'format'];

/**
 * `[base]/$ecm-clr-metrics` and `Organization/[id]/$ecm-clr-metrics` (CLR-METRICS, clr-reports.md):
 * per provider (the Tasks' owner organization) the referral Tasks authored in [start, end]: total,
 * pending volume, response-time median and 90th percentile in hours, closure rate, rate of
 * closure as Member Unable to Reach, overdue count. On a provider Organization only its own Tasks;
 * on a plan (type `pay`) and at system level every Task the caller may read. Tasks are read page
 * by page through the repository search and folded as they come.
 */
export const ecmClrMetricsOperation: Operation = {
  name: 'ecm-clr-metrics',
  levels: ['system', 'instance'],
  resourceTypes: ['Organization'],
  affectsState: false,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    if (input.resource) throw badRequest('$ecm-clr-metrics takes a Parameters body');
    for (const name of [...input.values.keys(), ...input.parameters.map((p) => p.name ?? '')]) {
      if (!KNOWN.includes(name)) throw badRequest(`Unknown parameter "${name}" (known: ${KNOWN.join(', ')})`, [name]);
    }
    const period = reportPeriod(input.values);
    const format = reportFormat(req, input.values);

    const criteria: SearchCriterion[] = [REFERRAL_TASK_CRITERION, periodCriterion('authored-on', period)];
    let organization: string | undefined;
    if (target.level === 'instance') {
      const org = (await storedResource(ctx, 'Organization', target.id!)) as Organization;
      organization = `Organization/${target.id}`;
      if (!isPlan(org)) criteria.push(ownerCriterion(organization));
    }
    const now = Date.now();
    const metrics = new ClrMetricsAccumulator(period, now);
    await forEachPage<Task>(ctx.repo, ctx.access, 'Task', criteria, (page) => {
      for (const { resource } of page) metrics.add(resource);
    });
    const providers = metrics.result();
    const orgs = await readMany<Organization>(ctx.repo, ctx.access, 'Organization', providers.map((p) => idOf(p.provider)));
    const report = {
      period,
      generated: formatLocalInstant(now),
      ...(organization ? { organization } : {}),
      providers,
      organizations: new Map([...orgs].map(([id, o]) => [id, o.resource])),
    };
    if (format === 'csv') return { status: 200, body: csvBinary(clrMetricsCsv(report)) };
    return { status: 200, body: clrMetricsParameters(report) };
  },
};
