import type { AccessContext, RowRestriction } from '../../auth/access-context.ts';
import { patientCompartmentParams, patientCompartmentTypes } from '../../auth/patient-compartment.ts';
import type { Interaction } from '../../auth/scopes.ts';
import type { Owner } from '../search/criterion-sql.ts';
import type { SqlParams } from '../search/sql-params.ts';

/**
 * Row-level access as SQL (issue 5 "Access control"). Given an access context and a resource
 * known by SQL expressions for its type and id, builds the condition under which the context may
 * see it. It is evaluated on the search index (rows exist only for current resources), so it
 * costs one EXISTS per restriction and applies the same way to reads, searches, includes, chain
 * and `_has` targets, history and writes. Returns undefined when the context sees every row.
 */
export function visibleSql(ctx: AccessContext, interaction: Interaction, owner: Owner, p: SqlParams, knownType?: string): string | undefined {
  if (!ctx.rows) return undefined;
  if (knownType) return restrictionsSql(ctx.rows(interaction, knownType), owner, p, knownType);
  // Type known only at run time (includes, system history): one branch per type a scope names,
  // and one for every other type (those fall under `*` scopes only).
  const named = ctx.namedTypes ?? [];
  const branches = named.map((type) => {
    const condition = restrictionsSql(ctx.rows?.(interaction, type), owner, p, type);
    return `(${owner.type} = ${p.add(type)}${condition ? ` AND ${condition}` : ''})`;
  });
  const others = restrictionsSql(ctx.rows(interaction, OTHER_TYPE), owner, p);
  const otherBranch = named.length > 0 ? `NOT (${owner.type} = ANY(${p.add(named)}::text[]))` : 'true';
  branches.push(`(${otherBranch}${others ? ` AND ${others}` : ''})`);
  return `(${branches.join(' OR ')})`;
}

/** A type name no scope names, so only `*` scopes match it. */
const OTHER_TYPE = '\u0000';

function restrictionsSql(restrictions: readonly RowRestriction[] | undefined, owner: Owner, p: SqlParams, knownType?: string): string | undefined {
  if (restrictions === undefined) return undefined;
  if (restrictions.length === 0) return 'false';
  return `(${restrictions.map((r) => restrictionSql(r, owner, p, knownType)).join(' OR ')})`;
}

function restrictionSql(r: RowRestriction, owner: Owner, p: SqlParams, knownType?: string): string {
  const conditions: string[] = [];
  const patient = r.patient;
  if (patient !== undefined) conditions.push(inPatientCompartment(owner, once(() => `${p.add([patient])}::text[]`), p, knownType));
  if (r.organizations) conditions.push(organizationSees(owner, r.organizations, p, knownType));
  for (const [param, value] of r.constraints ?? []) conditions.push(tokenConstraint(owner, param, value, p));
  return conditions.length > 0 ? `(${conditions.join(' AND ')})` : 'true';
}

/**
 * In the compartment of one of the patients `patients` (a SQL text[] expression or subquery
 * array): the Patient itself, a resource referencing one of them through a compartment
 * parameter (CompartmentDefinition patient), or a resource of a type outside every compartment
 * (Organization, Practitioner, Medication...: no patient data).
 */
function inPatientCompartment(owner: Owner, patientsSql: () => string, p: SqlParams, knownType?: string): string {
  const x = p.alias('v');
  if (knownType) {
    const params = patientCompartmentParams(knownType);
    if (knownType === 'Patient') {
      const patients = patientsSql();
      return `(${owner.id} = ANY((${patients})::text[]) OR EXISTS (SELECT 1 FROM search_reference ${x} WHERE ${x}.resource_type = 'Patient'
        AND ${x}.id = ${owner.id} AND ${x}.param = 'link' AND ${x}.target_type = 'Patient' AND ${x}.target_id = ANY((${patients})::text[])))`;
    }
    if (!params) return 'true';
    const patients = patientsSql();
    return `EXISTS (SELECT 1 FROM search_reference ${x} WHERE ${x}.resource_type = ${p.add(knownType)} AND ${x}.id = ${owner.id}
      AND ${x}.param = ANY(${p.add(params)}::text[]) AND ${x}.target_type = 'Patient' AND ${x}.target_id = ANY((${patients})::text[]))`;
  }
  const { types, params } = compartmentPairs();
  const c = p.alias('c');
  const patients = patientsSql();
  return `((${owner.type} = 'Patient' AND ${owner.id} = ANY((${patients})::text[]))
    OR NOT (${owner.type} = ANY(${p.add(patientCompartmentTypes())}::text[]))
    OR EXISTS (SELECT 1 FROM search_reference ${x} JOIN unnest(${p.add(types)}::text[], ${p.add(params)}::text[]) AS ${c}(t, param)
      ON ${c}.t = ${x}.resource_type AND ${c}.param = ${x}.param
      WHERE ${x}.resource_type = ${owner.type} AND ${x}.id = ${owner.id} AND ${x}.target_type = 'Patient' AND ${x}.target_id = ANY((${patients})::text[])))`;
}

let pairs: { types: string[]; params: string[] } | undefined;

/** Every (type, compartment parameter) pair of the Patient CompartmentDefinition, as two arrays. */
function compartmentPairs(): { types: string[]; params: string[] } {
  if (!pairs) {
    pairs = { types: [], params: [] };
    for (const type of patientCompartmentTypes()) {
      for (const param of patientCompartmentParams(type) ?? []) {
        pairs.types.push(type);
        pairs.params.push(param);
      }
    }
  }
  return pairs;
}

const ORGANIZATION_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';

/**
 * ECM tenancy for organizations `orgs`. Members they care for: EpisodeOfCare.managingOrganization
 * (`organization`) of a current episode, CareTeam.participant (`participant`) of a team not
 * inactive, or a Group listing the member (`member`) that names them as attributed provider
 * (ext-attributed-provider, `attributed-provider`) or managing entity (`managing-entity`). Members they referred (Task.requester) with an active ROI Consent whose provision.period
 * (`period`) covers now (CONSENT-ROI: nothing is shared outside its time frame).
 */
function organizationSees(owner: Owner, orgs: readonly string[], p: SqlParams, knownType?: string): string {
  const o = p.add(orgs);
  const planStaff = `EXISTS (SELECT 1 FROM search_token pl WHERE pl.resource_type = 'Organization' AND pl.id = ANY(${o}::text[])
    AND pl.param = 'type' AND pl.system = '${ORGANIZATION_TYPE}' AND pl.code = 'pay')`;
  const members = `ARRAY(
    SELECT m.target_id FROM search_reference g JOIN search_reference m ON m.resource_type = g.resource_type AND m.id = g.id
    WHERE g.target_type = 'Organization' AND g.target_id = ANY(${o}::text[]) AND m.target_type = 'Patient'
      AND ((g.resource_type = 'EpisodeOfCare' AND g.param = 'organization' AND m.param = 'patient'
            AND NOT EXISTS (SELECT 1 FROM search_token st WHERE st.resource_type = g.resource_type AND st.id = g.id AND st.param = 'status'
              AND st.code IN ('finished', 'cancelled', 'entered-in-error')))
        OR (g.resource_type = 'CareTeam' AND g.param = 'participant' AND m.param = 'patient'
            AND NOT EXISTS (SELECT 1 FROM search_token st WHERE st.resource_type = g.resource_type AND st.id = g.id AND st.param = 'status'
              AND st.code IN ('inactive', 'entered-in-error')))
        OR (g.resource_type = 'Group' AND g.param IN ('attributed-provider', 'managing-entity') AND m.param = 'member')
        OR (g.resource_type = 'Task' AND g.param = 'requester' AND m.param = 'patient' AND EXISTS (
              SELECT 1 FROM search_reference cp
              JOIN search_token cs ON cs.resource_type = 'Consent' AND cs.id = cp.id AND cs.param = 'status' AND cs.code = 'active'
              JOIN search_token cc ON cc.resource_type = 'Consent' AND cc.id = cp.id AND cc.param = 'category'
                AND cc.system = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-category' AND cc.code = 'roi'
              WHERE cp.resource_type = 'Consent' AND cp.param = 'patient' AND cp.target_type = 'Patient' AND cp.target_id = m.target_id
                AND NOT EXISTS (SELECT 1 FROM search_date cd WHERE cd.resource_type = 'Consent' AND cd.id = cp.id AND cd.param = 'period'
                  AND (cd.start_at > now() OR cd.end_at <= now()))))))`;
  const t = p.alias('t');
  const ownTask = knownType && knownType !== 'Task'
    ? 'false'
    : `(${owner.type} = 'Task' AND EXISTS (SELECT 1 FROM search_reference ${t} WHERE ${t}.resource_type = 'Task' AND ${t}.id = ${owner.id}
        AND ${t}.param IN ('requester', 'owner') AND ${t}.target_type = 'Organization' AND ${t}.target_id = ANY(${o}::text[])))`;
  return `(${planStaff} OR ${ownTask} OR ${inPatientCompartment(owner, () => members, p, knownType)})`;
}

/** A parameter added on first use only (PostgreSQL refuses bound parameters a statement does not use). */
function once(add: () => string): () => string {
  let sql: string | undefined;
  return () => (sql ??= add());
}

/** A v2 scope constraint `param=value` on a token parameter (`code`, `system|code` or `system|`). */
function tokenConstraint(owner: Owner, param: string, value: string, p: SqlParams): string {
  const k = p.alias('k');
  const bar = value.indexOf('|');
  const match = bar < 0
    ? `${k}.code = ${p.add(value)}`
    : [
        bar > 0 ? `${k}.system = ${p.add(value.slice(0, bar))}` : `${k}.system IS NULL`,
        ...(value.length > bar + 1 ? [`${k}.code = ${p.add(value.slice(bar + 1))}`] : []),
      ].join(' AND ');
  return `EXISTS (SELECT 1 FROM search_token ${k} WHERE ${k}.resource_type = ${owner.type} AND ${k}.id = ${owner.id}
    AND ${k}.param = ${p.add(param)} AND ${match})`;
}
