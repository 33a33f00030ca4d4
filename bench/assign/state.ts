/**
 * What the assignment run left in the database, read back with SQL, and whether it adds up: one
 * enrollment per assigned member, every member in exactly one attribution Group entry, one place
 * of capacity used per assignment, every assigned authorization with its performer.
 */
import { EXT } from '../../src/ecm/assignment/vocabulary.ts';
import { withClient } from '../bench-database.ts';
import { CAPACITY } from './dataset.ts';

export interface GroupState {
  id: string;
  provider: string;
  members: number;
  bytes: number;
  versions: number;
}

export interface AssignmentState {
  episodes: number;
  patientsWithEpisode: number;
  careTeams: number;
  communications: number;
  provenances: number;
  requestsWithPerformer: number;
  capacityUsed: number;
  groups: GroupState[];
  /** Sizes of what the run wrote (current versions and history). */
  historyBytes: number;
  /** Why the state does not match `assigned` successful answers (empty when it does). */
  problems: string[];
}

export async function readAssignmentState(url: string, assigned: number): Promise<AssignmentState> {
  return withClient(url, async (c) => {
    const count = async (sql: string, params: unknown[] = []) => Number((await c.query<{ n: string }>(sql, params)).rows[0].n);
    const episodes = await count("SELECT count(*) AS n FROM resource WHERE resource_type = 'EpisodeOfCare' AND NOT deleted");
    const patientsWithEpisode = await count("SELECT count(DISTINCT content::jsonb->'patient'->>'reference') AS n FROM resource WHERE resource_type = 'EpisodeOfCare' AND NOT deleted");
    const careTeams = await count("SELECT count(*) AS n FROM resource WHERE resource_type = 'CareTeam' AND NOT deleted");
    const communications = await count("SELECT count(*) AS n FROM resource WHERE resource_type = 'Communication' AND NOT deleted");
    const provenances = await count("SELECT count(*) AS n FROM resource WHERE resource_type = 'Provenance' AND NOT deleted");
    const requestsWithPerformer = await count(
      "SELECT count(*) AS n FROM resource WHERE resource_type = 'ServiceRequest' AND id LIKE 'bench-m-%' AND NOT deleted AND content::jsonb ? 'performer'",
    );
    const capacityUsed = await count(
      `SELECT coalesce(sum($1::int - (jsonb_path_query_first(content::jsonb, '$.extension[*] ? (@.url == $u).valueInteger', jsonb_build_object('u', $2::text)))::int), 0) AS n
       FROM resource WHERE resource_type = 'HealthcareService' AND NOT deleted`,
      [CAPACITY, EXT.providerCapacity],
    );
    const groups = (await c.query<{ id: string; provider: string | null; members: number; bytes: number; versions: number }>(
      `SELECT id, version_id AS versions, length(content) AS bytes,
              jsonb_array_length(coalesce(content::jsonb->'member', '[]'::jsonb)) AS members,
              jsonb_path_query_first(content::jsonb, '$.extension[*] ? (@.url == $u).valueReference.reference', jsonb_build_object('u', $1::text)) #>> '{}' AS provider
       FROM resource WHERE resource_type = 'Group' AND NOT deleted ORDER BY members DESC, id`,
      [EXT.attributedProvider],
    )).rows.map((g) => ({ id: g.id, provider: g.provider ?? '?', members: Number(g.members), bytes: Number(g.bytes), versions: Number(g.versions) }));
    const historyBytes = await count("SELECT coalesce(sum(length(content)), 0) AS n FROM resource_history WHERE resource_type = 'Group'");
    const problems: string[] = [];
    const expect = (what: string, n: number) => {
      if (n !== assigned) problems.push(`${what}: ${n}, expected ${assigned} (one per successful $ecm-assign)`);
    };
    expect('EpisodeOfCare (ecm-enrollment)', episodes);
    expect('members with an EpisodeOfCare', patientsWithEpisode);
    expect('attribution Group entries', groups.reduce((s, g) => s + g.members, 0));
    expect('places of capacity used', capacityUsed);
    expect('authorizations with a performer', requestsWithPerformer);
    return { episodes, patientsWithEpisode, careTeams, communications, provenances, requestsWithPerformer, capacityUsed, groups, historyBytes, problems };
  });
}
