import {
  LRUCache,
  UCUM,
  evalFhirPathTyped,
  toTypedValue,
  tryGetDataType,
  type FhirPathAtom,
  type InternalSchemaElement,
  type InternalTypeSchema,
  type TypedValue,
} from '@medplum/core';

/**
 * A fast, conservative pre-check for structural validation. @medplum/core's validator walks every
 * element of a type's schema, present or not (~250 µs for a small Patient); this walks only the
 * properties a resource has (a few µs plus its invariants). It answers `true` only when it is sure
 * the @medplum/core validator would find no error: the same schemas, cardinalities, JSON types,
 * primitive formats and invariants (same skip list). Anything it does not model (primitive
 * extensions `_x`, slicing, fixed/pattern values, an unknown property, any failure) answers `false`,
 * and the caller then runs the full validator, which produces the error messages. So the outcome
 * of validation is the full validator's; only its cost is skipped for resources that pass.
 * tests/fhir/validation/fast-structure-check.test.ts holds it to that on the official examples and
 * thousands of mutations of them.
 */
export function passesFastStructureCheck(resource: Record<string, unknown>): boolean {
  const type = resource.resourceType;
  if (typeof type !== 'string') return false;
  const schema = resourceSchema(type);
  if (!schema) return false;
  const walk: Walk = { root: toTypedValue(resource), resources: [resource] };
  try {
    return invariantsHold(schema.constraints, { type, value: resource }, walk) && objectPasses(resource, schema, walk);
  } catch {
    return false;
  }
}

/** The invariants @medplum/core does not evaluate (they need context it does not have). */
const SKIPPED_INVARIANTS = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

/** JSON type of each FHIR primitive type (Element.id and Extension.url are System.String). */
const PRIMITIVE_JSON_TYPE: Record<string, 'string' | 'number' | 'boolean'> = {
  base64Binary: 'string', boolean: 'boolean', canonical: 'string', code: 'string', date: 'string', dateTime: 'string',
  decimal: 'number', id: 'string', instant: 'string', integer: 'number', integer64: 'string', markdown: 'string',
  oid: 'string', positiveInt: 'number', string: 'string', time: 'string', unsignedInt: 'number', uri: 'string',
  url: 'string', uuid: 'string', xhtml: 'string', 'http://hl7.org/fhirpath/System.String': 'string',
};

/** The primitive formats of datatypes.html (the regex extension of each primitive type). */
const YEAR = String.raw`(\d(\d(\d[1-9]|[1-9]0)|[1-9]00)|[1-9]000)`;
const MONTH = '(0[1-9]|1[0-2])';
const DAY = String.raw`(0[1-9]|[1-2]\d|3[0-1])`;
const TIME = String.raw`([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?`;
const ZONE = String.raw`(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))`;
const PRIMITIVE_FORMAT: Record<string, RegExp> = {
  base64Binary: /^([A-Za-z\d+/]{4})*([A-Za-z\d+/]{2}==|[A-Za-z\d+/]{3}=)?$/,
  canonical: /^\S*$/,
  code: /^[^\s]+( [^\s]+)*$/,
  date: new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`),
  dateTime: new RegExp(String.raw`^${YEAR}(-${MONTH}(-${DAY}(T([01]\d|2[0-3])(:[0-5]\d:([0-5]\d|60)(\.\d{1,9})?)?)?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)?)?)?$`),
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  instant: new RegExp(`^${YEAR}-${MONTH}-${DAY}T${TIME}${ZONE}$`),
  markdown: /^[\r\n\t\u0020-\uFFFF]+$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/,
  string: /^[\r\n\t\u0020-\uFFFF]+$/,
  time: new RegExp(`^${TIME}$`),
  uri: /^\S*$/,
  url: /^\S*$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
};
const MAX_STRING = 1024 * 1024;

interface Walk {
  root: TypedValue;
  /** The resources entered so far (the innermost is %resource). */
  resources: Record<string, unknown>[];
}

/** A JSON property of a schema: its element and (for choice elements) the type its name selects. */
interface PropertyRule {
  element: InternalSchemaElement;
  type: string;
  /** Properties sharing this choice element (`value[x]`), to refuse two of them. */
  choice?: string;
}

interface SchemaRules {
  properties: Map<string, PropertyRule>;
  /** Per required element, the property names that satisfy it. */
  required: string[][];
}

const rulesBySchema = new WeakMap<InternalTypeSchema, SchemaRules | null>();
const parsedInvariants = new LRUCache<FhirPathAtom>(2000);

function resourceSchema(type: string): InternalTypeSchema | undefined {
  const schema = tryGetDataType(type);
  return schema?.kind === 'resource' ? schema : undefined;
}

/** Property rules of a schema, or null when it has something this check does not model. */
function rulesOf(schema: InternalTypeSchema): SchemaRules | null {
  const cached = rulesBySchema.get(schema);
  if (cached !== undefined) return cached;
  let rules: SchemaRules | null = { properties: new Map(), required: [] };
  for (const [name, element] of Object.entries(schema.elements)) {
    if (element.slicing || element.fixed || element.pattern) {
      rules = null;
      break;
    }
    const names: string[] = [];
    if (name.endsWith('[x]')) {
      const stem = name.slice(0, -3);
      for (const t of element.type) {
        const key = stem + t.code.charAt(0).toUpperCase() + t.code.slice(1);
        rules.properties.set(key, { element, type: t.code, choice: stem });
        names.push(key);
      }
    } else if (element.type.length === 1) {
      rules.properties.set(name, { element, type: element.type[0].code });
      names.push(name);
    } else {
      rules = null;
      break;
    }
    if (element.min > 0) rules.required.push(names);
  }
  rulesBySchema.set(schema, rules);
  return rules;
}

function objectPasses(obj: Record<string, unknown>, schema: InternalTypeSchema, walk: Walk): boolean {
  const rules = rulesOf(schema);
  if (!rules) return false;
  let choices: Set<string> | undefined;
  for (const key of Object.keys(obj)) {
    if (key === 'resourceType') continue;
    const rule = rules.properties.get(key);
    if (!rule) return false; // unknown property, or a primitive extension `_key`
    if (rule.choice) {
      choices ??= new Set();
      if (choices.has(rule.choice)) return false;
      choices.add(rule.choice);
    }
    if (!propertyPasses(obj[key], rule, walk)) return false;
  }
  return rules.required.every((names) => names.some((n) => obj[n] !== undefined));
}

function propertyPasses(value: unknown, { element, type }: PropertyRule, walk: Walk): boolean {
  if (value === null || value === undefined) return false;
  let values: unknown[];
  if (element.isArray) {
    if (!Array.isArray(value) || value.length === 0) return false;
    values = value;
  } else {
    if (Array.isArray(value)) return false;
    values = [value];
  }
  if (values.length < element.min || values.length > element.max) return false;
  for (const v of values) {
    if (v === null || v === undefined) return false;
    if (!invariantsHold(element.constraints, { type, value: v }, walk)) return false;
    if (!valuePasses(v, type, walk)) return false;
  }
  return true;
}

function valuePasses(value: unknown, type: string, walk: Walk): boolean {
  const jsonType = PRIMITIVE_JSON_TYPE[type];
  if (jsonType) return primitivePasses(value, type, jsonType);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const obj = value as Record<string, unknown>;
  if (Object.keys(obj).length === 0) return false;
  if (type === 'Resource' || type === 'DomainResource') {
    const nested = typeof obj.resourceType === 'string' ? resourceSchema(obj.resourceType) : undefined;
    if (!nested) return false;
    walk.resources.push(obj);
    const ok = objectPasses(obj, nested, walk);
    walk.resources.pop();
    return ok;
  }
  const schema = tryGetDataType(type);
  return schema !== undefined && objectPasses(obj, schema, walk);
}

function primitivePasses(value: unknown, type: string, jsonType: 'string' | 'number' | 'boolean'): boolean {
  if (typeof value !== jsonType) return false;
  if (typeof value === 'string') {
    if (value.trim() === '' || value.length > MAX_STRING) return false;
    const format = PRIMITIVE_FORMAT[type];
    return !format || format.test(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if ((type === 'integer' || type === 'positiveInt' || type === 'unsignedInt') && !Number.isInteger(value)) return false;
    if (type === 'positiveInt' && value <= 0) return false;
    if (type === 'unsignedInt' && value < 0) return false;
  }
  return true;
}

function invariantsHold(constraints: InternalSchemaElement['constraints'], context: TypedValue, walk: Walk): boolean {
  if (!constraints) return true;
  for (const c of constraints) {
    if (c.severity !== 'error' || SKIPPED_INVARIANTS.has(c.key)) continue;
    const variables: Record<string, TypedValue> = {
      '%context': context,
      '%ucum': toTypedValue(UCUM),
      '%resource': toTypedValue(walk.resources[walk.resources.length - 1]),
      '%rootResource': walk.root,
    };
    const result = evalFhirPathTyped(c.expression, [context], variables, parsedInvariants);
    if (result.length !== 1 || result[0].value !== true) return false;
  }
  return true;
}
