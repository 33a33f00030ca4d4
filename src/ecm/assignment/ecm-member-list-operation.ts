import type { Group } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome.ts';
import type { Operation, OperationTarget } from '../../fhir/operations/operation.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import { storedResource } from '../../fhir/operations/stored-resource.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../../fhir/request.ts';
import { isFullDate, todayInLosAngeles } from '../eligibility/dates.ts';
import { binaryOf } from '../population/eligible-list.ts';
import { settingsProfileForPayors } from '../settings/settings-profile.ts';
import { listEntries, memberListCsv, memberListNdjson, memberListParameters, memberListRows } from './member-list.ts';
import { acceptedFileType } from '../../fhir/operations/file-accept.ts';
import { ruleError } from '../rule-error.ts';
import { CS, EXT, hasCoding, relativeReference } from './vocabulary.ts';

const DEFINITION = 'https://ecm-fhir.example.org/fhir/OperationDefinition/ecm-member-list';

/** `format` values and the Binary content type each answers with (as the population run's downloads). */
const FORMATS: Record<string, { contentType: string; kind: 'csv' | 'ndjson' }> = {
  csv: { contentType: 'text/csv', kind: 'csv' },
  'text/csv': { contentType: 'text/csv', kind: 'csv' },
  ndjson: { contentType: 'application/x-ndjson', kind: 'ndjson' },
  'application/x-ndjson': { contentType: 'application/x-ndjson', kind: 'ndjson' },
  'application/fhir+ndjson': { contentType: 'application/x-ndjson', kind: 'ndjson' },
};

function single(values: string[] | undefined, name: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return values[0];
}

function dateValue(values: string[] | undefined, name: string): string | undefined {
  const v = single(values, name);
  if (v !== undefined && !isFullDate(v)) throw badRequest(`"${name}" must be a full date YYYY-MM-DD, got "${v}"`, [name]);
  return v;
}

/**
 * Group/[id]/$ecm-member-list (ASSIGN-LISTS, ASSIGN-PROVIDER-FEED, DATA-MIF): the members of one
 * plan–provider attribution list with the columns of a Member Information File. Without `since`
 * the full list of members attributed on `date` (the plan's `assignedListFreq` list); with it the
 * changes since then, new, changed and dropped (`newAssignmentFreq`). FHIR Parameters by default;
 * `format=csv` or `format=ndjson` answers a Binary with the file (data in base64), as the
 * population run does for the eligible list.
 */
export const ecmMemberListOperation: Operation = {
  name: 'ecm-member-list',
  levels: ['instance'],
  resourceTypes: ['Group'],
  affectsState: false,
  definition: DEFINITION,
  async handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse> {
    const input = operationInput(req);
    for (const name of input.values.keys()) if (!['since', 'date', 'format'].includes(name)) throw badRequest(`Unknown parameter "${name}" (known: since, date, format)`, [name]);
    const date = dateValue(input.values.get('date'), 'date') ?? todayInLosAngeles();
    const since = dateValue(input.values.get('since'), 'since');
    if (since !== undefined && since > date) throw badRequest(`"since" (${since}) is after "date" (${date})`, ['since']);
    // without `format`, `Accept: text/csv` or `Accept: application/x-ndjson` asks for the file itself
    const formatName = single(input.values.get('format'), 'format') ?? acceptedFileType(req.headers.accept, ['text/csv', 'application/x-ndjson', 'application/fhir+ndjson']);
    const format = formatName === undefined ? undefined : FORMATS[formatName];
    if (formatName !== undefined && !format) throw badRequest(`"format" must be csv or ndjson, got "${formatName}"`, ['format']);

    const group = (await storedResource(ctx, 'Group', target.id!)) as Group & { id: string };
    const provider = relativeReference(group.extension?.find((e) => e.url === EXT.attributedProvider)?.valueReference, 'Organization');
    const plan = relativeReference(group.managingEntity, 'Organization');
    if (!hasCoding([group.code], CS.category, 'attribution') || !provider || !plan) {
      throw ruleError(422, 'ASSIGN-LISTS', `Group/${group.id} is not a plan–provider attribution list (ecm-attribution-group: code ecm-category#attribution, ext-attributed-provider, managingEntity the plan)`);
    }
    const profile = settingsProfileForPayors([plan], date);
    const query = { date, ...(since ? { since } : {}) };
    const rows = await memberListRows(ctx.repo, ctx.access, group, provider, listEntries(group, query));
    if (format?.kind === 'csv') return { status: 200, body: binaryOf(format.contentType, memberListCsv(rows)) };
    if (format?.kind === 'ndjson') return { status: 200, body: binaryOf(format.contentType, memberListNdjson(rows)) };
    return {
      status: 200,
      body: memberListParameters({
        group: `Group/${group.id}`,
        plan,
        provider,
        query,
        frequency: since ? profile.settings.newAssignmentFreq : profile.settings.assignedListFreq,
        settingsProfile: { name: profile.name, version: profile.version },
        rows,
      }),
    };
  },
};
