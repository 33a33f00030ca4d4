import type { Resource } from '@medplum/fhirtypes';
import type { Interaction, ScopeSet } from './scopes.ts';

/**
 * Who is asking, and what they may touch. Every Repository call takes one, so no route can
 * forget access control. With authorization disabled (local development) the server runs with
 * `systemAccess`, which may read and write everything; otherwise src/auth/token-access.ts builds
 * one from the request's SMART access token.
 */
export interface AccessContext {
  /** Stable id of the actor for audit (client id, user reference, or "system"). Never patient data. */
  readonly actor: string;
  canRead(resourceType: string, resource?: Resource): boolean;
  canWrite(resourceType: string, resource?: Resource): boolean;
  /** Whether the granted scopes allow the interaction on the type (undefined = everything allowed). */
  allows?(interaction: Interaction, resourceType: string): boolean;
  /** The granted scopes (absent for `systemAccess`). */
  readonly scopes?: ScopeSet;
  /** Patient in context (id): `patient/` scopes are limited to this patient's compartment. */
  readonly patient?: string;
  /** Encounter in context (id), from an EHR launch. */
  readonly encounter?: string;
  /** The user's FHIR resource as a relative reference (Practitioner/123, Patient/456). */
  readonly fhirUser?: string;
  /** OAuth client the token was issued to. */
  readonly clientId?: string;
  /** Organizations (ids) the user or client acts for: ECM tenancy (issue 5 "Access control"). */
  readonly organizations?: readonly string[];
}

export const systemAccess: AccessContext = {
  actor: 'system',
  canRead: () => true,
  canWrite: () => true,
  allows: () => true,
};
