import { newResourceId } from '../../fhir/resource-id.ts';
import type { Condition, Flag } from '@medplum/fhirtypes';
import type { WriteOp } from '../../fhir/repository.ts';
import { POF_SYSTEM } from './eligibility-parameters.ts';
import type { EligibilityDecision } from './evaluate-eligibility.ts';
import type { MemberEvidence } from './member-evidence.ts';

const BASE = 'https://ecm-fhir.example.org/fhir';
const CATEGORY = { coding: [{ system: `${BASE}/CodeSystem/ecm-category`, code: 'pof', display: 'Population of Focus' }] };
const RULE_SYSTEM = `${BASE}/CodeSystem/ecm-rule`;

function pofCode(resource: { code?: { coding?: { system?: string; code?: string }[] } }): string | undefined {
  return resource.code?.coding?.find((c) => c.system === POF_SYSTEM)?.code;
}

function isPof(resource: { category?: { coding?: { system?: string; code?: string }[] }[] }): boolean {
  return (resource.category ?? []).some((c) => c.coding?.some((k) => k.system === CATEGORY.coding[0].system && k.code === 'pof'));
}

const activeCondition = (c: Condition) => !c.clinicalStatus?.coding?.some((k) => ['inactive', 'resolved', 'remission'].includes(k.code ?? ''));

/** Equal but for meta and the per-run dates (recordedDate, note.time): then nothing is written. */
function sameContent(a: Condition | Flag, b: Condition | Flag): boolean {
  return JSON.stringify(sortKeys(a, true)) === JSON.stringify(sortKeys(b, true));
}

function sortKeys(value: unknown, top = false): unknown {
  if (Array.isArray(value)) return value.map((v) => sortKeys(v));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    if (top && (k === 'meta' || k === 'recordedDate')) continue;
    if (k === 'time') continue;
    out[k] = sortKeys((value as Record<string, unknown>)[k]);
  }
  return out;
}

/**
 * The writes that bring the member's POF Conditions (ecm-pof-condition) and Flags (ecm-pof-flag)
 * in line with the decision: one active pair per POF met (POF-MULTI), evidence per rule in
 * Condition.evidence (DECISION-RECORD: rule IDs as ecm-rule codes, resources in `detail`; the
 * reason and the settings profile name+version in `note`), and the pairs of POFs no longer met
 * abated. A pair whose content would not change is not written, so a second run writes nothing.
 */
export function pofRecordWrites(evidence: MemberEvidence, decision: EligibilityDecision, author?: Flag['author']): WriteOp[] {
  const patientRef = `Patient/${evidence.patient.id}`;
  const conditions = evidence.conditions.filter((c) => isPof(c) && c.subject?.reference === patientRef);
  const flags = evidence.flags.filter((f) => isPof(f) && f.subject?.reference === patientRef);
  const ops: WriteOp[] = [];
  const pick = <T extends Condition | Flag>(list: T[], code: string, active: (x: T) => boolean) => {
    const same = list.filter((x) => pofCode(x) === code);
    return same.find(active) ?? same[0];
  };
  for (const p of decision.populations) {
    const existingCondition = pick(conditions, p.code, activeCondition);
    const existingFlag = pick(flags, p.code, (f) => f.status === 'active');
    if (p.met) {
      const condition: Condition & { id: string } = {
        resourceType: 'Condition',
        id: existingCondition?.id ?? newResourceId(),
        meta: { profile: [`${BASE}/StructureDefinition/ecm-pof-condition`] },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
        category: [CATEGORY],
        code: { coding: [{ system: POF_SYSTEM, code: p.code }] },
        subject: { reference: patientRef },
        recordedDate: existingCondition && activeCondition(existingCondition) ? (existingCondition.recordedDate ?? decision.date) : decision.date,
        evidence: [{ code: p.rules.map((rule) => ({ coding: [{ system: RULE_SYSTEM, code: rule }] })), detail: p.evidence.map((reference) => ({ reference })) }],
        note: [
          { text: p.reason },
          { time: decision.date, text: `Determined by $ecm-eligibility under settings profile ${decision.settingsProfile.name} ${decision.settingsProfile.version} (rules ${decision.rulesVersion})` },
        ],
      };
      if (!existingCondition || !sameContent(existingCondition, condition)) ops.push({ kind: 'update', resource: condition });
      const flag: Flag & { id: string } = {
        resourceType: 'Flag',
        id: existingFlag?.id ?? newResourceId(),
        meta: { profile: [`${BASE}/StructureDefinition/ecm-pof-flag`] },
        status: 'active',
        category: [CATEGORY],
        code: existingFlag?.code?.text ? { coding: [{ system: POF_SYSTEM, code: p.code }], text: existingFlag.code.text } : { coding: [{ system: POF_SYSTEM, code: p.code }] },
        subject: { reference: patientRef },
        period: { start: existingFlag?.status === 'active' && existingFlag.period?.start ? existingFlag.period.start : decision.date },
        ...(author ?? existingFlag?.author ? { author: author ?? existingFlag?.author } : {}),
      };
      if (!existingFlag || !sameContent(existingFlag, flag)) ops.push({ kind: 'update', resource: flag });
    } else {
      for (const c of conditions.filter((x) => pofCode(x) === p.code && activeCondition(x))) {
        ops.push({
          kind: 'update',
          resource: {
            ...c,
            id: c.id!,
            clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
            abatementDateTime: decision.date,
            note: [...(c.note ?? []), { time: decision.date, text: `No longer met on ${decision.date} (${p.reason}); settings profile ${decision.settingsProfile.name} ${decision.settingsProfile.version}` }],
          },
        });
      }
      for (const f of flags.filter((x) => pofCode(x) === p.code && x.status === 'active')) {
        ops.push({ kind: 'update', resource: { ...f, id: f.id!, status: 'inactive', period: { ...f.period, end: decision.date } } });
      }
    }
  }
  return ops;
}
