import type { CodeableConcept, Coding, Condition, Encounter, EpisodeOfCare, Observation, ServiceRequest } from '@medplum/fhirtypes';
import type { ValueSetMatcher } from '../rules/value-set-match.ts';
import type { Criterion, NumberOrSetting } from '../rules/rule-types.ts';
import type { PlanSettings } from '../settings/settings-profile.ts';
import { datePart, daysAfter, daysBefore, daysBetween, monthsBefore } from './dates.ts';
import type { MemberEvidence } from './member-evidence.ts';

/** What a criterion found: whether it holds, the resources that made it hold, the ones examined. */
export interface CriterionResult {
  met: boolean;
  /** References that count (when met; optional criteria also when found). */
  evidence: string[];
  /** Every reference examined, counted or not (reported for a POF that is not met). */
  candidates: string[];
  /** Rule IDs this result cites (ELIG-A-HOMELESS-NEED when it decides, ELIG-AVOIDABLE ...). */
  cites: string[];
  /** Evidence other rules cite as "eligible under another POF". */
  qualifying: string[];
  /** Reason fragments, readable by a care manager. */
  reasons: string[];
}

/** The facts a criterion is evaluated against. */
export interface EvaluationInput {
  date: string;
  age: number;
  evidence: MemberEvidence;
  settings: PlanSettings;
  valueSets: ValueSetMatcher;
  /** Qualifying evidence of the POFs met so far, by POF code (for `otherPof`). */
  metPofs: Map<string, string[]>;
  /** Start of the coverage that decides ELIG-BASE (for CONT-HIST look-backs). */
  coverageStart?: string;
}

const ref = (r: { resourceType: string; id?: string }) => `${r.resourceType}/${r.id}`;
const uniq = (xs: string[]) => [...new Set(xs)];

export function setting(settings: PlanSettings, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), settings);
}

function num(value: NumberOrSetting, settings: PlanSettings): number {
  if (typeof value === 'number') return value;
  const v = setting(settings, value.setting);
  if (typeof v !== 'number') throw new Error(`settings value ${value.setting} is not a number`);
  return v;
}

function isRequired(c: Criterion, settings: PlanSettings): boolean {
  if (c.required === undefined || c.required === true) return true;
  if (c.required === false) return false;
  return setting(settings, c.required.setting) === true;
}

function result(met: boolean, evidence: string[], candidates: string[], reasons: string[], cites: string[] = []): CriterionResult {
  return { met, evidence: met ? uniq(evidence) : [], candidates: uniq(candidates), cites, qualifying: [], reasons };
}

function hasCoding(concepts: (CodeableConcept | undefined)[], coding: Coding): boolean {
  return concepts.some((cc) => cc?.coding?.some((c) => c.system === coding.system && c.code === coding.code));
}

function display(c: Coding | undefined): string {
  return c ? `${c.code}${c.display ? ` ${c.display}` : ''}` : '';
}

// --- the evidence each kind reads -----------------------------------------------------------

function conditionActiveOn(c: Condition, date: string): boolean {
  const clinical = c.clinicalStatus?.coding?.[0]?.code;
  if (clinical && !['active', 'recurrence', 'relapse'].includes(clinical)) return false;
  const verification = c.verificationStatus?.coding?.[0]?.code;
  if (verification === 'refuted' || verification === 'entered-in-error') return false;
  const onset = datePart(c.onsetDateTime ?? c.onsetPeriod?.start ?? c.recordedDate);
  if (onset && onset > date) return false;
  const abated = datePart(c.abatementDateTime ?? c.abatementPeriod?.end);
  return !(abated && abated <= date);
}

function observationOn(o: Observation, date: string): boolean {
  if (!['final', 'amended', 'corrected'].includes(o.status)) return false;
  const when = datePart(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued);
  return !when || when <= date;
}

function episodeUsable(e: EpisodeOfCare, date: string): boolean {
  if (['planned', 'waitlist', 'cancelled', 'entered-in-error'].includes(e.status)) return false;
  const start = datePart(e.period?.start);
  return !start || start <= date;
}

function episodeActiveOn(e: EpisodeOfCare, date: string): boolean {
  const end = datePart(e.period?.end);
  if (end) return end >= date;
  return e.status !== 'finished';
}

function encounterDate(e: Encounter): string | undefined {
  return datePart(e.period?.start);
}

/** A ServiceRequest that was made (not a draft, nor entered in error). */
function requestMade(r: ServiceRequest): boolean {
  return !['draft', 'entered-in-error'].includes(r.status);
}

function requestDate(r: ServiceRequest): string | undefined {
  return datePart(r.occurrenceDateTime ?? r.occurrencePeriod?.start ?? r.authoredOn);
}

/** An encounter that took place on or before E (not planned, cancelled or entered in error). */
function encounterHeld(e: Encounter, date: string): boolean {
  const d = encounterDate(e);
  return !!d && d <= date && !['planned', 'cancelled', 'entered-in-error'].includes(e.status);
}

function encounterTypes(e: Encounter): CodeableConcept[] {
  return [...(e.type ?? []), ...(e.serviceType ? [e.serviceType] : [])];
}

function hasClass(e: Encounter, classes: Coding[]): boolean {
  return !!e.class && classes.some((k) => k.system === e.class!.system && k.code === e.class!.code);
}

// --- evaluation ---------------------------------------------------------------------------

export function evaluateCriterion(c: Criterion, input: EvaluationInput): CriterionResult {
  const r = evaluateKind(c, input);
  if (c.cite && (r.met || isRequired(c, input.settings))) r.cites = uniq([...r.cites, c.cite]);
  if (c.qualifying && r.met) r.qualifying = uniq([...r.qualifying, ...r.evidence]);
  return r;
}

/** allOf over a list, honouring `required`: the shape of a rule's own criteria too. */
export function evaluateAll(criteria: Criterion[], input: EvaluationInput, label?: string): CriterionResult {
  const parts = criteria.map((c) => ({ c, r: evaluateCriterion(c, input), required: isRequired(c, input.settings) }));
  const met = parts.every((p) => !p.required || p.r.met);
  const counted = parts.filter((p) => p.r.met);
  const failed = parts.filter((p) => p.required && !p.r.met);
  return {
    met,
    evidence: met ? uniq(counted.flatMap((p) => p.r.evidence)) : [],
    candidates: uniq(parts.flatMap((p) => [...p.r.candidates, ...p.r.evidence])),
    cites: uniq((met ? counted : failed).flatMap((p) => p.r.cites)),
    qualifying: met ? uniq(counted.flatMap((p) => p.r.qualifying)) : [],
    reasons: met ? counted.flatMap((p) => p.r.reasons) : failed.flatMap((p) => p.r.reasons.length > 0 ? p.r.reasons : [`not: ${p.c.label ?? label ?? p.c.kind}`]),
  };
}

function evaluateKind(c: Criterion, input: EvaluationInput): CriterionResult {
  const { date, evidence, settings, valueSets } = input;
  const label = c.label ?? c.kind;
  switch (c.kind) {
    case 'allOf':
      return evaluateAll(c.of, input, label);
    case 'anyOf': {
      const parts = c.of.map((x) => evaluateCriterion(x, input));
      const hits = parts.filter((p) => p.met);
      return {
        met: hits.length > 0,
        evidence: uniq(hits.flatMap((p) => p.evidence)),
        candidates: uniq(parts.flatMap((p) => [...p.candidates, ...p.evidence])),
        cites: uniq((hits.length > 0 ? hits : parts).flatMap((p) => p.cites)),
        qualifying: uniq(hits.flatMap((p) => p.qualifying)),
        reasons: hits.length > 0 ? hits.flatMap((p) => p.reasons) : parts.flatMap((p) => p.reasons),
      };
    }
    case 'not': {
      const inner = evaluateCriterion(c.of, input);
      return result(!inner.met, [], [], inner.met ? [`not ${label}`] : []);
    }
    case 'age': {
      const min = c.min === undefined ? undefined : num(c.min, settings);
      const max = c.maxExclusive === undefined ? undefined : num(c.maxExclusive, settings);
      const met = (min === undefined || input.age >= min) && (max === undefined || input.age < max);
      return result(met, [], [], met ? [] : [`age ${input.age} on ${date}${max !== undefined ? ` (limit: under ${max})` : ''}${min !== undefined ? ` (from ${min})` : ''}`]);
    }
    case 'encounters': {
      const months = num(c.windowMonths, settings);
      const threshold = num(c.threshold, settings);
      const from = monthsBefore(date, months);
      const ofClass = evidence.encounters.filter((e) => {
        if (!encounterHeld(e, date)) return false;
        if (c.classes && !hasClass(e, c.classes)) return false;
        if (c.typeIn && valueSets.firstIn(c.typeIn, encounterTypes(e)) === undefined) return false;
        return !c.reasonIn || valueSets.firstIn(c.reasonIn, e.reasonCode ?? []) !== undefined;
      });
      const inWindow = ofClass.filter((e) => encounterDate(e)! >= from);
      const marked = inWindow.filter((e) => (c.markers ?? []).every((m) => hasCoding(e.type ?? [], m)));
      const met = marked.length >= threshold;
      const unmarked = inWindow.length - marked.length;
      const sentence = `${marked.length} ${label} between ${from} and ${date} (threshold ${threshold} in ${months} months)${unmarked > 0 ? `; ${unmarked} more not marked, which never count` : ''}`;
      const cites = !met && unmarked > 0 && c.unmarkedCite ? [c.unmarkedCite] : [];
      return result(met, marked.map(ref), ofClass.map(ref), [sentence], cites);
    }
    case 'condition': {
      const sets = [c.valueSet, ...(c.alsoWhen && setting(settings, c.alsoWhen.setting) === true ? [c.alsoWhen.valueSet] : [])];
      const examined = [c.valueSet, ...(c.alsoWhen ? [c.alsoWhen.valueSet] : [])];
      const within = c.onsetWithinMonths === undefined ? undefined : num(c.onsetWithinMonths, settings);
      const from = within ? monthsBefore(date, within) : undefined;
      const onsetOf = (x: Condition) => datePart(x.onsetDateTime ?? x.onsetPeriod?.start ?? x.recordedDate);
      const candidates = evidence.conditions.filter((x) => examined.some((vs) => valueSets.firstIn(vs, [x.code])));
      const counted = candidates.filter((x) => {
        if (!sets.some((vs) => valueSets.firstIn(vs, [x.code]))) return false;
        if (from) {
          const onset = onsetOf(x);
          return !!onset && onset >= from && onset <= date && x.verificationStatus?.coding?.[0]?.code !== 'entered-in-error';
        }
        return conditionActiveOn(x, date);
      });
      const met = counted.length > 0;
      const codes = counted.map((x) => `${display(x.code?.coding?.[0])}${from ? ` (${onsetOf(x)})` : ''}`).join(', ');
      const window = from ? ` between ${from} and ${date}` : '';
      return result(met, counted.map(ref), candidates.map(ref), [met ? `${label}: ${codes}` : `no ${label} recorded${window}`]);
    }
    case 'codedRecord': {
      const months = num(c.withinMonths, settings);
      const from = monthsBefore(date, months);
      const inSets = (concepts: (CodeableConcept | undefined)[]) => c.valueSets.some((vs) => valueSets.firstIn(vs, concepts) !== undefined);
      const inWindow = (d: string | undefined) => !!d && d >= from && d <= date;
      const records: (Encounter | ServiceRequest | Observation)[] = [
        ...evidence.encounters.filter((e) => encounterHeld(e, date) && inWindow(encounterDate(e)) && inSets(e.reasonCode ?? [])),
        ...evidence.serviceRequests.filter((r) => requestMade(r) && inWindow(requestDate(r)) && inSets([r.code, ...(r.reasonCode ?? [])])),
        ...evidence.observations.filter((o) => observationOn(o, date) && inWindow(datePart(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued)) && inSets([o.valueCodeableConcept])),
      ];
      const refs = records.map(ref);
      const met = refs.length > 0;
      return result(met, refs, refs, [met ? `${label}: ${refs.join(', ')}` : `no ${label} between ${from} and ${date}`]);
    }
    case 'observation': {
      const min = c.min === undefined ? undefined : num(c.min, settings);
      const candidates = evidence.observations.filter((o) => hasCoding([o.code], c.code) && observationOn(o, date));
      const counted = candidates.filter((o) => {
        const valueOk = min !== undefined ? (o.valueInteger ?? o.valueQuantity?.value ?? -Infinity) >= min : o.valueBoolean !== false;
        const componentsOk = (c.components ?? []).every((k) => o.component?.some((x) => hasCoding([x.code], k) && x.valueBoolean === true));
        return valueOk && componentsOk;
      });
      const met = counted.length > 0;
      const value = min !== undefined && candidates.length > 0 ? ` (recorded ${candidates.map((o) => o.valueInteger ?? o.valueQuantity?.value).join(', ')}, threshold ${min})` : '';
      return result(met, counted.map(ref), candidates.map(ref), [met ? `${label}${value}` : `no ${label}${value}`]);
    }
    case 'expectedEvent': {
      const days = num(c.withinDays, settings);
      const until = daysAfter(date, days);
      const expected = (o: Observation) => datePart(o.valueDateTime);
      const candidates = evidence.observations.filter((o) => observationOn(o, date) && valueSets.firstIn(c.valueSet, [o.code]) !== undefined);
      const counted = candidates.filter((o) => {
        const d = expected(o);
        return !!d && d >= date && d <= until;
      });
      const met = counted.length > 0;
      const horizon = `within ${days} calendar days of ${date}`;
      const dates = (os: Observation[]) => os.map((o) => expected(o) ?? 'no date').join(', ');
      const sentence = met ? `${label} on ${dates(counted)}, ${horizon}` : candidates.length > 0 ? `${label} not ${horizon} (expected ${dates(candidates)})` : `no ${label} recorded`;
      return result(met, counted.map(ref), candidates.map(ref), [sentence]);
    }
    case 'onlyAcuteCare':
      return evaluateOnlyAcuteCare(c, input);
    case 'program': {
      const matches = (e: EpisodeOfCare) =>
        (e.type ?? []).some((t) => (t.coding ?? []).some((k) => (c.valueSet && valueSets.codingIn(c.valueSet, k)) || (c.codes ?? []).some((x) => x.system === k.system && x.code === k.code)));
      const candidates = evidence.episodes.filter((e) => matches(e) && episodeUsable(e, date));
      const from = c.months ? monthsBefore(date, c.months) : undefined;
      const counted = candidates.filter((e) => {
        const end = datePart(e.period?.end);
        const endedWithin = !!end && !!from && end >= from && end <= date;
        if (c.when === 'active') return episodeActiveOn(e, date);
        if (c.when === 'ended-within') return endedWithin;
        if (c.when === 'active-or-ended-within') return episodeActiveOn(e, date) || endedWithin;
        return true;
      });
      const met = counted.length > 0;
      const when = (e: EpisodeOfCare) => (e.period?.end ? ` (${e.period.start ?? '?'} to ${e.period.end})` : e.period?.start ? ` (since ${e.period.start})` : '');
      return result(met, counted.map(ref), candidates.map(ref), [met ? `${label}${when(counted[0])}` : `not ${label}${candidates[0] ? when(candidates[0]) : ''}`]);
    }
    case 'setting': {
      const v = setting(settings, c.setting) as string | number | boolean;
      return result(c.in.includes(v), [], [], c.in.includes(v) ? [] : [`${c.setting} is ${String(v)}`]);
    }
    case 'settingDateReached': {
      const v = setting(settings, c.setting);
      const met = v === null || v === undefined || (typeof v === 'string' && date >= v);
      return result(met, [], [], met ? [] : [`${c.setting} starts ${String(v)}`]);
    }
    case 'settingPeriodContains': {
      const p = setting(settings, c.setting) as { start: string; end: string } | undefined;
      return result(!!p && p.start <= date && date <= p.end, [], [], []);
    }
    case 'otherPof': {
      const others = [...input.metPofs.entries()].filter(([pof]) => !c.excluding.includes(pof));
      const refs = others.flatMap(([, ev]) => ev);
      const met = others.length > 0;
      return result(met, refs, refs, [met ? `eligible under another POF (${others.map(([p]) => p).join(', ')})` : 'not eligible under another POF']);
    }
    case 'unresponsiveOutreach':
      return evaluateUnresponsive(c, input);
    case 'priorEcm':
      return evaluatePriorEcm(c, input);
  }
}

function evaluateOnlyAcuteCare(c: Extract<Criterion, { kind: 'onlyAcuteCare' }>, input: EvaluationInput): CriterionResult {
  const { date, evidence, settings, valueSets } = input;
  const months = num(c.windowMonths, settings);
  const min = num(c.min, settings);
  const from = monthsBefore(date, months);
  const label = c.label ?? c.kind;
  const inWindow = evidence.encounters.filter((e) => encounterHeld(e, date) && encounterDate(e)! >= from);
  const isAcute = (e: Encounter) => hasClass(e, c.classes) || valueSets.firstIn(c.typeIn, encounterTypes(e)) !== undefined;
  const acute = inWindow.filter(isAcute);
  const other = inWindow.filter((e) => !isAcute(e));
  const met = acute.length >= min && other.length === 0;
  const window = `between ${from} and ${date} (${months} months)`;
  const sentence = met
    ? `${label}: ${acute.length} such encounters and no other care ${window}`
    : acute.length < min
      ? `no ${label}: ${acute.length} crisis, ED, urgent care or inpatient encounters ${window} (at least ${min})`
      : `no ${label}: ${other.length} other care encounters besides ${acute.length} crisis, ED, urgent care or inpatient ones ${window}`;
  // With no acute encounter the member's other encounters say nothing about this criterion.
  return result(met, acute.map(ref), acute.length > 0 ? inWindow.map(ref) : [], [sentence]);
}

function evaluateUnresponsive(c: Extract<Criterion, { kind: 'unresponsiveOutreach' }>, input: EvaluationInput): CriterionResult {
  const { date, evidence, settings } = input;
  const outreach = evidence.communications
    .filter((m) => hasCoding(m.category ?? [], c.outreachCategory) && datePart(m.sent) !== undefined && datePart(m.sent)! <= date)
    .sort((a, b) => a.sent!.localeCompare(b.sent!));
  const lastReached = outreach.filter((m) => m.status === 'completed').at(-1);
  const failed = outreach.filter((m) => m.status === 'not-done' && (!lastReached || m.sent! > lastReached.sent!));
  const minAttempts = num(c.minAttempts, settings);
  const minDays = num(c.minDays, settings);
  const span = failed.length > 0 ? daysBetween(datePart(failed[0].sent)!, datePart(failed.at(-1)!.sent)!) : 0;
  const authorizations = evidence.serviceRequests.filter((s) => hasCoding(s.category ?? [], c.authorizationCategory));
  const authEnd = authorizations.map((s) => datePart(s.occurrencePeriod?.end)).filter((d): d is string => !!d).sort().at(-1);
  const authOpen = authorizations.some((s) => s.status === 'active' && (!s.occurrencePeriod?.end || datePart(s.occurrencePeriod.end)! >= date));
  const authBlocks = setting(settings, c.notBeforeAuthEnd.setting) === true && authOpen;
  const met = failed.length >= minAttempts && span >= minDays && !authBlocks;
  const sentence = `${failed.length} failed outreach attempts over ${span} days (threshold ${minAttempts} attempts over ${minDays} days)${authEnd ? `; the authorization ends ${authEnd}` : ''}${authBlocks ? ', not before the authorization ends (unresponsiveNotBeforeAuthEnd)' : ''}`;
  const refs = [...failed.map(ref), ...authorizations.map(ref)];
  return result(met, refs, refs, [sentence]);
}

function evaluatePriorEcm(c: Extract<Criterion, { kind: 'priorEcm' }>, input: EvaluationInput): CriterionResult {
  const { evidence, settings, valueSets, coverageStart } = input;
  if (!coverageStart) return result(false, [], [], ['no coverage start to look back from']);
  const lookback = setting(settings, c.lookback.setting) as { value: number; unit: 'days' | 'months' };
  const from = lookback.unit === 'days' ? daysBefore(coverageStart, lookback.value) : monthsBefore(coverageStart, lookback.value);
  const overlaps = (start?: string, end?: string) => (!start || start < coverageStart) && (!end || end >= from);
  const episodes = evidence.episodes.filter((e) => hasCoding(e.type ?? [], c.program) && overlaps(datePart(e.period?.start), datePart(e.period?.end)));
  const ecmOrgs = new Set(episodes.map((e) => e.managingOrganization?.reference).filter((r): r is string => !!r));
  // A service counts when its code is an ECM service code (ENC-HCPCS) or it was delivered by the
  // organization that managed the prior ECM enrollment, during that enrollment.
  const services = evidence.encounters.filter((e) => {
    const d = encounterDate(e);
    if (!d || d < from || d >= coverageStart) return false;
    if (valueSets.firstIn(c.serviceCodes, e.type ?? [])) return true;
    const org = e.serviceProvider?.reference;
    return !!org && ecmOrgs.has(org) && episodes.some((ep) => ep.managingOrganization?.reference === org && overlaps(datePart(ep.period?.start), datePart(ep.period?.end)) && (!ep.period?.start || d >= datePart(ep.period.start)!) && (!ep.period?.end || d <= datePart(ep.period.end)!));
  });
  const met = services.length > 0 || episodes.length > 0;
  const window = `${lookback.value} ${lookback.unit} before coverage start ${coverageStart}`;
  const what = [...services.map((e) => `ECM service ${encounterDate(e)}`), ...episodes.map((e) => `ECM enrollment ${e.period?.start ?? '?'} to ${e.period?.end ?? 'now'}`)].join(', ');
  return result(met, [...services.map(ref), ...episodes.map(ref)], [], [met ? `${what}: within ${window}` : `no ECM within ${window}`]);
}
