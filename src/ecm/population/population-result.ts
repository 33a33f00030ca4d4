import type { Bundle, Parameters } from '@medplum/fhirtypes';
import type { PopulationJob } from './population-jobs.ts';
import type { PopulationOutput } from './population-run.ts';

export function statusUrl(baseUrl: string, jobId: string): string {
  return `${baseUrl}/$ecm-eligibility-status/${jobId}`;
}

/**
 * The completed job's result (async.html: a Bundle of type batch-response): a Parameters summary,
 * the list Group as written, and the two downloads (their URLs in response.location).
 */
export function populationResult(baseUrl: string, job: PopulationJob, out: PopulationOutput): Bundle {
  const status = statusUrl(baseUrl, job.id);
  const summary: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'date', valueDate: out.date },
      { name: 'evaluated', valueInteger: out.evaluated },
      { name: 'skipped', valueInteger: out.skipped },
      { name: 'eligible', valueInteger: out.entries.length },
      { name: 'group', valueReference: { reference: out.group } },
      { name: 'csv', valueUri: `${status}/list.csv` },
      { name: 'ndjson', valueUri: `${status}/list.ndjson` },
      ...out.written.map((reference) => ({ name: 'written', valueReference: { reference } })),
    ],
  };
  const groupId = out.group.split('/')[1];
  return {
    resourceType: 'Bundle',
    type: 'batch-response',
    link: [{ relation: 'self', url: job.request }],
    entry: [
      { resource: summary, response: { status: '200 OK' } },
      { fullUrl: `${baseUrl}/Group/${groupId}`, resource: out.groupResource, response: { status: '200 OK', location: out.group } },
      { response: { status: '200 OK', location: `${status}/list.csv` } },
      { response: { status: '200 OK', location: `${status}/list.ndjson` } },
    ],
  };
}
