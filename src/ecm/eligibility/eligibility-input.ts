import { badRequest } from '../../fhir/outcome.ts';
import { operationInput } from '../../fhir/operations/parameters.ts';
import type { FhirRequest } from '../../fhir/request.ts';
import { settingsProfileNames } from '../settings/settings-profile.ts';
import { isFullDate, todayInLosAngeles } from './dates.ts';

/** The input parameters every $ecm-eligibility level takes (profiles/OperationDefinition/ecm-eligibility*.json). */
export interface EligibilityInput {
  date: string;
  persist: boolean;
  settingsProfile?: string;
}

function single(values: string[] | undefined, name: string): string | undefined {
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`"${name}" may be given once`, [name]);
  return values[0];
}

/** Parses and checks `date`, `persist` and `settingsProfile` (400 OperationOutcome naming the parameter). */
export function eligibilityInput(req: FhirRequest): EligibilityInput {
  const input = operationInput(req);
  const dateValue = single(input.values.get('date'), 'date');
  if (dateValue !== undefined && !isFullDate(dateValue)) throw badRequest(`"date" must be a full date YYYY-MM-DD, got "${dateValue}"`, ['date']);
  const persistValue = single(input.values.get('persist'), 'persist');
  if (persistValue !== undefined && persistValue !== 'true' && persistValue !== 'false') throw badRequest(`"persist" must be true or false, got "${persistValue}"`, ['persist']);
  const persist = persistValue === 'true';
  if (persist && req.method !== 'POST') throw badRequest('persist=true writes POF Conditions and Flags: use POST (operations.html#executing)', ['persist']);
  const settingsProfile = single(input.values.get('settingsProfile'), 'settingsProfile');
  if (settingsProfile !== undefined && !settingsProfileNames().includes(settingsProfile)) {
    throw badRequest(`Unknown settings profile "${settingsProfile}" (known: ${settingsProfileNames().join(', ')})`, ['settingsProfile']);
  }
  return { date: dateValue ?? todayInLosAngeles(), persist, ...(settingsProfile !== undefined ? { settingsProfile } : {}) };
}
