import { badRequest, fhirError } from '../outcome.ts';
import { isResourceType } from '../resource-types.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { rootCompositeComponents } from './composite.ts';
import { INDEXED_PARAM_TYPES, type IndexedParamType, type SearchCriterion } from './criteria.ts';
import { parseDateValue } from './date-prefix.ts';
import { normalizeString } from './normalize.ts';
import { parseNumber, parseQuantity, parseReference, parseToken, splitCompositeValues, splitValues } from './parse-values.ts';
import type { SearchParameterDef, SearchParameterRegistry } from './search-parameters.ts';
import { valueSetCriterion } from './value-set-criterion.ts';

/** A parameter (or modifier) the server does not know: 400 in strict mode, else a warning. */
export class UnknownSearchParameter extends Error {}

export interface CriterionOptions {
  registry: SearchParameterRegistry;
  /** This server's base: an absolute reference under it is a local one. */
  baseUrl: string;
  /** Expands the value sets of `:in` / `:not-in` (the server's: profiles/ and the R4 core ones). */
  terminology: Terminology;
}

/** How many chain / `_has` levels one parameter may nest (each level is one join). */
const MAX_DEPTH = 4;

/**
 * Parses one search parameter `name=value` of a resource type into a criterion
 * (search.html): `_id`, `_lastUpdated`, `_list`, every indexed parameter with its modifiers
 * (token `:in` / `:not-in` in value-set-criterion.ts), composites on the resource root, chains
 * (`subject:Patient.name=x`, several levels) and reverse chains (`_has:Type:param:name=x`, nested).
 */
export function parseCriterion(options: CriterionOptions, resourceType: string, name: string, value: string, depth = 0): SearchCriterion {
  if (depth > MAX_DEPTH) throw badRequest(`Search parameter "${name}" nests more than ${MAX_DEPTH} chains`, [name]);
  if (name.startsWith('_has:')) return parseHas(options, resourceType, name, value, depth);
  const dot = name.indexOf('.');
  if (dot > 0) return parseChain(options, resourceType, name, dot, value, depth);

  const [code, modifier, ...extra] = name.split(':');
  if (extra.length > 0) throw new UnknownSearchParameter(`Search parameter "${name}" has more than one modifier`);
  const values = splitValues(value);
  if (values.some((v) => v === '') && modifier !== 'missing') throw badRequest(`Search parameter "${name}" has an empty value`, [name]);

  if (code === '_id') {
    if (modifier === undefined || modifier === 'not') return { kind: 'id', ids: values, not: modifier === 'not' };
    if (modifier === 'missing') return { kind: 'id', ids: [], not: parseBoolean(name, value) === false };
    throw new UnknownSearchParameter(`Modifier ":${modifier}" is not supported on _id`);
  }
  if (code === '_list') {
    if (modifier !== undefined) throw new UnknownSearchParameter(`Modifier ":${modifier}" is not supported on _list`);
    const functional = values.find((v) => v.startsWith('$'));
    if (functional) throw fhirError(400, 'not-supported', `_list=${functional}: functional lists are not supported; give the id of a List`, [name]);
    return { kind: 'list', ids: values };
  }
  if (code === '_lastUpdated') {
    if (modifier !== undefined) throw new UnknownSearchParameter(`Modifier ":${modifier}" is not supported on _lastUpdated`);
    return { kind: 'lastUpdated', values: values.map((v) => parseDateValue(name, v)) };
  }
  const def = options.registry.get(resourceType, code);
  if (!def) throw new UnknownSearchParameter(`Search parameter "${code}" is not a search parameter of ${resourceType}`);
  if (def.type === 'composite') {
    if (modifier !== undefined) throw new UnknownSearchParameter(`Modifier ":${modifier}" is not supported on composite parameter "${code}"`);
    return parseComposite(options, resourceType, def, name, value);
  }
  if (!INDEXED_PARAM_TYPES.has(def.type)) throw new UnknownSearchParameter(`Search parameter "${code}" of type ${def.type} is not supported`);
  const type = def.type as IndexedParamType;
  if (modifier === 'missing') return { kind: 'missing', param: code, paramType: type, missing: parseBoolean(name, value) };
  return valueCriterion(options, def, type, name, modifier, values);
}

function valueCriterion(
  options: CriterionOptions,
  def: SearchParameterDef,
  type: IndexedParamType,
  name: string,
  modifier: string | undefined,
  values: string[],
): SearchCriterion {
  const param = def.code;
  const unsupported = () => new UnknownSearchParameter(`Modifier ":${modifier}" is not supported on ${type} parameter "${param}"`);
  switch (type) {
    case 'token':
      if (modifier === undefined || modifier === 'not') return { kind: 'token', param, values: values.map(parseToken), not: modifier === 'not' };
      if (modifier === 'text') return { kind: 'tokenText', param, values: values.map(normalizeString) };
      if (modifier === 'of-type') return { kind: 'token', param: `${param}:of-type`, values: values.map((v) => ofType(name, v)) };
      if (modifier === 'in' || modifier === 'not-in') {
        return valueSetCriterion(options.terminology, param, name, values, modifier === 'not-in');
      }
      throw unsupported();
    case 'string':
      if (modifier === undefined) return { kind: 'string', param, mode: 'start', values: values.map(normalizeString) };
      if (modifier === 'contains') return { kind: 'string', param, mode: 'contains', values: values.map(normalizeString) };
      if (modifier === 'exact') return { kind: 'string', param, mode: 'exact', values };
      throw unsupported();
    case 'uri':
      if (modifier === undefined || modifier === 'below' || modifier === 'above') return { kind: 'uri', param, mode: modifier ?? 'exact', values };
      throw unsupported();
    case 'reference': {
      if (modifier === 'identifier') return { kind: 'token', param: `${param}:identifier`, values: values.map(parseToken) };
      const typeModifier = modifier !== undefined && isResourceType(modifier) ? modifier : undefined;
      if (modifier !== undefined && !typeModifier) throw unsupported();
      return { kind: 'reference', param, values: values.map((v) => parseReference(v, typeModifier, options.baseUrl)) };
    }
    case 'date':
      if (modifier !== undefined) throw unsupported();
      return { kind: 'date', param, values: values.map((v) => parseDateValue(name, v)) };
    case 'number':
      if (modifier !== undefined) throw unsupported();
      return { kind: 'number', param, values: values.map((v) => parseNumber(name, v)) };
    case 'quantity':
      if (modifier !== undefined) throw unsupported();
      return { kind: 'quantity', param, values: values.map((v) => parseQuantity(name, v)) };
  }
}

/**
 * `code-value-quantity=http://loinc.org|8480-6$gt100` (search.html#composite): each
 * `$`-separated part is parsed as its component parameter's type; the parts are AND-ed, the
 * comma-separated alternatives OR-ed. Composites the server cannot answer exactly are a 400
 * (src/fhir/search/composite.ts), in lenient mode too: ignoring one would widen the result.
 */
function parseComposite(options: CriterionOptions, resourceType: string, def: SearchParameterDef, name: string, value: string): SearchCriterion {
  const components = rootCompositeComponents(options.registry, resourceType, def);
  if (typeof components === 'string') throw fhirError(400, 'not-supported', components, [name]);
  const alternatives = splitCompositeValues(value).map((parts) => {
    if (parts.length !== components.length || parts.some((part) => part === '')) {
      const expected = components.map((c) => c.code).join('$');
      throw badRequest(`Invalid ${name} value "${parts.join('$')}": expected ${components.length} values separated by $ (${expected})`, [name]);
    }
    return parts.map((part, i) => valueCriterion(options, components[i], components[i].type as IndexedParamType, name, undefined, [part]));
  });
  return { kind: 'composite', param: def.code, alternatives };
}

/** `subject:Patient.name=x` / `patient.identifier=...` (search.html#chaining). */
/** Common parameters (not in the registry) a chain may end in: `subject._list=x` etc. */
const CHAINABLE_COMMON = new Set(['_id', '_lastUpdated', '_list']);

function parseChain(options: CriterionOptions, resourceType: string, name: string, dot: number, value: string, depth: number): SearchCriterion {
  const [code, typeModifier, ...extra] = name.slice(0, dot).split(':');
  const rest = name.slice(dot + 1);
  const def = options.registry.get(resourceType, code);
  if (!def || def.type !== 'reference' || extra.length > 0) {
    throw new UnknownSearchParameter(`"${name.slice(0, dot)}" is not a reference search parameter of ${resourceType}, so it cannot be chained`);
  }
  if (typeModifier !== undefined && !isResourceType(typeModifier)) throw new UnknownSearchParameter(`":${typeModifier}" is not a resource type`);
  const candidates = typeModifier ? [typeModifier] : (def.target ?? []);
  const chainedCode = rest.split(/[.:]/)[0];
  const targets = candidates
    .filter((t) => rest.startsWith('_has:') || CHAINABLE_COMMON.has(chainedCode) || options.registry.get(t, chainedCode))
    .map((type) => ({ type, criterion: parseCriterion(options, type, rest, value, depth + 1) }));
  if (targets.length === 0) {
    throw new UnknownSearchParameter(`"${chainedCode}" is not a search parameter of ${candidates.join(' or ') || 'the types ' + code + ' refers to'}`);
  }
  return { kind: 'chain', param: code, targets };
}

/** `_has:Observation:patient:code=1234-5` (search.html#has), nested `_has` allowed. */
function parseHas(options: CriterionOptions, resourceType: string, name: string, value: string, depth: number): SearchCriterion {
  const m = /^_has:([A-Za-z]+):([A-Za-z0-9_-]+):(.+)$/.exec(name);
  if (!m) throw badRequest(`Invalid _has parameter "${name}": expected _has:Type:reference-parameter:parameter`, [name]);
  const [, sourceType, param, rest] = m;
  if (!isResourceType(sourceType)) throw badRequest(`Unknown resource type "${sourceType}" in ${name}`, [name]);
  const def = options.registry.get(sourceType, param);
  if (!def || def.type !== 'reference') throw new UnknownSearchParameter(`"${param}" is not a reference search parameter of ${sourceType}`);
  if (def.target && def.target.length > 0 && !def.target.includes(resourceType)) {
    throw badRequest(`${sourceType}.${param} never refers to ${resourceType} (in ${name})`, [name]);
  }
  return { kind: 'has', sourceType, param, criterion: parseCriterion(options, sourceType, rest, value, depth + 1) };
}

/** `:of-type` values are `system|code|value` (the identifier type, then the identifier value). */
function ofType(name: string, value: string): { system?: string; code?: string } {
  const parts = value.split('|');
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw badRequest(`Invalid ${name} value "${value}": expected type-system|type-code|value`, [name]);
  return { system: parts[0] || undefined, code: `${parts[1]}|${parts[2]}` };
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badRequest(`Invalid ${name} value "${value}": expected true or false`, [name]);
}
