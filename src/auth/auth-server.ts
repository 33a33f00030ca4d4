import type { ServerConfig } from '../config.ts';
import type { AuthStore } from '../store/auth-store.ts';
import type { ServerKeys } from './server-keys.ts';

/** Lifetimes, in seconds (issue 5: user access tokens ≤ 1 h, backend tokens ≤ 300 s). */
export const LIFETIME = {
  userAccessToken: 3600,
  backendAccessToken: 300,
  authorizationCode: 120,
  /** The signed authorization request carried by the login and patient-picker forms. */
  loginRequest: 600,
  launchContext: 3600,
  onlineRefreshToken: 8 * 3600,
  offlineRefreshToken: 90 * 24 * 3600,
  /** Largest `exp` ahead of now accepted on a client assertion (SMART Backend Services). */
  assertionMaxAhead: 300,
} as const;

/** Everything the authorization endpoints and the token check share. */
export interface AuthServer {
  config: ServerConfig;
  store: AuthStore;
  keys: ServerKeys;
  /** `iss` of our tokens and the OpenID issuer: the FHIR base URL. */
  issuer: string;
  /** `aud` our access tokens must carry: the FHIR base URL. */
  audience: string;
  urls: {
    authorize: string;
    token: string;
    introspect: string;
    revoke: string;
    launch: string;
    login: string;
    pickPatient: string;
    jwks: string;
    style: string;
    management: string;
  };
}

export function authServerUrls(baseUrl: string): AuthServer['urls'] {
  const origin = new URL(baseUrl).origin;
  return {
    authorize: `${origin}/auth/authorize`,
    token: `${origin}/auth/token`,
    introspect: `${origin}/auth/introspect`,
    revoke: `${origin}/auth/revoke`,
    launch: `${origin}/auth/launch`,
    login: `${origin}/auth/login`,
    pickPatient: `${origin}/auth/pick-patient`,
    jwks: `${origin}/.well-known/jwks.json`,
    style: `${origin}/auth/smart-style.json`,
    management: `${origin}/auth/admin/clients`,
  };
}
