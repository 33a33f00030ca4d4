import type { Bundle, Resource } from '@medplum/fhirtypes';

/** Small builders for eligibility test members (each test gets its own ids). */
const B = 'https://ecm-fhir.example.org/fhir/CodeSystem';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

export class TestMember {
  readonly resources: Resource[] = [];
  private n = 0;
  constructor(readonly id: string, birthDate: string, coverage: { start?: string; end?: string; payor?: string } = {}) {
    this.resources.push(
      { resourceType: 'Patient', id, birthDate, gender: 'female' },
      { resourceType: 'Coverage', id: `${id}-cov`, status: 'active', beneficiary: { reference: `Patient/${id}` }, payor: [{ reference: coverage.payor ?? 'Organization/test-plan' }], period: { start: coverage.start ?? '2020-01-01', ...(coverage.end ? { end: coverage.end } : {}) } },
    );
  }
  private next(kind: string) {
    return `${this.id}-${kind}-${++this.n}`;
  }
  private get subject() {
    return { reference: `Patient/${this.id}` };
  }
  ed(date: string, opts: { marked?: boolean; reason?: string } = {}): string {
    const id = this.next('ed');
    this.resources.push({
      resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code: 'EMER' },
      ...(opts.marked === false ? {} : { type: [{ coding: [{ system: `${B}/ecm-utilization-marker`, code: 'avoidable' }] }] }),
      ...(opts.reason ? { reasonCode: [{ coding: [{ system: ICD, code: opts.reason }] }] } : {}),
      subject: this.subject, period: { start: `${date}T10:00:00-07:00` },
    });
    return `Encounter/${id}`;
  }
  stay(date: string): string {
    const id = this.next('stay');
    this.resources.push({
      resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code: 'IMP' },
      type: [{ coding: [{ system: `${B}/ecm-utilization-marker`, code: 'unplanned' }] }, { coding: [{ system: `${B}/ecm-utilization-marker`, code: 'avoidable' }] }],
      subject: this.subject, period: { start: date, end: date },
    });
    return `Encounter/${id}`;
  }
  dx(code: string, onset: string): string {
    const id = this.next('dx');
    this.resources.push({ resourceType: 'Condition', id, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] }, code: { coding: [{ system: ICD, code }] }, subject: this.subject, onsetDateTime: onset });
    return `Condition/${id}`;
  }
  obs(code: string, value: boolean | number, date = '2026-01-01', components?: string[]): string {
    const id = this.next('obs');
    this.resources.push({
      resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: `${B}/ecm-assessment`, code }] }, subject: this.subject, effectiveDateTime: date,
      ...(typeof value === 'boolean' ? { valueBoolean: value } : { valueInteger: value }),
      ...(components ? { component: components.map((c) => ({ code: { coding: [{ system: `${B}/ecm-assessment`, code: c }] }, valueBoolean: true })) } : {}),
    });
    return `Observation/${id}`;
  }
  program(codes: string[], start: string, end?: string, org?: string): string {
    const id = this.next('program');
    this.resources.push({
      resourceType: 'EpisodeOfCare', id, status: end ? 'finished' : 'active', type: [{ coding: codes.map((code) => ({ system: `${B}/ecm-program`, code })) }],
      patient: this.subject, period: { start, ...(end ? { end } : {}) }, ...(org ? { managingOrganization: { reference: org } } : {}),
    });
    return `EpisodeOfCare/${id}`;
  }
  failedOutreach(sent: string): string {
    const id = this.next('outreach');
    this.resources.push({ resourceType: 'Communication', id, status: 'not-done', category: [{ coding: [{ system: `${B}/ecm-category`, code: 'outreach' }] }], subject: this.subject, sent });
    return `Communication/${id}`;
  }
  /** An outpatient (class AMB) visit with no crisis or urgent-care type. */
  officeVisit(date: string): string {
    const id = this.next('office');
    this.resources.push({ resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code: 'AMB' }, subject: this.subject, period: { start: `${date}T09:00:00-07:00` } });
    return `Encounter/${id}`;
  }
  /** A crisis-intervention service for MH/SUD symptoms (marker ecm-utilization-marker#crisis-service). */
  crisisService(date: string): string {
    const id = this.next('crisis');
    this.resources.push({
      resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code: 'FLD' },
      type: [{ coding: [{ system: `${B}/ecm-utilization-marker`, code: 'crisis-service' }] }],
      subject: this.subject, period: { start: `${date}T22:00:00-07:00` },
    });
    return `Encounter/${id}`;
  }
  /** HHS criterion (e): housing is expected to be lost on `lossDate` (Observation Z59.811, valueDateTime). */
  housingLoss(lossDate: string, recorded = '2026-10-20'): string {
    const id = this.next('housing-loss');
    this.resources.push({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: ICD, code: 'Z59.811' }] }, subject: this.subject, effectiveDateTime: recorded, valueDateTime: lossDate });
    return `Observation/${id}`;
  }
  serviceByOrg(date: string, org: string): string {
    const id = this.next('service');
    this.resources.push({ resourceType: 'Encounter', id, status: 'finished', class: { system: ACT, code: 'AMB' }, subject: this.subject, period: { start: date }, serviceProvider: { reference: org } });
    return `Encounter/${id}`;
  }
  bundle(): Bundle {
    return { resourceType: 'Bundle', type: 'transaction', entry: this.resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })) };
  }
}
