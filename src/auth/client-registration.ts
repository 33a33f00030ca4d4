import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthClient, ClientType } from '../store/auth-store.ts';
import { hashSecret } from './passwords.ts';
import { parseResourceScope } from './scopes.ts';

/** Thrown for an invalid registration (the admin API answers 400 invalid_request). */
export class RegistrationError extends Error {}

const CLIENT_TYPES: ClientType[] = ['public', 'confidential-symmetric', 'confidential-asymmetric'];

export interface ClientRegistration {
  client_id?: string;
  name?: string;
  type?: ClientType;
  redirect_uris?: string[];
  scope?: string;
  jwks?: { keys?: Record<string, unknown>[] };
  jwks_uri?: string;
  organization?: string;
}

/** Validates a registration; returns the client and, for confidential-symmetric, its new secret. */
export async function clientFromRegistration(r: ClientRegistration): Promise<{ client: AuthClient; secret?: string }> {
  if (!r || typeof r !== 'object') throw new RegistrationError('Send a JSON object');
  const type = r.type;
  if (!type || !CLIENT_TYPES.includes(type)) throw new RegistrationError(`type must be one of ${CLIENT_TYPES.join(', ')}`);
  const clientId = r.client_id ?? randomUUID();
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(clientId)) throw new RegistrationError('client_id may use letters, digits, ".", "_" and "-"');
  if (typeof r.scope !== 'string' || r.scope.trim() === '') throw new RegistrationError('scope (the largest scope the client may get) is required');
  const redirectUris = r.redirect_uris ?? [];
  if (!Array.isArray(redirectUris) || redirectUris.some((u) => typeof u !== 'string' || !/^https?:\/\/[^\s#]+$/.test(u))) {
    throw new RegistrationError('redirect_uris must be absolute http(s) URLs without fragment');
  }
  const scopes = r.scope.split(/\s+/).filter(Boolean);
  const system = scopes.some((s) => parseResourceScope(s)?.context === 'system');
  if (system && type !== 'confidential-asymmetric') throw new RegistrationError('system/ scopes are only for confidential-asymmetric (backend services) clients');
  if (type !== 'confidential-asymmetric' && redirectUris.length === 0) throw new RegistrationError('redirect_uris is required for this client type');
  if (type === 'confidential-asymmetric') {
    if (!r.jwks === !r.jwks_uri) throw new RegistrationError('Give exactly one of jwks (inline public keys) or jwks_uri');
    if (r.jwks && (!Array.isArray(r.jwks.keys) || r.jwks.keys.length === 0 || r.jwks.keys.some((k) => typeof k.kid !== 'string' || 'd' in k))) {
      throw new RegistrationError('jwks.keys must be public keys, each with a kid');
    }
    if (r.jwks_uri && !/^https?:\/\//.test(r.jwks_uri)) throw new RegistrationError('jwks_uri must be an http(s) URL');
  }
  const secret = type === 'confidential-symmetric' ? randomBytes(32).toString('base64url') : undefined;
  return {
    secret,
    client: {
      clientId,
      name: r.name ?? clientId,
      clientType: type,
      secretHash: secret ? await hashSecret(secret) : undefined,
      redirectUris,
      scope: scopes.join(' '),
      jwks: r.jwks as AuthClient['jwks'],
      jwksUri: r.jwks_uri,
      organization: r.organization,
    },
  };
}


/** A client as the admin API and CLI show it: never the secret hash. */
export function publicView(c: AuthClient): Record<string, unknown> {
  return {
    client_id: c.clientId,
    name: c.name,
    type: c.clientType,
    redirect_uris: c.redirectUris,
    scope: c.scope,
    ...(c.jwks ? { jwks: c.jwks } : {}),
    ...(c.jwksUri ? { jwks_uri: c.jwksUri } : {}),
    ...(c.organization ? { organization: c.organization } : {}),
  };
}
