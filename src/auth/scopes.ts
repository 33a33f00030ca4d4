/**
 * SMART on FHIR scopes (App Launch 2.0 "Scopes and Launch Context"): v1 `patient/*.read`,
 * `user/Task.write`, `*.*`, and v2 `patient/Task.rs`, `user/*.cruds`, `system/Group.rs` with
 * optional query constraints `patient/Observation.rs?category=...`.
 */

export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';
export type ScopeContext = 'patient' | 'user' | 'system';

export interface ResourceScope {
  /** The scope as written. */
  text: string;
  context: ScopeContext;
  /** A resource type or `*`. */
  resourceType: string;
  permissions: ReadonlySet<Interaction>;
  /** v2 query constraints (search parameters the data must match); empty = none. */
  constraints: [string, string][];
  version: 1 | 2;
}

const V2_ORDER = 'cruds';
const V1_PERMISSIONS: Record<string, Interaction[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/;

/** Parses one resource scope; undefined for anything else (openid, launch, offline_access, ...). */
export function parseResourceScope(text: string): ResourceScope | undefined {
  // `*.*`, a v1 shorthand some older clients send, means `user/*.*`.
  const m = RESOURCE_SCOPE.exec(text === '*.*' ? 'user/*.*' : text);
  if (!m) return undefined;
  const [, context, resourceType, perms, query] = m;
  const v1 = V1_PERMISSIONS[perms];
  if (v1) {
    if (query) return undefined; // v1 scopes have no query constraints
    return { text, context: context as ScopeContext, resourceType, permissions: new Set(v1), constraints: [], version: 1 };
  }
  // v2: a non-empty subsequence of "cruds", in that order
  let at = 0;
  for (const ch of perms) {
    const i = V2_ORDER.indexOf(ch, at);
    if (i < 0) return undefined;
    at = i + 1;
  }
  const constraints = query ? [...new URLSearchParams(query.slice(1)).entries()] : [];
  if (query && constraints.length === 0) return undefined;
  return { text, context: context as ScopeContext, resourceType, permissions: new Set(perms as unknown as Iterable<Interaction>), constraints, version: 2 };
}

/** Whether `granted` covers everything `requested` asks for (same context, type and permissions at least). */
export function scopeCovers(granted: string, requested: string): boolean {
  if (granted === requested) return true;
  const g = parseResourceScope(granted);
  const r = parseResourceScope(requested);
  if (!g || !r || g.context !== r.context) return false;
  if (g.resourceType !== '*' && g.resourceType !== r.resourceType) return false;
  for (const p of r.permissions) if (!g.permissions.has(p)) return false;
  // A constrained grant covers only requests with at least the same constraints.
  return g.constraints.every(([k, v]) => r.constraints.some(([k2, v2]) => k === k2 && v === v2));
}

export class ScopeSet {
  readonly all: readonly string[];
  readonly resourceScopes: readonly ResourceScope[];

  constructor(scope: string) {
    this.all = [...new Set(scope.split(/\s+/).filter((s) => s.length > 0))];
    this.resourceScopes = this.all.map(parseResourceScope).filter((s): s is ResourceScope => s !== undefined);
  }

  has(scope: string): boolean {
    return this.all.includes(scope);
  }

  toString(): string {
    return this.all.join(' ');
  }

  /** The scopes that allow the interaction on the resource type. */
  matching(interaction: Interaction, resourceType: string): ResourceScope[] {
    return this.resourceScopes.filter(
      (s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(interaction),
    );
  }

  /** Whether some scope allows the interaction on the resource type (maybe under constraints). */
  allows(interaction: Interaction, resourceType: string): boolean {
    return this.matching(interaction, resourceType).length > 0;
  }

  /** Whether some scope allows any interaction at all on the resource type. */
  allowsAny(resourceType: string): boolean {
    return this.resourceScopes.some((s) => s.resourceType === '*' || s.resourceType === resourceType);
  }

  /**
   * The query constraints the data must satisfy for the interaction: undefined when some
   * matching scope is unconstrained, else one alternative (AND-ed parameters) per scope, OR-ed.
   */
  constraints(interaction: Interaction, resourceType: string): [string, string][][] | undefined {
    const scopes = this.matching(interaction, resourceType);
    if (scopes.length === 0) return [];
    if (scopes.some((s) => s.constraints.length === 0)) return undefined;
    return scopes.map((s) => s.constraints);
  }

  /** The contexts (patient/user/system) the resource scopes are in. */
  contexts(): Set<ScopeContext> {
    return new Set(this.resourceScopes.map((s) => s.context));
  }
}
