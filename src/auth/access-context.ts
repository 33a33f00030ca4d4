import type { Resource } from '@medplum/fhirtypes';

/**
 * Who is asking, and what they may touch. Every Repository call takes one, so no route can
 * forget access control. Until SMART authorization lands (issue 5) the server runs with
 * `systemAccess`, which may read and write everything.
 */
export interface AccessContext {
  /** Stable id of the actor for audit (client id, user reference, or "system"). Never patient data. */
  readonly actor: string;
  canRead(resourceType: string, resource?: Resource): boolean;
  canWrite(resourceType: string, resource?: Resource): boolean;
}

export const systemAccess: AccessContext = {
  actor: 'system',
  canRead: () => true,
  canWrite: () => true,
};
