import { newResourceId } from '../../fhir/resource-id.ts';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Reference } from '@medplum/fhirtypes';
import type { AccessContext } from '../access-context.ts';

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const CLIENT_ID_SYSTEM = 'https://ecm-fhir.example.org/sid/oauth-client';

/** One FHIR REST interaction as the audit sees it: what was asked of which resource, never a body. */
export interface AuditedInteraction {
  /** restful-interaction code (read, vread, update, patch, delete, history-*, create, search-*, operation, batch). */
  subtype: string;
  /** DICOM action: C create, R read, U update, D delete, E execute (search, operation, batch). */
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  /** The resource type the interaction addressed (undefined at system level). */
  resourceType?: string;
  /** Instance id when one resource was addressed. */
  id?: string;
  /** Operation name ($everything) when subtype is operation. */
  operation?: string;
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]+$/;

/**
 * Which REST interaction a request was (FHIR R4 http.html), from its method and the path segments
 * after the base; undefined for what is not audited: `metadata` and reads/searches of AuditEvent
 * itself (auditing those would feed the audit log with its own readers, in a loop).
 */
export function classifyInteraction(method: string, segments: readonly string[]): AuditedInteraction | undefined {
  const [first, second, third, fourth] = segments;
  const m = method === 'HEAD' ? 'GET' : method;
  if (first === undefined) return m === 'POST' ? { subtype: 'batch', action: 'E' } : undefined;
  if (first === 'metadata') return undefined;
  if (first.startsWith('$')) return { subtype: 'operation', action: 'E', operation: first };
  if (first === '_history') return { subtype: 'history-system', action: 'R' };
  if (first === '_search') return { subtype: 'search-system', action: 'E' };
  if (!RESOURCE_TYPE.test(first)) return undefined;
  const type = first;
  let result: AuditedInteraction | undefined;
  if (second === undefined) {
    result =
      m === 'GET' ? { subtype: 'search-type', action: 'E' }
      : m === 'POST' ? { subtype: 'create', action: 'C' }
      : m === 'PUT' ? { subtype: 'update', action: 'U' }
      : m === 'PATCH' ? { subtype: 'patch', action: 'U' }
      : m === 'DELETE' ? { subtype: 'delete', action: 'D' }
      : undefined;
  } else if (second === '_search') result = { subtype: 'search-type', action: 'E' };
  else if (second === '_history') result = { subtype: 'history-type', action: 'R' };
  else if (second.startsWith('$')) result = { subtype: 'operation', action: 'E', operation: second };
  else if (third === undefined) {
    result =
      m === 'GET' ? { subtype: 'read', action: 'R' }
      : m === 'PUT' ? { subtype: 'update', action: 'U' }
      : m === 'PATCH' ? { subtype: 'patch', action: 'U' }
      : m === 'DELETE' ? { subtype: 'delete', action: 'D' }
      : undefined;
    if (result) result.id = second;
  } else if (third === '_history') result = { subtype: fourth === undefined ? 'history-instance' : 'vread', action: 'R', id: second };
  else if (third.startsWith('$')) result = { subtype: 'operation', action: 'E', operation: third, id: second };
  if (!result) return undefined;
  if (type === 'AuditEvent' && (result.action === 'R' || result.action === 'E')) return undefined;
  return { ...result, resourceType: type };
}

/** DICOM outcome: 0 success, 4 minor failure (refused or bad request), 8 serious failure (server error). */
export function outcomeFor(status: number): '0' | '4' | '8' {
  return status < 400 ? '0' : status < 500 ? '4' : '8';
}

export interface AuditInput {
  interaction: AuditedInteraction;
  status: number;
  /** Set when the request carried a valid token. */
  access?: AccessContext;
  /** Caller's network address. */
  address?: string;
  /** The raw query string of a search (kept base64 in entity.query, as R4 AuditEvent.entity.query says). */
  query?: string;
  recorded: Date;
}

/**
 * The AuditEvent of one REST interaction (R4 AuditEvent; "Restful Operation" type, restful-interaction
 * subtype). It names who (user and client), what (the reference, the search query) and the outcome;
 * it never copies a resource body.
 */
export function auditEventFor(input: AuditInput): AuditEvent & { id: string } {
  const { interaction: i, access } = input;
  const network = input.address ? { address: input.address, type: '2' as const } : undefined;
  const agents: AuditEventAgent[] = [];
  if (access?.fhirUser) agents.push({ who: { reference: access.fhirUser }, requestor: true, ...(network ? { network } : {}) });
  if (access?.clientId) {
    agents.push({
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: access.clientId } },
      requestor: !access.fhirUser,
      ...(!access.fhirUser && network ? { network } : {}),
    });
  }
  if (agents.length === 0) agents.push({ who: { display: access ? access.actor : 'unauthenticated' }, requestor: true, ...(network ? { network } : {}) });

  const entities: AuditEventEntity[] = [];
  if (i.resourceType && i.id) entities.push({ what: { reference: `${i.resourceType}/${i.id}` } });
  else if (i.resourceType) entities.push({ what: { type: i.resourceType as NonNullable<Reference['type']> } });
  if (input.query && i.action === 'E') {
    const query = Buffer.from(input.query).toString('base64');
    if (entities.length > 0) entities[0].query = query;
    else entities.push({ query });
  }
  if (access?.patient && !(i.resourceType === 'Patient' && i.id === access.patient)) {
    // The patient in context, so an auditor can find everything done under a patient-scoped token.
    entities.push({ what: { reference: `Patient/${access.patient}` }, role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' } });
  }
  return {
    resourceType: 'AuditEvent',
    id: newResourceId(),
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: RESTFUL_INTERACTION, code: i.subtype }],
    action: i.action,
    recorded: input.recorded.toISOString(),
    outcome: outcomeFor(input.status),
    ...(input.status >= 400 ? { outcomeDesc: `HTTP ${input.status}${i.operation ? ` ${i.operation}` : ''}` } : i.operation ? { outcomeDesc: i.operation } : {}),
    agent: agents,
    source: { observer: { display: 'ECM FHIR server' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    ...(entities.length > 0 ? { entity: entities } : {}),
  };
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/**
 * The AuditEvent of a refused token request (DICOM "User Authentication" / "Login", outcome 4):
 * a wrong PKCE verifier, a replayed or badly signed client assertion, an unknown client... It
 * names the client id the caller claimed and the OAuth error code, never a credential.
 */
export function tokenFailureEventFor(input: { clientId?: string; error: string; status: number; address?: string; recorded: Date }): AuditEvent & { id: string } {
  const network = input.address ? { address: input.address, type: '2' as const } : undefined;
  return {
    resourceType: 'AuditEvent',
    id: newResourceId(),
    type: { system: DCM, code: '110114', display: 'User Authentication' },
    subtype: [{ system: DCM, code: '110122', display: 'Login' }],
    action: 'E',
    recorded: input.recorded.toISOString(),
    outcome: outcomeFor(input.status),
    outcomeDesc: `HTTP ${input.status} ${input.error}`,
    agent: [
      {
        who: input.clientId ? { identifier: { system: CLIENT_ID_SYSTEM, value: input.clientId } } : { display: 'unknown client' },
        requestor: true,
        ...(network ? { network } : {}),
      },
    ],
    source: { observer: { display: 'ECM FHIR server' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
  };
}
