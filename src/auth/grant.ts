import { parseResourceScope, scopeCovers, ScopeSet, type ScopeContext } from './scopes.ts';

/**
 * The scopes granted for a request: each requested scope the client's registered scope covers,
 * resource scopes limited to the contexts the grant type allows (no `system/` for users, only
 * `system/` for backend services). Scopes not covered are dropped (the token response says
 * what was granted); undefined when nothing remains.
 */
export function grantScopes(requested: string, registered: string, contexts: readonly ScopeContext[]): string | undefined {
  const allowed = new ScopeSet(registered).all;
  const granted = new ScopeSet(requested).all.filter((s) => {
    const resource = parseResourceScope(s);
    if (resource && !contexts.includes(resource.context)) return false;
    if (!resource && contexts.length === 1 && contexts[0] === 'system') return false;
    return allowed.some((a) => scopeCovers(a, s));
  });
  return granted.length > 0 ? granted.join(' ') : undefined;
}

/** Refresh may narrow but never widen (RFC 6749 §6): every requested scope covered by the original grant. */
export function narrowScopes(requested: string, original: string): string | undefined {
  const originalScopes = new ScopeSet(original).all;
  const wanted = new ScopeSet(requested).all;
  if (wanted.length === 0 || !wanted.every((s) => originalScopes.some((o) => scopeCovers(o, s)))) return undefined;
  return wanted.join(' ');
}

/** Whether a redirect_uri matches a registered one: exactly, except that a loopback registration may use `*` as port (RFC 8252 §7.3). */
export function redirectUriMatches(registered: string, given: string): boolean {
  if (registered === given) return true;
  const m = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\]):\*(\/.*)?$/.exec(registered);
  if (!m) return false;
  const g = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?(\/.*)?$/.exec(given);
  if (!g || g[1] !== m[1]) return false;
  return (g[3] ?? '/') === (m[2] ?? '/');
}
