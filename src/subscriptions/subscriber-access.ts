import { type AccessContext, systemAccess } from '../auth/access-context.ts';
import { accessFromClaims } from '../auth/token-access.ts';

/**
 * The access of the client that wrote a Subscription, kept with it (subscription_registry.access):
 * a subscriber is sent only what this context may read, checked by the Repository on every match
 * and every resource sent. Only the token's claims are kept (no token), so the context is rebuilt
 * exactly as src/auth/token-access.ts builds it for a request.
 */
export type StoredAccess =
  | { kind: 'system' }
  /** Unknown writer (a registry row the worker wrote first): sees nothing. */
  | { kind: 'none' }
  | {
      kind: 'token';
      actor: string;
      scope: string;
      clientId: string;
      organization?: string;
      patient?: string;
      encounter?: string;
      fhirUser?: string;
    };

/** The actor of the delivery worker's own writes (status active/error): they keep the stored access. */
export const SUBSCRIPTION_WORKER_ACTOR = 'system:subscription-delivery';

export const subscriptionWorkerAccess: AccessContext = { ...systemAccess, actor: SUBSCRIPTION_WORKER_ACTOR };

/** What to keep of a writer's context. A context without scopes is the server's own (or auth off). */
export function storedAccessOf(ctx: AccessContext): StoredAccess {
  if (!ctx.scopes) return { kind: 'system' };
  return {
    kind: 'token',
    actor: ctx.actor,
    scope: ctx.scopes.toString(),
    clientId: ctx.clientId ?? '',
    ...(ctx.organizations?.[0] ? { organization: ctx.organizations[0] } : {}),
    ...(ctx.patient ? { patient: ctx.patient } : {}),
    ...(ctx.encounter ? { encounter: ctx.encounter } : {}),
    ...(ctx.fhirUser ? { fhirUser: ctx.fhirUser } : {}),
  };
}

const noAccess: AccessContext = { actor: 'none', canRead: () => false, canWrite: () => false, rows: () => [] };

/** The context a subscription's notifications are matched and read under (from the stored JSON). */
export function accessOfStored(value: unknown): AccessContext {
  const stored = value as StoredAccess | null;
  if (stored?.kind === 'system') return systemAccess;
  if (stored?.kind !== 'token' || typeof stored.scope !== 'string') return noAccess;
  return accessFromClaims({
    // Claims accessFromClaims does not read: the token itself is not kept.
    iss: '',
    aud: '',
    sub: stored.actor,
    jti: '',
    exp: 0,
    iat: 0,
    client_id: stored.clientId,
    scope: stored.scope,
    ...(stored.organization ? { org: stored.organization } : {}),
    ...(stored.patient ? { patient: stored.patient } : {}),
    ...(stored.encounter ? { encounter: stored.encounter } : {}),
    ...(stored.fhirUser ? { fhirUser: stored.fhirUser } : {}),
  });
}
