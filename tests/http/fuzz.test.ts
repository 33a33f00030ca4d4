import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { structuralIssues } from '../../src/fhir/validation/validate-resource.ts';
import { BASE_URL, startTestApp } from '../support/test-app.ts';

/**
 * A deterministic fuzz of the write paths: valid seed resources (Patient, Observation, Task,
 * ServiceRequest, a transaction Bundle) are mutated (keys dropped, duplicated and renamed, types
 * swapped, deep nesting, huge strings, unicode, nulls, raw numbers like 1e400, `__proto__` keys,
 * truncated JSON, random bytes, wrong resourceType...) and sent as POST [type], PUT [type]/[id]
 * and POST [base]. Invariants: never a 5xx; every 4xx is an OperationOutcome and writes nothing;
 * every 2xx reads back identically; every stored version passes the structural validation.
 *
 * Requests are sequential: a PUT target id is reused, so each 2xx is read back before the next
 * request can change it. A violation is recorded, not thrown, so one run reports every kind.
 */

const SEED = 0x5eed_f422;
const CASES = 2_400;
const BODY_LIMIT = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

// ---------------------------------------------------------------------------------------------
// Seeds: valid resources (checked by the first test)

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const RESOURCE_SEEDS: Record<string, JsonObject> = {
  Patient: {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: '123-45-6789' }],
    active: true,
    name: [{ use: 'official', family: 'Fuzz', given: ['Ada', 'B.'] }],
    telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
    gender: 'female',
    birthDate: '1970-01-01',
    address: [{ line: ['1 Main St'], city: 'Oakland', state: 'CA', postalCode: '94601' }],
    maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] },
    multipleBirthInteger: 2,
    extension: [{ url: 'http://example.org/fhir/StructureDefinition/fuzz', valueString: 'x' }],
  },
  Observation: {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }], text: 'weight' },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2024-05-01T10:00:00Z',
    valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    component: [{ code: { text: 'count' }, valueInteger: 3 }],
    note: [{ text: 'fuzz' }],
  },
  Task: {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: { text: 'Outreach' },
    for: { reference: 'Patient/p1' },
    authoredOn: '2024-05-01T10:00:00Z',
    restriction: { repetitions: 1, period: { start: '2024-05-01', end: '2024-06-01' } },
    input: [{ type: { text: 'attempts' }, valueInteger: 2 }],
  },
  ServiceRequest: {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '409063005' }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '385763009' }], text: 'Care management' },
    subject: { reference: 'Patient/p1' },
    occurrenceDateTime: '2024-05-02',
    authoredOn: '2024-05-01T10:00:00Z',
    requester: { display: 'Dr. Fuzz' },
    reasonCode: [{ text: 'ECM' }],
  },
};
const RESOURCE_TYPES = Object.keys(RESOURCE_SEEDS);

const PATIENT_URN = 'urn:uuid:7d0b3f0e-5c43-4a4f-9d61-000000000001';
const OBSERVATION_URN = 'urn:uuid:7d0b3f0e-5c43-4a4f-9d61-000000000002';

function bundleSeed(): JsonObject {
  const clone = (type: string) => structuredClone(RESOURCE_SEEDS[type]);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: PATIENT_URN, resource: clone('Patient'), request: { method: 'POST', url: 'Patient' } },
      {
        fullUrl: OBSERVATION_URN,
        resource: { ...clone('Observation'), subject: { reference: PATIENT_URN } },
        request: { method: 'POST', url: 'Observation' },
      },
      {
        resource: { ...clone('Task'), id: 'fuzz-task', for: { reference: PATIENT_URN }, focus: { reference: OBSERVATION_URN } },
        request: { method: 'PUT', url: 'Task/fuzz-task' },
      },
      { resource: { ...clone('ServiceRequest'), subject: { reference: PATIENT_URN } }, request: { method: 'POST', url: 'ServiceRequest' } },
      { request: { method: 'GET', url: 'Task/fuzz-task' } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Mutations

/**
 * A document being mutated. Values and keys that JSON.stringify cannot produce (1e400, deep
 * nesting, duplicate keys) are placeholders, replaced by raw text after serialisation.
 */
class Doc {
  root: Json;
  private readonly raws: string[] = [];
  readonly notes: string[] = [];
  constructor(root: Json) {
    this.root = root;
  }
  raw(text: string): string {
    this.raws.push(text);
    return `@@RAW${this.raws.length - 1}@@`;
  }
  /** A key for a property whose whole `"key":value` text is `text` (e.g. a duplicate key). */
  rawEntry(text: string): string {
    this.raws.push(text);
    return `@@ENTRY${this.raws.length - 1}@@`;
  }
  serialize(): string {
    return JSON.stringify(this.root)
      .replace(/"@@ENTRY(\d+)@@":0/g, (_m, i: string) => this.raws[Number(i)])
      .replace(/"@@RAW(\d+)@@"/g, (_m, i: string) => this.raws[Number(i)]);
  }
}

/** Defines an own property, even "__proto__" (assignment would set the prototype instead). */
function setOwn(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

interface Slot {
  parent: JsonObject | Json[];
  key: string | number;
}

/** Every value position in the document (iteratively: documents may be deep). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        stack.push(v);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        out.push({ parent: node, key });
        stack.push(node[key]);
      }
    }
  }
  return out;
}

function objects(root: Json): JsonObject[] {
  const found: JsonObject[] = [];
  if (root !== null && typeof root === 'object' && !Array.isArray(root)) found.push(root);
  for (const s of slots(root)) {
    const v = getSlot(s);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) found.push(v);
  }
  return found;
}

function getSlot(s: Slot): Json {
  return Array.isArray(s.parent) ? s.parent[s.key as number] : s.parent[s.key as string];
}

function setSlot(s: Slot, value: Json): void {
  if (Array.isArray(s.parent)) s.parent[s.key as number] = value;
  else setOwn(s.parent, s.key as string, value);
}

const UNICODE_PIECES = [
  'é', 'ñ', '中文', '日本語', 'עברית', 'العربية', '🩺', '👩🏽‍⚕️', '\u0000', '\u0007', '\u001f', '\u200b', '\u202e', '\ufeff',
  '\ud800', '\udfff', '\u2028', '\u2029', '\uffff', 'e\u0301', '\t', '\n', '\r', ' ', '"', '\\', '/', '<script>alert(1)</script>',
  "'; DROP TABLE resource; --", '%00', '%E0%A4%A', '${x}', '{{x}}', '$where', '\\u0000', 'null', 'NaN', '0', '-', '.',
];

const RAW_NUMBERS = [
  '1e400', '-1e400', '1e-400', '-0', '0', '123456789012345678901234567890', '0.1000000000000000055511151231257827', '2147483647',
  '2147483648', '-2147483649', '4294967296', '1E2', '0e0', '1.0', '-1', '9007199254740993', '5e-324', 'NaN', 'Infinity', '01',
  '.5', '+1', '0x1F', '1e', '--1',
];

const RENAMES = (key: string) => [
  key.toUpperCase(), `${key}x`, `_${key}`, key.slice(1), `${key}\u200b`, `${key} `, '__proto__', 'constructor', 'toString',
  'prototype', '', 'résumé', 'valueString', 'extension', 'modifierExtension', 'id', 'resourceType', 'contained', 'meta', '0',
];

function randomUnicode(rng: Rng): string {
  let s = '';
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) s += rng.pick(UNICODE_PIECES);
  return s;
}

function randomScalar(rng: Rng): Json {
  switch (rng.int(8)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.int(1000) - 500;
    case 3: return rng.float() * 1e6;
    case 4: return '';
    case 5: return randomUnicode(rng);
    case 6: return 'x'.repeat(rng.int(50));
    default: return rng.pick(['2024-01-01', 'final', 'Patient/p1', 'urn:uuid:nope', 'true', '1', 'male']);
  }
}

function randomValue(rng: Rng, depth = 0): Json {
  if (depth > 2 || rng.chance(0.6)) return randomScalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(3) }, () => randomValue(rng, depth + 1));
  const o: JsonObject = {};
  for (let i = rng.int(3); i > 0; i--) setOwn(o, rng.pick(['a', 'value', 'url', 'reference', 'text', '__proto__', 'id']), randomValue(rng, depth + 1));
  return o;
}

function kindOf(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function nestedText(rng: Rng, depth: number): string {
  switch (rng.int(3)) {
    case 0: return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 1: return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    default: {
      // A valid deep extension tree: only as deep as the server's validator can walk (or not).
      let ext = '{"url":"urn:x","valueString":"leaf"}';
      for (let i = 0; i < depth; i++) ext = `{"url":"urn:x","extension":[${ext}]}`;
      return `[${ext}]`;
    }
  }
}

type TreeMutation = (doc: Doc, rng: Rng) => void;

const TREE_MUTATIONS: Record<string, TreeMutation> = {
  drop(doc, rng) {
    const all = slots(doc.root);
    if (all.length === 0) return;
    const s = rng.pick(all);
    if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
    else delete s.parent[s.key as string];
  },
  duplicateKey(doc, rng) {
    const objs = objects(doc.root).filter((o) => Object.keys(o).length > 0);
    if (objs.length === 0) return;
    const obj = rng.pick(objs);
    const key = rng.pick(Object.keys(obj));
    const dup = doc.rawEntry(`${JSON.stringify(key)}:${JSON.stringify(randomValue(rng))}`);
    // The duplicate before or after the original: JSON.parse keeps the last one.
    const entries = Object.entries(obj);
    for (const k of Object.keys(obj)) delete obj[k];
    const before = rng.chance(0.5);
    if (before) setOwn(obj, dup, 0);
    for (const [k, v] of entries) setOwn(obj, k, v);
    if (!before) setOwn(obj, dup, 0);
    doc.notes.push(`dup ${key}`);
  },
  rename(doc, rng) {
    const all = slots(doc.root).filter((s) => !Array.isArray(s.parent));
    if (all.length === 0) return;
    const s = rng.pick(all);
    const parent = s.parent as JsonObject;
    const value = parent[s.key as string];
    delete parent[s.key as string];
    const to = rng.pick(RENAMES(String(s.key)));
    setOwn(parent, to, value);
    doc.notes.push(`rename ${String(s.key)}->${to}`);
  },
  swapType(doc, rng) {
    const all = slots(doc.root);
    if (all.length === 0) return;
    const s = rng.pick(all);
    const old = getSlot(s);
    let v = randomValue(rng);
    for (let i = 0; i < 5 && kindOf(v) === kindOf(old); i++) v = randomValue(rng);
    setSlot(s, v);
  },
  deepNest(doc, rng) {
    const all = slots(doc.root);
    if (all.length === 0) return;
    const depth = rng.chance(0.85) ? 1 + rng.int(60) : rng.pick([300, 1_000, 2_500, 5_000, 20_000]);
    setSlot(rng.pick(all), doc.raw(nestedText(rng, depth)));
    doc.notes.push(`nest ${depth}`);
  },
  deepExtension(doc, rng) {
    if (doc.root === null || typeof doc.root !== 'object' || Array.isArray(doc.root)) return;
    const depth = rng.chance(0.8) ? 1 + rng.int(100) : rng.pick([500, 1_500, 3_000]);
    let ext = '{"url":"urn:x","valueString":"leaf"}';
    for (let i = 0; i < depth; i++) ext = `{"url":"urn:x","extension":[${ext}]}`;
    setOwn(doc.root, 'extension', doc.raw(`[${ext}]`));
    doc.notes.push(`extension depth ${depth}`);
  },
  hugeString(doc, rng) {
    const all = slots(doc.root);
    if (all.length === 0) return;
    const length = rng.pick([1_000, 5_000, 20_000, 65_536]);
    setSlot(rng.pick(all), rng.pick(['x', 'é', '🩺', 'a b ']).repeat(Math.ceil(length / 2)));
    doc.notes.push(`huge ${length}`);
  },
  unicode(doc, rng) {
    const strings = slots(doc.root).filter((s) => typeof getSlot(s) === 'string');
    const all = strings.length > 0 && rng.chance(0.8) ? strings : slots(doc.root);
    if (all.length === 0) return;
    const s = rng.pick(all);
    const old = getSlot(s);
    const text = randomUnicode(rng);
    setSlot(s, typeof old === 'string' && rng.chance(0.5) ? old + text : text);
  },
  nullify(doc, rng) {
    const all = slots(doc.root);
    if (all.length === 0) return;
    const s = rng.pick(all);
    const v = getSlot(s);
    if (Array.isArray(v) && rng.chance(0.5)) v.splice(rng.int(v.length + 1), 0, null);
    else setSlot(s, null);
  },
  arrayObjectSwap(doc, rng) {
    const all = slots(doc.root).filter((s) => getSlot(s) !== null && typeof getSlot(s) === 'object');
    if (all.length === 0) return;
    const s = rng.pick(all);
    const v = getSlot(s);
    if (Array.isArray(v)) setSlot(s, v.length > 0 && rng.chance(0.7) ? v[0] : {});
    else setSlot(s, rng.chance(0.8) ? [v] : []);
  },
  protoKey(doc, rng) {
    const objs = objects(doc.root);
    if (objs.length === 0) return;
    const obj = rng.pick(objs);
    const key = rng.pick(['__proto__', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'valueOf']);
    const value: Json = rng.pick<Json>([{ polluted: true }, { resourceType: 'Patient' }, { active: 'yes' }, null, 'x', [], { toString: 1 }]);
    setOwn(obj, key, value);
    doc.notes.push(`key ${key}`);
  },
  rawNumber(doc, rng) {
    const numbers = slots(doc.root).filter((s) => typeof getSlot(s) === 'number');
    const all = numbers.length > 0 && rng.chance(0.7) ? numbers : slots(doc.root);
    if (all.length === 0) return;
    const n = rng.pick(RAW_NUMBERS);
    setSlot(rng.pick(all), doc.raw(n));
    doc.notes.push(`number ${n}`);
  },
  resourceType(doc, rng) {
    const withType = objects(doc.root).filter((o) => 'resourceType' in o);
    if (withType.length === 0) return;
    const obj = rng.pick(withType);
    const to = rng.pick<Json>([...RESOURCE_TYPES, 'Bundle', 'Project', 'SubscriptionStatus', 'Foo', 'patient', '', null, 42, ['Patient'], { a: 1 }]);
    if (rng.chance(0.1)) delete obj.resourceType;
    else setOwn(obj, 'resourceType', to);
    doc.notes.push(`resourceType ${JSON.stringify(to)}`);
  },
  id(doc, rng) {
    const withType = objects(doc.root).filter((o) => 'resourceType' in o);
    if (withType.length === 0) return;
    const to = rng.pick<Json>(['bad$id', 'a'.repeat(65), 'x'.repeat(64), '', 42, null, 'ok-id', '../etc', 'a b', 'é', ['x']]);
    setOwn(rng.pick(withType), 'id', to);
    doc.notes.push(`id ${JSON.stringify(to)}`);
  },
  contained(doc, rng) {
    if (doc.root === null || typeof doc.root !== 'object' || Array.isArray(doc.root)) return;
    const inner = structuredClone(RESOURCE_SEEDS[rng.pick(RESOURCE_TYPES)]);
    setOwn(inner, 'id', rng.pick<Json>(['c1', 'bad$id', 42]));
    if (rng.chance(0.5)) TREE_MUTATIONS[rng.pick(['drop', 'swapType', 'unicode', 'resourceType', 'protoKey'])](new Doc(inner), rng);
    setOwn(doc.root, 'contained', rng.chance(0.9) ? [inner] : inner);
    doc.notes.push('contained');
  },
};

/** How often each tree mutation is picked (huge strings are slow to refuse: keep them rare). */
const TREE_WEIGHTS: Record<keyof typeof TREE_MUTATIONS, number> = {
  drop: 3, duplicateKey: 2, rename: 3, swapType: 3, deepNest: 1, deepExtension: 1, hugeString: 0.6, unicode: 3, nullify: 2,
  arrayObjectSwap: 2, protoKey: 1.5, rawNumber: 2, resourceType: 1, id: 1, contained: 1,
};

function weighted(rng: Rng, weights: Record<string, number>): string {
  const entries = Object.entries(weights);
  let r = rng.float() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [name, w] of entries) {
    r -= w;
    if (r < 0) return name;
  }
  return entries[entries.length - 1][0];
}

const BUNDLE_MUTATIONS: Record<string, TreeMutation> = {
  entryValue(doc, rng) {
    const entries = (doc.root as JsonObject).entry;
    if (!Array.isArray(entries)) return;
    const v = rng.pick<Json>([null, 'x', 42, [], {}, { request: null }, { resource: { resourceType: 'Patient' } }]);
    entries.splice(rng.int(entries.length + 1), rng.chance(0.5) ? 1 : 0, v);
    doc.notes.push(`entry ${JSON.stringify(v)}`);
  },
  requestUrl(doc, rng) {
    const requests = objects(doc.root).filter((o) => 'url' in o && 'method' in o);
    if (requests.length === 0) return;
    const url = rng.pick<Json>([
      'Patient/%E0%A4%A', '%', 'http://other.example/fhir/Patient', `${BASE_URL}/Patient`, '/Patient', 'Patient/../Task', 'Patient?',
      'Patient?name=a&name:bogus=b', 'Patient?_count=abc', '', 'Patient/bad$id', 'Patient/x/_history/1', 'Patient/$everything',
      'Project', 'Foo/1', 'Patient#frag', 'Patient/x/y/z/w', 'Task/fuzz-task', 'Task?identifier=x', '_history', 42, null,
    ]);
    setOwn(rng.pick(requests), 'url', url);
    doc.notes.push(`url ${JSON.stringify(url)}`);
  },
  requestMethod(doc, rng) {
    const requests = objects(doc.root).filter((o) => 'url' in o && 'method' in o);
    if (requests.length === 0) return;
    const method = rng.pick<Json>(['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'post', 'OPTIONS', 'TRACE', '', 5, null]);
    setOwn(rng.pick(requests), 'method', method);
    doc.notes.push(`method ${JSON.stringify(method)}`);
  },
  requestHeaders(doc, rng) {
    const requests = objects(doc.root).filter((o) => 'url' in o && 'method' in o);
    if (requests.length === 0) return;
    const name = rng.pick(['ifMatch', 'ifNoneExist', 'ifNoneMatch', 'ifModifiedSince']);
    const value = rng.pick<Json>(['W/"1"', 'W/"999"', 'garbage', 'identifier=urn:oid:2.16.840.1.113883.4.1|123-45-6789', 'bogus=1', '', 7, { a: 1 }, null]);
    setOwn(rng.pick(requests), name, value);
    doc.notes.push(`${name} ${JSON.stringify(value)}`);
  },
  fullUrl(doc, rng) {
    const entries = (doc.root as JsonObject).entry;
    if (!Array.isArray(entries) || entries.length === 0) return;
    const e = rng.pick(entries);
    if (e === null || typeof e !== 'object' || Array.isArray(e)) return;
    const v = rng.pick<Json>([PATIENT_URN, OBSERVATION_URN, 'urn:uuid:other', 'Patient/p1', `${BASE_URL}/Patient/p1`, '', 42, null]);
    setOwn(e, 'fullUrl', v);
    doc.notes.push(`fullUrl ${JSON.stringify(v)}`);
  },
  bundleType(doc, rng) {
    const v = rng.pick<Json>(['batch', 'batch', 'transaction', 'collection', 'document', 'searchset', '', null]);
    setOwn(doc.root as JsonObject, 'type', v);
    doc.notes.push(`type ${JSON.stringify(v)}`);
  },
  shuffle(doc, rng) {
    const entries = (doc.root as JsonObject).entry;
    if (!Array.isArray(entries)) return;
    for (let i = entries.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
  },
};

/** Text-level damage after serialisation. */
function damageText(text: string, rng: Rng): { payload: string | Buffer; note: string } {
  switch (rng.int(7)) {
    case 0: return { payload: text.slice(0, rng.int(text.length)), note: 'truncated' };
    case 1: {
      const bytes = Buffer.alloc(1 + rng.int(300));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      return { payload: bytes, note: 'random bytes' };
    }
    case 2: {
      const at = rng.int(text.length);
      return { payload: text.slice(0, at) + rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'x']) + text.slice(at), note: 'inserted char' };
    }
    case 3: {
      const at = rng.int(text.length);
      return { payload: text.slice(0, at) + text.slice(at + 1), note: 'deleted char' };
    }
    case 4: return { payload: `\ufeff${text}`, note: 'BOM' };
    case 5: return { payload: `${text}${rng.pick(['x', '}', ' {}', '\n\n', ',null'])}`, note: 'trailing' };
    default: {
      const bytes = Buffer.from(text, 'utf8');
      for (let i = 0; i < 3; i++) bytes[rng.int(bytes.length)] = 0x80 + rng.int(0x80);
      return { payload: bytes, note: 'invalid utf-8' };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

interface FuzzCase {
  n: number;
  method: 'POST' | 'PUT';
  url: string;
  payload: string | Buffer;
  contentType?: string;
  /** The resource type of a POST/PUT [type] request; undefined for a bundle. */
  type?: string;
  notes: string[];
}

function makeCase(n: number, rng: Rng): FuzzCase {
  const roll = rng.float();
  const bundle = roll >= 0.75;
  const put = !bundle && roll >= 0.45;
  const seedType = rng.pick(RESOURCE_TYPES);
  const root: JsonObject = bundle ? bundleSeed() : structuredClone(RESOURCE_SEEDS[seedType]);
  // The URL type is the seed's type, or now and then another one (wrong resourceType in the body).
  const type = rng.chance(0.05) ? rng.pick([...RESOURCE_TYPES, 'Project', 'Foo']) : seedType;
  let url = bundle ? '/fhir' : `/fhir/${type}`;
  if (put) {
    const id = `fuzz-${type.toLowerCase()}-${rng.int(30)}`;
    root.id = id;
    url += `/${rng.chance(0.04) ? rng.pick(['bad$id', 'a'.repeat(65), 'other-id']) : id}`;
  }
  const doc = new Doc(root);
  const bundleNames = Object.keys(BUNDLE_MUTATIONS);
  const count = rng.chance(0.08) ? 0 : 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    if (bundle && rng.chance(0.4)) {
      const name = rng.pick(bundleNames);
      doc.notes.push(name);
      BUNDLE_MUTATIONS[name](doc, rng);
    } else {
      const name = weighted(rng, TREE_WEIGHTS);
      doc.notes.push(name);
      TREE_MUTATIONS[name](doc, rng);
    }
  }
  let payload: string | Buffer = doc.serialize();
  if (rng.chance(0.08)) {
    const damaged = damageText(payload, rng);
    payload = damaged.payload;
    doc.notes.push(damaged.note);
  }
  if (rng.chance(0.004)) {
    payload = `{"resourceType":"Patient","name":[{"family":"${'x'.repeat(BODY_LIMIT)}"}]}`;
    doc.notes.push('over the body limit');
  }
  const contentType = rng.pick([
    ...Array<string>(36).fill('application/fhir+json'),
    'application/json',
    'application/fhir+json; charset=utf-8',
    'text/plain',
    'application/fhir+xml',
    undefined,
  ]);
  return { n, method: put ? 'PUT' : 'POST', url, payload, contentType, type: bundle ? undefined : type, notes: doc.notes };
}

// ---------------------------------------------------------------------------------------------
// Running and checking

interface Sent {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
  location?: string;
}

async function send(app: FastifyInstance, method: 'GET' | 'POST' | 'PUT', url: string, payload?: string | Buffer, contentType?: string): Promise<Sent> {
  const res = await app.inject({ method, url, payload, headers: contentType ? { 'content-type': contentType } : {} });
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text: res.body, body, location: res.headers.location as string | undefined };
}

function isErrorOutcome(body: unknown): boolean {
  const b = body as { resourceType?: unknown; issue?: { severity?: unknown; diagnostics?: unknown; details?: { text?: unknown } }[] } | undefined;
  if (!b || b.resourceType !== 'OperationOutcome' || !Array.isArray(b.issue) || b.issue.length === 0) return false;
  const first = b.issue[0];
  return (first.severity === 'error' || first.severity === 'fatal') && (typeof first.diagnostics === 'string' || typeof first.details?.text === 'string');
}

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Characters below U+0020 other than tab, CR, LF: no FHIR string may hold them (datatypes.html#string). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** FHIR JSON rules the validator should enforce (json.html, datatypes.html): checked on what was stored. */
function jsonRuleViolations(resource: unknown): string[] {
  const found: string[] = [];
  const stack: { v: unknown; path: string }[] = [{ v: resource, path: '' }];
  while (stack.length > 0 && found.length < 5) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string' && CONTROL.test(v)) found.push(`control character in ${path}`);
    if (Array.isArray(v)) {
      if (v.length === 0) found.push(`empty array at ${path}`);
      v.forEach((x, i) => stack.push({ v: x, path: `${path}[${i}]` }));
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) found.push(`empty object at ${path}`);
      for (const k of keys) {
        if (PROTOTYPE_KEYS.has(k)) found.push(`element "${k}" at ${path}`);
        stack.push({ v: (v as Record<string, unknown>)[k], path: `${path}.${k}` });
      }
    }
  }
  return found;
}

interface Violation {
  kind: string;
  detail: string;
}

const violations: Violation[] = [];
const statusCounts = new Map<number, number>();
let storedChecked = 0;
let historyPages = 0;
let successes = 0;

function record(kind: string, c: FuzzCase | undefined, detail: string): void {
  const what = c
    ? `#${c.n} ${c.method} ${c.url} [${c.notes.join('; ')}] ct=${c.contentType ?? '-'} body=${(Buffer.isBuffer(c.payload) ? '<bytes>' : c.payload).slice(0, 200)}`
    : '';
  violations.push({ kind, detail: `${what} => ${detail}`.slice(0, 800) });
}

/** Distinct examples of one kind of violation, for a readable failure message. */
function report(kind: string): string {
  const list = violations.filter((v) => v.kind === kind);
  const seen = new Set<string>();
  const examples: string[] = [];
  for (const v of list) {
    const key = v.detail.replace(/#\d+ /, '').replace(/[0-9a-f-]{36}/g, 'ID').slice(-160);
    if (seen.has(key)) continue;
    seen.add(key);
    if (examples.length < 8) examples.push(v.detail);
  }
  return `${list.length} violation(s):\n${examples.join('\n')}`;
}

let server: Awaited<ReturnType<typeof startTestApp>>;

/** Versions stored so far: straight from the database, as cheap as possible (it runs per request). */
async function historyTotal(app: FastifyInstance): Promise<number> {
  const { rows } = await app.database.query<{ n: number }>('SELECT count(*)::int AS n FROM resource_history');
  return Number(rows[0].n);
}

async function readBack(app: FastifyInstance, c: FuzzCase, res: Sent): Promise<void> {
  if (c.type !== undefined) {
    const body = res.body as { resourceType?: string; id?: string } | undefined;
    if (!body || body.resourceType !== c.type || typeof body.id !== 'string') {
      record('2xx body is not the resource', c, `${res.status} ${res.text.slice(0, 300)}`);
      return;
    }
    const read = await send(app, 'GET', `/fhir/${c.type}/${body.id}`);
    if (read.status !== 200 || read.text !== res.text) {
      record('2xx does not read back identically', c, `GET ${read.status}: wrote ${res.text.slice(0, 200)} read ${read.text.slice(0, 200)}`);
    }
    return;
  }
  const bundle = res.body as { resourceType?: string; type?: string; entry?: { resource?: unknown; response?: { status?: string; location?: string; outcome?: unknown } }[] };
  if (bundle?.resourceType !== 'Bundle' || (bundle.type !== 'transaction-response' && bundle.type !== 'batch-response')) {
    record('2xx body is not the resource', c, `${res.status} ${res.text.slice(0, 300)}`);
    return;
  }
  for (const entry of bundle.entry ?? []) {
    const status = Number.parseInt(entry.response?.status ?? '', 10);
    if (status >= 500) record('5xx', c, `entry status ${entry.response?.status}`);
    if (status >= 400 && !isErrorOutcome(entry.response?.outcome)) record('4xx without OperationOutcome', c, `entry ${JSON.stringify(entry.response).slice(0, 300)}`);
    const location = entry.response?.location;
    if (status >= 200 && status < 300 && location && entry.resource !== undefined) {
      const read = await send(app, 'GET', `/fhir/${location}`);
      if (read.status !== 200 || read.text !== JSON.stringify(entry.resource)) {
        record('2xx does not read back identically', c, `GET ${location} ${read.status}: ${read.text.slice(0, 200)}`);
      }
    }
  }
}

async function runFuzz(app: FastifyInstance): Promise<void> {
  const rng = new Rng(SEED);
  let total = await historyTotal(app);
  for (let n = 0; n < CASES; n++) {
    const c = makeCase(n, rng);
    const res = await send(app, c.method, c.url, c.payload, c.contentType);
    statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
    const after = await historyTotal(app);
    if (res.status >= 500) {
      record('5xx', c, `${res.status} ${res.text.slice(0, 200)}`);
    } else if (res.status >= 400) {
      if (!isErrorOutcome(res.body) || !res.contentType.startsWith('application/fhir+json')) {
        record('4xx without OperationOutcome', c, `${res.status} ${res.contentType} ${res.text.slice(0, 300)}`);
      }
      if (res.text.length > Math.max(64 * 1024, 2 * c.payload.length)) {
        const issues = (res.body as { issue?: unknown[] } | undefined)?.issue?.length;
        record('oversized error response', c, `${res.status}: ${res.text.length} bytes, ${issues} issues, for a ${c.payload.length}-byte request`);
      }
    } else if (res.status >= 200 && res.status < 300) {
      successes++;
      await readBack(app, c, res);
      if (c.type !== undefined && after !== total + 1) record('2xx wrote other than one version', c, `history ${total} -> ${after}`);
    } else {
      record('unexpected status', c, `${res.status} ${res.text.slice(0, 200)}`);
    }
    if ((res.status >= 400 || res.status < 200) && after !== total) record('rejected request wrote', c, `${res.status}: history ${total} -> ${after}`);
    total = after;
  }
}

/** Every version in the system history, following the `next` links. */
async function checkStored(app: FastifyInstance): Promise<void> {
  let url: string | undefined = '/fhir/_history?_count=1000';
  while (url) {
    const page = await send(app, 'GET', url);
    if (page.status !== 200) {
      record('history page failed', undefined, `${url}: ${page.status} ${page.text.slice(0, 200)}`);
      return;
    }
    historyPages++;
    const bundle = page.body as { entry?: { resource?: unknown; fullUrl?: string }[]; link?: { relation: string; url: string }[] };
    for (const entry of bundle.entry ?? []) {
      if (entry.resource === undefined) continue; // a delete
      storedChecked++;
      const issues = structuralIssues(entry.resource);
      if (issues.length > 0) {
        record('stored resource fails structural validation', undefined, `${entry.fullUrl}: ${JSON.stringify(issues).slice(0, 300)} in ${JSON.stringify(entry.resource).slice(0, 300)}`);
      }
      const rules = jsonRuleViolations(entry.resource);
      if (rules.length > 0) {
        record('stored resource breaks FHIR JSON rules', undefined, `${entry.fullUrl}: ${rules.join(', ')} in ${JSON.stringify(entry.resource).slice(0, 300)}`);
      }
    }
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    url = next ? next.replace(BASE_URL, '/fhir') : undefined;
  }
}

beforeAll(async () => {
  // The test app's page limit (100) caps `_count=1000`, so checkStored follows several `next` links.
  server = await startTestApp({ bodyLimit: BODY_LIMIT });
  // The unmutated seeds first: they must be accepted (and are part of what is checked at the end).
  for (const type of RESOURCE_TYPES) {
    const res = await send(server.app, 'POST', `/fhir/${type}`, JSON.stringify(RESOURCE_SEEDS[type]), 'application/fhir+json');
    if (res.status !== 201) throw new Error(`seed ${type} refused: ${res.text}`);
  }
  const tx = await send(server.app, 'POST', '/fhir', JSON.stringify(bundleSeed()), 'application/fhir+json');
  if (tx.status !== 200) throw new Error(`seed transaction refused: ${tx.text}`);
  await runFuzz(server.app);
  await checkStored(server.app);
}, 180_000);
afterAll(() => server?.close());

describe(`fuzzed writes (${CASES} cases, seed ${SEED.toString(16)})`, () => {
  it('exercises both outcomes: many rejections and many stored resources', () => {
    const summary = JSON.stringify(Object.fromEntries([...statusCounts].sort((a, b) => a[0] - b[0])));
    expect(successes, summary).toBeGreaterThan(CASES * 0.1);
    expect(CASES - successes, summary).toBeGreaterThan(CASES * 0.3);
    expect(storedChecked).toBeGreaterThan(successes);
    expect(historyPages).toBeGreaterThanOrEqual(Math.ceil(storedChecked / 100));
  });

  it('seeds are valid resources', () => {
    for (const seed of [...Object.values(RESOURCE_SEEDS), bundleSeed()]) expect(structuralIssues(seed)).toEqual([]);
  });

  it('never answers 5xx', () => {
    expect(violations.filter((v) => v.kind === '5xx'), report('5xx')).toHaveLength(0);
  });

  it('answers every 4xx with an OperationOutcome (application/fhir+json)', () => {
    expect(violations.filter((v) => v.kind === '4xx without OperationOutcome'), report('4xx without OperationOutcome')).toHaveLength(0);
    expect(violations.filter((v) => v.kind === 'unexpected status'), report('unexpected status')).toHaveLength(0);
  });

  it('keeps error responses small: at most 64 kB or twice the request', () => {
    expect(violations.filter((v) => v.kind === 'oversized error response'), report('oversized error response')).toHaveLength(0);
  });

  it('writes nothing for a rejected request', () => {
    expect(violations.filter((v) => v.kind === 'rejected request wrote'), report('rejected request wrote')).toHaveLength(0);
  });

  it('answers every 2xx with the resource, which reads back identically', () => {
    for (const kind of ['2xx body is not the resource', '2xx does not read back identically', '2xx wrote other than one version']) {
      expect(violations.filter((v) => v.kind === kind), `${kind}: ${report(kind)}`).toHaveLength(0);
    }
  });

  it('stores only resources that pass the structural validation', () => {
    expect(violations.filter((v) => v.kind === 'history page failed'), report('history page failed')).toHaveLength(0);
    expect(violations.filter((v) => v.kind === 'stored resource fails structural validation'), report('stored resource fails structural validation')).toHaveLength(0);
  });

  it('stores no empty arrays or objects, no Object.prototype member names, no control characters', () => {
    expect(violations.filter((v) => v.kind === 'stored resource breaks FHIR JSON rules'), report('stored resource breaks FHIR JSON rules')).toHaveLength(0);
  });
});
