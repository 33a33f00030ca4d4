import type { EpisodeOfCare } from '@medplum/fhirtypes';
import { isLocalDate, localDateOf } from '../calendar/local-dates.ts';
import type { EligibilityDecision } from '../eligibility/evaluate-eligibility.ts';

/** The Population of Focus of members transitioning from incarceration (ELIG-A-JI, ELIG-C-JI). */
export const JI_POF = 'incarceration-transition';

/**
 * AUTH-JI-RETRO, JI-START: the release date an authorization of a JI member starts on. It is the
 * end of the incarceration enrollment (EpisodeOfCare of program incarceration / youth-incarceration)
 * that $ecm-eligibility counted for the JI Population of Focus on the decision date: the same
 * evidence the eligibility rules read, so both agree on who is a JI member. The latest such end
 * wins; a release still ahead (a planned end) counts too. Undefined when the member is not in the
 * JI POF or no counted enrollment has an end (pre-release, release date unknown).
 */
export function jiReleaseDate(eligibility: EligibilityDecision, episodes: EpisodeOfCare[]): string | undefined {
  const ji = eligibility.populations.find((p) => p.code === JI_POF && p.met);
  if (!ji) return undefined;
  const counted = new Set(ji.evidence);
  return episodes
    .filter((e) => counted.has(`EpisodeOfCare/${e.id}`))
    .map((e) => releaseDay(e.period?.end))
    .filter((d): d is string => d !== undefined)
    .sort()
    .at(-1);
}

function releaseDay(end: string | undefined): string | undefined {
  if (!end) return undefined;
  if (isLocalDate(end)) return end;
  try {
    return localDateOf(end);
  } catch {
    return undefined; // a partial date (year or year-month) names no day
  }
}
