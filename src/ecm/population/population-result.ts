import type { Bundle, Group, Parameters } from '@medplum/fhirtypes';
import type { PopulationRecord } from './population-job.ts';

export function statusUrl(baseUrl: string, publicId: string): string {
  return `${baseUrl}/$ecm-eligibility-status/${publicId}`;
}

/**
 * The completed job's result (async.html: a Bundle of type batch-response): a Parameters summary,
 * the list Group as written, and the two downloads (their URLs in response.location).
 */
export function populationResult(baseUrl: string, publicId: string, request: string, out: PopulationRecord, group: Group | undefined): Bundle {
  const status = statusUrl(baseUrl, publicId);
  const summary: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'date', valueDate: out.date },
      { name: 'evaluated', valueInteger: out.evaluated },
      { name: 'skipped', valueInteger: out.skipped },
      { name: 'eligible', valueInteger: out.eligible },
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
    link: [{ relation: 'self', url: request }],
    entry: [
      { resource: summary, response: { status: '200 OK' } },
      group
        ? { fullUrl: `${baseUrl}/Group/${groupId}`, resource: group, response: { status: '200 OK', location: out.group } }
        : { response: { status: '404 Not Found', location: out.group } },
      { response: { status: '200 OK', location: `${status}/list.csv` } },
      { response: { status: '200 OK', location: `${status}/list.ndjson` } },
    ],
  };
}
