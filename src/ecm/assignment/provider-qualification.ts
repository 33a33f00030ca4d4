import type { NetworkService } from './provider-network.ts';

/**
 * Why a provider cannot take the member (ASSIGN-PROVIDER-QUAL, NET-CAPACITY): the codes of
 * CodeSystem ecm-assign-rejection. `ranked-lower` and `overridden` are not failures: the provider
 * qualified but another one won (best fit) or the plan chose another (ASSIGN-OVERRIDE).
 */
export const REJECTIONS = [
  'not-ecm-provider',
  'inactive',
  'current-provider',
  'not-accepting',
  'no-pof-contract',
  'language',
  'no-capacity',
  'no-pof-capacity',
  'ranked-lower',
  'overridden',
] as const;
export type Rejection = (typeof REJECTIONS)[number];

export interface QualificationInput {
  /** The Populations of Focus the member is assigned under, in order of preference. */
  pofs: string[];
  /** The member's preferred language (primary subtag), if known. */
  language?: string;
  date: string;
  /** A default step (ji-prerelease ... pcp) needs a provider offering the member's language. */
  checkLanguage: boolean;
  /** ASSIGN-CHANGE: the provider the member is leaving. */
  currentProvider?: string;
}

export type Qualification = { qualified: true; pof: string } | { qualified: false; reason: Rejection };

function notAvailableOn(s: NetworkService, date: string): boolean {
  return (s.service.notAvailable ?? []).some((n) => {
    const start = n.during?.start?.slice(0, 10);
    const end = n.during?.end?.slice(0, 10);
    return (!start || start <= date) && (!end || date <= end) && (start !== undefined || end !== undefined);
  });
}

/** The first of the member's POFs the service is contracted for and has room under, or why none. */
function pofWithRoom(s: NetworkService, pofs: string[]): Qualification {
  const contracted = pofs.filter((p) => s.pofs.includes(p));
  if (contracted.length === 0) return { qualified: false, reason: 'no-pof-contract' };
  if (s.capacity !== undefined && s.capacity <= 0) return { qualified: false, reason: 'no-capacity' };
  const withRoom = contracted.find((p) => {
    const limit = s.pofCapacity.get(p);
    return !limit || limit.current < limit.max;
  });
  return withRoom ? { qualified: true, pof: withRoom } : { qualified: false, reason: 'no-pof-capacity' };
}

/**
 * ASSIGN-PROVIDER-QUAL for one ECM service on the assignment date, checks in a fixed order so
 * the reason given is the first that fails: active → not the provider being left → accepting
 * members (HealthcareService.notAvailable) → POF contract → language (default steps only) →
 * capacity left overall (ext-provider-capacity) and for a contracted POF (ext-pof-capacity).
 */
export function qualify(s: NetworkService, input: QualificationInput): Qualification {
  if (!s.service.active || s.organization?.active === false) return { qualified: false, reason: 'inactive' };
  if (input.currentProvider === s.provider) return { qualified: false, reason: 'current-provider' };
  if (notAvailableOn(s, input.date)) return { qualified: false, reason: 'not-accepting' };
  if (!input.pofs.some((p) => s.pofs.includes(p))) return { qualified: false, reason: 'no-pof-contract' };
  if (input.checkLanguage && input.language && !s.languages.includes(input.language)) return { qualified: false, reason: 'language' };
  return pofWithRoom(s, input.pofs);
}

/** Places left for ranking (no overall limit counts as unlimited). */
export function placesLeft(s: NetworkService): number {
  return s.capacity ?? Number.MAX_SAFE_INTEGER;
}
