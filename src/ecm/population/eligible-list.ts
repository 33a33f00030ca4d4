import type { Binary, Group, Patient } from '@medplum/fhirtypes';
import type { EligibilityDecision } from '../eligibility/evaluate-eligibility.ts';
import type { Priority } from './priority-score.ts';

export const PRIORITY_EXTENSION = 'https://ecm-fhir.example.org/fhir/StructureDefinition/ext-ecm-priority';
const CIN_SYSTEM = 'https://ecm-fhir.example.org/sid/medi-cal-cin';

/** One eligible member on the prioritized list (ID-STRAT, ID-LIST). */
export interface ListEntry {
  rank: number;
  memberId: string;
  cin?: string;
  priority: Priority;
  decision: EligibilityDecision;
}

export function cinOf(patient: Patient): string | undefined {
  return patient.identifier?.find((i) => i.system === CIN_SYSTEM)?.value;
}

const metPofs = (d: EligibilityDecision) => d.populations.filter((p) => p.met);

/** The Group "eligible members for <month>": actual, type person, members most urgent first. */
export function eligibleGroup(id: string, date: string, entries: ListEntry[]): Group & { id: string } {
  return {
    resourceType: 'Group',
    id,
    active: true,
    type: 'person',
    actual: true,
    name: `eligible members for ${date.slice(0, 7)}`,
    quantity: entries.length,
    member: entries.map((e) => ({
      entity: { reference: `Patient/${e.memberId}` },
      extension: [{
        url: PRIORITY_EXTENSION,
        extension: [
          { url: 'rank', valuePositiveInt: e.rank },
          { url: 'score', valueDecimal: e.priority.score },
          { url: 'tier', valueCode: e.priority.tier },
        ],
      }],
    })),
  };
}

export const CSV_COLUMNS = ['rank', 'member_id', 'cin', 'pofs', 'risk_tier', 'score', 'reasons'] as const;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV (CRLF line ends, header row), one line per entry in rank order. */
export function eligibleCsv(entries: ListEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    const pofs = metPofs(e.decision);
    lines.push([String(e.rank), e.memberId, e.cin ?? '', pofs.map((p) => p.code).join(';'), e.priority.tier, String(e.priority.score), pofs.map((p) => `${p.code}: ${p.reason}`).join(' | ')].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** NDJSON: one JSON object a line, in rank order. */
export function eligibleNdjson(entries: ListEntry[]): string {
  return entries
    .map((e) => JSON.stringify({
      rank: e.rank,
      member: `Patient/${e.memberId}`,
      cin: e.cin ?? null,
      riskTier: e.priority.tier,
      score: e.priority.score,
      scoreFrom: { pofsMet: e.priority.pofsMet, edVisits: e.priority.edVisits, inpatientStays: e.priority.inpatientStays, daysSinceLastAcute: e.priority.daysSinceLastAcute ?? null },
      pofs: metPofs(e.decision).map((p) => ({ code: p.code, rules: p.rules, reason: p.reason, evidence: p.evidence })),
      continuity: e.decision.continuity ? { rules: e.decision.continuity.rules, reason: e.decision.continuity.reason } : null,
      settingsProfile: `${e.decision.settingsProfile.name} ${e.decision.settingsProfile.version}`,
    }) + '\n')
    .join('');
}

/** A download as a Binary resource (binary.html: the FHIR JSON form, data base64). */
export function binaryOf(contentType: string, text: string): Binary {
  return { resourceType: 'Binary', contentType, data: Buffer.from(text, 'utf8').toString('base64') };
}
