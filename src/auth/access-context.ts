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
  /**
   * Which rows of a resource type the interaction may touch: undefined = every row the type
   * check allows; otherwise only rows meeting one of the restrictions (an empty list: none).
   * The repository turns these into SQL on every read, search, include, chain, `_has`, history
   * and write (src/store/access/visibility-sql.ts), so no route can leak what a read denies.
   */
  rows?(interaction: Interaction, resourceType: string): readonly RowRestriction[] | undefined;
  /** The resource types some scope names explicitly (the others fall under `*` scopes). */
  readonly namedTypes?: readonly string[];
}

/** One way a row may be visible; every condition it sets must hold. */
export interface RowRestriction {
  /** In this patient's compartment (`patient/` scopes; a Patient user's `user/` scopes). */
  readonly patient?: string;
  /**
   * ECM tenancy: data of members these organizations care for (EpisodeOfCare, CareTeam or
   * attribution Group), Tasks they requested or own, data of members they referred who have an
   * active ROI consent (CONSENT-ROI), and resources outside every patient compartment. No
   * restriction when one of them is a health plan (Organization.type `pay`).
   */
  readonly organizations?: readonly string[];
  /** SMART v2 scope query constraints (token parameters), AND-ed. */
  readonly constraints?: readonly (readonly [string, string])[];
}

export const systemAccess: AccessContext = {
  actor: 'system',
  canRead: () => true,
  canWrite: () => true,
  allows: () => true,
};
