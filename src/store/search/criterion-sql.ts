import type { NumberValue, QuantityValue, SearchCriterion, IndexedParamType } from '../../fhir/search/criteria.ts';
import type { DateValue } from '../../fhir/search/date-prefix.ts';
import { INDEX_TABLES } from '../indexing/index-tables.ts';
import { escapeLike, type SqlParams } from './sql-params.ts';

/**
 * The resource a criterion is evaluated on, as SQL expressions: its type and id, and the alias
 * of its `resource` row when one is joined (chains and `_has` evaluate on index rows alone:
 * index rows exist only for current, non-deleted versions).
 */
export interface Owner {
  type: string;
  id: string;
  row?: string;
}

/**
 * Row-level access as SQL for a resource, of a known type or not (src/store/access/
 * visibility-sql.ts); undefined = every row. Chain targets and `_has` sources must be visible
 * too, or a search would reveal them.
 */
export type Visibility = (owner: Owner, p: SqlParams, knownType?: string) => string | undefined;

/** A criterion as a SQL condition on `owner` (search.html semantics per parameter type). */
export function criterionSql(c: SearchCriterion, owner: Owner, p: SqlParams, visible?: Visibility): string {
  switch (c.kind) {
    case 'id': {
      const condition = `${owner.id} = ANY(${p.add(c.ids)}::text[])`;
      return c.not ? `NOT (${condition})` : condition;
    }
    case 'lastUpdated': {
      if (!owner.row) return onRow(c, owner, p);
      const column = `${owner.row}.last_updated`;
      return any(c.values.map((v) => instantCondition(column, v, p)));
    }
    case 'token':
    case 'tokenText':
    case 'string':
    case 'date':
    case 'number':
    case 'quantity':
    case 'uri':
    case 'reference': {
      const m = indexMatch(c, p)!;
      const exists = indexExists(m.table, m.alias, m.param, owner, p, m.condition);
      return c.kind === 'token' && c.not ? `NOT ${exists}` : exists;
    }
    case 'missing': {
      const m = p.alias('m');
      const exists = indexExists(INDEX_TABLES[c.paramType as IndexedParamType].table, m, c.param, owner, p, 'true');
      return c.missing ? `NOT ${exists}` : exists;
    }
    case 'chain': {
      const x = p.alias('x');
      const targets = c.targets.map(
        ({ type, criterion }) => {
          const target = { type: `${x}.target_type`, id: `${x}.target_id` };
          const access = visible?.(target, p, type);
          return `(${x}.target_type = ${p.add(type)} AND ${criterionSql(criterion, target, p, visible)}${access ? ` AND ${access}` : ''})`;
        },
      );
      return indexExists('search_reference', x, c.param, owner, p, any(targets));
    }
    case 'has': {
      const x = p.alias('x');
      const source = { type: `${x}.resource_type`, id: `${x}.id` };
      const inner = criterionSql(c.criterion, source, p, visible);
      const access = visible?.(source, p, c.sourceType);
      return `EXISTS (SELECT 1 FROM search_reference ${x} WHERE ${x}.resource_type = ${p.add(c.sourceType)} AND ${x}.param = ${p.add(c.param)}
        AND ${x}.target_id = ${owner.id} AND ${x}.target_type = ${owner.type} AND ${inner}${access ? ` AND ${access}` : ''})`;
    }
    case 'compartment': {
      const x = p.alias('x');
      return `EXISTS (SELECT 1 FROM search_reference ${x} WHERE ${x}.resource_type = ${owner.type} AND ${x}.id = ${owner.id}
        AND ${x}.param = ANY(${p.add(c.params)}::text[]) AND ${x}.target_id = ${p.add(c.targetId)} AND ${x}.target_type = ${p.add(c.targetType)})`;
    }
    case 'tokenIn':
      return tokenInSql(c, owner, p);
    case 'list':
      return listSql(c, owner, p, visible);
    case 'composite':
      return any(c.alternatives.map((parts) => `(${parts.map((part) => criterionSql(part, owner, p, visible)).join(' AND ')})`));
  }
}

/** A criterion answered by rows of one index table: the table, its alias, the param, the condition on a row. */
export interface IndexMatch {
  table: string;
  alias: string;
  param: string;
  condition: string;
}

/**
 * The index rows matching a value criterion (search.html semantics per parameter type), for an
 * EXISTS on its owner or to enumerate the matching ids; undefined for other kinds. A token's
 * `:not` is the caller's (this is the positive match).
 */
export function indexMatch(c: SearchCriterion, p: SqlParams): IndexMatch | undefined {
  switch (c.kind) {
    case 'token': {
      const t = p.alias('t');
      const alternatives = c.values.map((v) => {
        const parts: string[] = [];
        // left(...) matches the index expression (migration 001); the full comparison keeps it exact.
        if (v.code !== undefined) parts.push(codeCondition(`${t}.code`, v.code, p));
        if (v.system !== undefined) {
          if (v.system === '') parts.push(`${t}.system IS NULL`);
          else {
            const system = p.add(v.system);
            parts.push(`left(${t}.system, 200) = left(${system}, 200) AND ${t}.system = ${system}`);
          }
        }
        return parts.length > 0 ? `(${parts.join(' AND ')})` : `${t}.code IS NOT NULL`;
      });
      return { table: 'search_token', alias: t, param: c.param, condition: any(alternatives) };
    }
    case 'tokenText': {
      const t = p.alias('t');
      return { table: 'search_token', alias: t, param: c.param, condition: any(c.values.map((v) => `${t}.display LIKE ${p.add(`${escapeLike(v)}%`)}`)) };
    }
    case 'string': {
      const s = p.alias('s');
      const alternatives = c.values.map((v) => {
        if (c.mode === 'exact') return `${s}.exact = ${p.add(v)}`;
        if (c.mode === 'contains') return `${s}.value LIKE ${p.add(`%${escapeLike(v)}%`)}`;
        // the left(..., 100) prefix is what the index holds (migrations 003, 011); PostgreSQL's
        // left() counts characters, so a prefix of at most 100 code points is matched exactly
        const chars = Array.from(v);
        const head = `left(${s}.value, 100) LIKE ${p.add(`${escapeLike(chars.slice(0, 100).join(''))}%`)}`;
        return chars.length <= 100 ? head : `${head} AND ${s}.value LIKE ${p.add(`${escapeLike(v)}%`)}`;
      });
      return { table: 'search_string', alias: s, param: c.param, condition: any(alternatives) };
    }
    case 'date': {
      const d = p.alias('d');
      return { table: 'search_date', alias: d, param: c.param, condition: any(c.values.map((v) => rangeCondition(`${d}.start_at`, `${d}.end_at`, v, p))) };
    }
    case 'number': {
      const n = p.alias('n');
      return { table: 'search_number', alias: n, param: c.param, condition: any(c.values.map((v) => numberCondition(`${n}.value`, v, p))) };
    }
    case 'quantity': {
      const q = p.alias('q');
      return { table: 'search_quantity', alias: q, param: c.param, condition: any(c.values.map((v) => quantityCondition(q, v, p))) };
    }
    case 'uri': {
      const u = p.alias('u');
      const alternatives = c.values.map((v) => {
        if (c.mode === 'below') return `${u}.uri LIKE ${p.add(`${escapeLike(v)}%`)}`;
        if (c.mode === 'above') return `${u}.uri = ANY(${p.add(uriPrefixes(v))}::text[])`;
        const value = p.add(v);
        return `left(${u}.uri, 200) = left(${value}, 200) AND ${u}.uri = ${value}`;
      });
      return { table: 'search_uri', alias: u, param: c.param, condition: any(alternatives) };
    }
    case 'reference': {
      const x = p.alias('x');
      const alternatives = c.values.map((v) => {
        if (v.url !== undefined) {
          const url = p.add(v.url);
          return `(left(${x}.url, 200) = left(${url}, 200) AND ${x}.url = ${url})`;
        }
        const parts = [`${x}.target_id = ${p.add(v.targetId)}`];
        if (v.targetType !== undefined) parts.push(`${x}.target_type = ${p.add(v.targetType)}`);
        return `(${parts.join(' AND ')})`;
      });
      return { table: 'search_reference', alias: x, param: c.param, condition: any(alternatives) };
    }
    default:
      return undefined;
  }
}

/**
 * `:in` / `:not-in` (search.html#token): a token row whose (system, code) is in the expansion,
 * bound as two parallel arrays and matched as a set, so one condition whatever its size. A row
 * stored without a system (a FHIR `code` element such as `status`, its system implied by the
 * element's binding) matches on its code alone. `:not-in` = no such row, like `:not`.
 */
function tokenInSql(c: Extract<SearchCriterion, { kind: 'tokenIn' }>, owner: Owner, p: SqlParams): string {
  const t = p.alias('t');
  const v = p.alias('v');
  const codes = p.add(c.codes);
  const inExpansion = `(${t}.system, ${t}.code) IN (SELECT ${v}.system, ${v}.code FROM unnest(${p.add(c.systems)}::text[], ${codes}::text[]) AS ${v}(system, code))
      OR (${t}.system IS NULL AND ${t}.code = ANY(${codes}::text[]))`;
  const exists = indexExists('search_token', t, c.param, owner, p, inExpansion);
  return c.not ? `NOT ${exists}` : exists;
}

/**
 * `_list=[id]` (search.html#list): a List with that id refers to the resource through `item`
 * (List.entry.item). The List must be visible to the caller too, as a `_has` source must.
 */
function listSql(c: Extract<SearchCriterion, { kind: 'list' }>, owner: Owner, p: SqlParams, visible?: Visibility): string {
  const l = p.alias('l');
  const access = visible?.({ type: `${l}.resource_type`, id: `${l}.id` }, p, 'List');
  return `EXISTS (SELECT 1 FROM search_reference ${l} WHERE ${l}.resource_type = 'List' AND ${l}.id = ANY(${p.add(c.ids)}::text[])
    AND ${l}.param = 'item' AND ${l}.target_id = ${owner.id} AND ${l}.target_type = ${owner.type}${access ? ` AND ${access}` : ''})`;
}

/** A row-level criterion (`_lastUpdated`) on an owner known only by type and id. */
function onRow(c: SearchCriterion, owner: Owner, p: SqlParams): string {
  const r = p.alias('r');
  return `EXISTS (SELECT 1 FROM resource ${r} WHERE ${r}.resource_type = ${owner.type} AND ${r}.id = ${owner.id} AND ${criterionSql(c, { ...owner, row: r }, p)})`;
}

/**
 * A token code equal to `code`, on the index expression left(code, 200) (migration 004). A code
 * shorter than 200 characters equals only a stored code whose first 200 are the code itself, so
 * the index decides alone (no table read); a longer one also compares the whole stored code.
 */
export function codeCondition(column: string, code: string, p: SqlParams): string {
  if (code.length < 200) return `left(${column}, 200) = ${p.add(code)}`;
  const value = p.add(code);
  return `left(${column}, 200) = left(${value}, 200) AND ${column} = ${value}`;
}

function indexExists(table: string, alias: string, param: string, owner: Owner, p: SqlParams, condition: string): string {
  return `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.resource_type = ${owner.type} AND ${alias}.id = ${owner.id}
    AND ${alias}.param = ${p.add(param)} AND (${condition}))`;
}

function any(conditions: string[]): string {
  return conditions.length === 1 ? conditions[0] : `(${conditions.join(' OR ')})`;
}

/**
 * A prefixed date range against a stored range [start, end) (search.html#prefix): eq = the
 * search range contains the value's, gt/lt = the value's range extends beyond it, ge/le = it
 * overlaps or extends beyond, sa/eb = it lies wholly after/before, ap = the ranges overlap.
 */
function rangeCondition(start: string, end: string, v: DateValue, p: SqlParams): string {
  // bound only where used: an unused parameter is an error on PostgreSQL
  const s = () => `${p.add(v.start)}::timestamptz`;
  const e = () => `${p.add(v.end)}::timestamptz`;
  switch (v.prefix) {
    case 'ne':
      return `NOT (${start} >= ${s()} AND ${end} <= ${e()})`;
    case 'gt':
      return `${end} > ${e()}`;
    case 'lt':
      return `${start} < ${s()}`;
    case 'ge':
      return `${end} > ${s()}`;
    case 'le':
      return `${start} < ${e()}`;
    case 'sa':
      return `${start} >= ${e()}`;
    case 'eb':
      return `${end} <= ${s()}`;
    case 'ap':
      return `(${start} < ${e()} AND ${end} > ${s()})`;
    default:
      return `(${start} >= ${s()} AND ${end} <= ${e()})`;
  }
}

/** The same prefixes on a stored instant (`_lastUpdated`): its range is a single point. */
export function instantCondition(column: string, v: DateValue, p: SqlParams): string {
  const s = () => `${p.add(v.start)}::timestamptz`;
  const e = () => `${p.add(v.end)}::timestamptz`;
  switch (v.prefix) {
    case 'ne':
      return `NOT (${column} >= ${s()} AND ${column} < ${e()})`;
    case 'gt':
    case 'sa':
      return `${column} >= ${e()}`;
    case 'lt':
    case 'eb':
      return `${column} < ${s()}`;
    case 'ge':
      return `${column} >= ${s()}`;
    case 'le':
      return `${column} < ${e()}`;
    default:
      return `(${column} >= ${s()} AND ${column} < ${e()})`;
  }
}

/** search.html#number: eq/ne use the range the value's precision implies; ap is ±10%. */
function numberCondition(column: string, v: NumberValue, p: SqlParams): string {
  const n = (x: number) => `${p.add(String(x))}::numeric`;
  switch (v.prefix) {
    case 'ne':
      return `NOT (${column} >= ${n(v.low)} AND ${column} < ${n(v.high)})`;
    case 'gt':
    case 'sa':
      return `${column} > ${n(v.value)}`;
    case 'lt':
    case 'eb':
      return `${column} < ${n(v.value)}`;
    case 'ge':
      return `${column} >= ${n(v.value)}`;
    case 'le':
      return `${column} <= ${n(v.value)}`;
    case 'ap': {
      const slack = Math.abs(v.value) * 0.1;
      return `(${column} >= ${n(v.value - slack)} AND ${column} <= ${n(v.value + slack)})`;
    }
    default:
      return `(${column} >= ${n(v.low)} AND ${column} < ${n(v.high)})`;
  }
}

function quantityCondition(q: string, v: QuantityValue, p: SqlParams): string {
  const parts = [numberCondition(`${q}.value`, v, p)];
  if (v.system !== undefined) parts.push(`${q}.system = ${p.add(v.system)}`);
  if (v.code !== undefined) {
    const code = p.add(v.code);
    parts.push(v.system !== undefined ? `${q}.code = ${code}` : `(${q}.code = ${code} OR ${q}.unit = ${code})`);
  }
  return `(${parts.join(' AND ')})`;
}

/** `:above` (search.html#uri): the stored uri is the value or one of its parent paths. */
function uriPrefixes(value: string): string[] {
  const out = [value];
  let v = value;
  for (let slash = v.lastIndexOf('/'); slash > v.indexOf('//') + 1 && slash > 0; slash = v.lastIndexOf('/')) {
    v = v.slice(0, slash);
    out.push(v);
  }
  return out;
}
