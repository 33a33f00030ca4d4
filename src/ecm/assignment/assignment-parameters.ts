import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { Candidate } from './assignment-order.ts';
import type { AssignmentOutcome } from './run-assignment.ts';
import { CS, coding, ref } from './vocabulary.ts';

function candidatePart(c: Candidate): ParametersParameter {
  return {
    name: 'candidate',
    part: [
      { name: 'provider', valueReference: ref(c.provider) },
      ...(c.service ? [{ name: 'service', valueReference: ref(c.service) }] : []),
      { name: 'step', valueCoding: coding(CS.step, c.step) },
      { name: 'outcome', valueCode: c.outcome },
      ...(c.reason ? [{ name: 'reason', valueCoding: coding(CS.rejection, c.reason) }] : []),
    ],
  };
}

/** The $ecm-assign answer (profiles/OperationDefinition/ecm-assign.json; ASSIGN-RECORD, DECISION-RECORD). */
export function assignmentParameters(o: AssignmentOutcome): Parameters {
  const p: ParametersParameter[] = [];
  if (o.provider) {
    p.push({ name: 'provider', valueReference: ref(o.provider.reference, o.provider.display) });
    if (o.provider.service) p.push({ name: 'service', valueReference: ref(o.provider.service) });
  }
  if (o.step) p.push({ name: 'step', valueCoding: coding(CS.step, o.step) });
  if (o.pof) p.push({ name: 'pof', valueCoding: coding(CS.pof, o.pof) });
  p.push(
    { name: 'mode', valueCode: o.mode },
    { name: 'date', valueDate: o.date },
    { name: 'dryRun', valueBoolean: o.dryRun },
    { name: 'settingsProfile', part: [{ name: 'name', valueString: o.settingsProfile.name }, { name: 'version', valueString: o.settingsProfile.version }] },
    ...[...new Set(o.rules)].map((rule) => ({ name: 'rule', valueString: rule })),
  );
  if (o.assignmentDue) p.push({ name: 'assignmentDue', valueDate: o.assignmentDue });
  if (o.pcpNoticeDue) p.push({ name: 'pcpNoticeDue', valueDate: o.pcpNoticeDue });
  if (o.changeDue) p.push({ name: 'changeDue', valueDate: o.changeDue }, { name: 'changeOnTime', valueBoolean: o.date <= o.changeDue });
  if (o.leadCareManager) {
    const l = o.leadCareManager;
    p.push({
      name: 'leadCareManager',
      part: [
        { name: 'role', valueReference: ref(l.role) },
        { name: 'practitioner', valueReference: ref(l.practitioner) },
        { name: 'name', valueString: l.name },
        { name: 'phone', valueString: l.phone },
        { name: 'email', valueString: l.email },
      ],
    });
  }
  if (o.override) {
    p.push({
      name: 'override',
      part: [
        { name: 'reason', valueString: o.override.reason },
        { name: 'by', valueReference: ref(o.override.by) },
        ...(o.override.replaced ? [{ name: 'replaced', valueCoding: coding(CS.step, o.override.replaced) }] : []),
      ],
    });
  }
  for (const c of o.decision?.candidates ?? []) p.push(candidatePart(c));
  for (const w of o.written) p.push({ name: 'written', valueReference: ref(w) });
  return { resourceType: 'Parameters', parameter: p };
}
