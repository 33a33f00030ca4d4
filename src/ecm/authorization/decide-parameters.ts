import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';

/** The output of $ecm-decide (profiles/OperationDefinition/ecm-decide.json). */
export interface DecideOutput {
  authorization: Resource;
  period?: { start: string; end: string };
  rules: string[];
  settingsProfile: { name: string; version: string };
  decisionDue?: string;
  onTime?: boolean;
  notices: string[];
  appeal?: string;
  provenance: string;
  skippedNotices: string[];
}

export function decideParameters(o: DecideOutput): Parameters {
  const parameter: ParametersParameter[] = [{ name: 'authorization', resource: o.authorization }];
  if (o.period) parameter.push({ name: 'period', valuePeriod: o.period });
  for (const rule of o.rules) parameter.push({ name: 'rule', valueString: rule });
  parameter.push({
    name: 'settingsProfile',
    part: [
      { name: 'name', valueString: o.settingsProfile.name },
      { name: 'version', valueString: o.settingsProfile.version },
    ],
  });
  if (o.decisionDue) parameter.push({ name: 'decisionDue', valueDateTime: o.decisionDue });
  if (o.onTime !== undefined) parameter.push({ name: 'onTime', valueBoolean: o.onTime });
  for (const n of o.notices) parameter.push({ name: 'notice', valueReference: { reference: n } });
  if (o.appeal) parameter.push({ name: 'appeal', valueReference: { reference: o.appeal } });
  parameter.push({ name: 'provenance', valueReference: { reference: o.provenance } });
  for (const s of o.skippedNotices) parameter.push({ name: 'skippedNotice', valueString: s });
  return { resourceType: 'Parameters', parameter };
}
