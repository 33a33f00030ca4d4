/**
 * RFC 6902 JSON Patch, applied to a deep clone of the document (all-or-nothing).
 * Pointers follow RFC 6901. Keys such as `__proto__` are plain data: only own
 * properties are read, and writes go through Object.defineProperty.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
const OP_NAMES: readonly OpName[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

interface Operation {
  op: OpName;
  path: string[];
  from?: string[];
  value?: JsonValue;
}

export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

function clone(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(clone);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) setOwn(out, key, clone(value[key]));
    return out;
  }
  return value as JsonValue;
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** Re-encodes parsed tokens as a JSON Pointer string (for messages). */
function pointer(tokens: readonly string[]): string {
  return tokens.map((t) => '/' + t.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Parses an RFC 6901 pointer; returns undefined when malformed. */
function parsePointer(text: string): string[] | undefined {
  if (text === '') return [];
  if (!text.startsWith('/') || /~(?![01])/.test(text)) return undefined;
  return text.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Validates the raw patch document into typed operations. */
function parseOperations(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) throw new JsonPatchError('JSON Patch document must be an array of operations');
  return operations.map((raw: unknown, i): Operation => {
    const fail = (what: string): never => {
      throw new JsonPatchError(`patch operation ${i}: ${what}`);
    };
    if (!isObject(raw)) return fail('must be an object');
    const op = hasOwn(raw, 'op') ? raw.op : undefined;
    if (typeof op !== 'string' || !(OP_NAMES as readonly string[]).includes(op)) {
      return fail(`op must be one of ${OP_NAMES.join(', ')} (got ${JSON.stringify(op) ?? 'nothing'})`);
    }
    const name = op as OpName;
    const member = (key: 'path' | 'from'): string[] => {
      const text = hasOwn(raw, key) ? raw[key] : undefined;
      if (typeof text !== 'string') return fail(`(${name}) "${key}" must be a string JSON Pointer`);
      return parsePointer(text) ?? fail(`(${name}) "${key}" ${JSON.stringify(text)} is not a valid JSON Pointer`);
    };
    const parsed: Operation = { op: name, path: member('path') };
    if (name === 'move' || name === 'copy') parsed.from = member('from');
    if (name === 'add' || name === 'replace' || name === 'test') {
      if (!hasOwn(raw, 'value') || raw.value === undefined) return fail(`(${name}) "value" is missing`);
      parsed.value = raw.value;
    }
    return parsed;
  });
}

/** Applies one parsed operation to `doc` (mutating it) and returns the new root. */
function applyOperation(doc: JsonValue, op: Operation, index: number): JsonValue {
  const fail = (what: string): never => {
    throw new JsonPatchError(`patch operation ${index} (${op.op}): ${what}`);
  };

  /** Array index for `token`; `forAdd` allows `-` and index == length. */
  const arrayIndex = (arr: JsonValue[], token: string, tokens: string[], forAdd: boolean): number => {
    if (forAdd && token === '-') return arr.length;
    if (!/^(0|[1-9][0-9]*)$/.test(token)) return fail(`path ${pointer(tokens)}: "${token}" is not a valid array index`);
    const i = Number(token);
    if (i > arr.length || (i === arr.length && !forAdd)) {
      return fail(`path ${pointer(tokens)}: index ${token} is out of range (array length ${arr.length})`);
    }
    return i;
  };

  /** Resolves the whole pointer to an existing value. */
  const get = (tokens: string[]): JsonValue => {
    let current = doc;
    for (let depth = 0; depth < tokens.length; depth++) {
      const token = tokens[depth];
      const here = tokens.slice(0, depth + 1);
      if (Array.isArray(current)) current = current[arrayIndex(current, token, here, false)];
      else if (isObject(current) && hasOwn(current, token)) current = current[token];
      else return fail(`path ${pointer(here)} does not exist`);
    }
    return current;
  };

  /** Resolves the container holding the last token, which must exist. */
  const parentOf = (tokens: string[]): JsonValue[] | JsonObject => {
    const parent = get(tokens.slice(0, -1));
    if (Array.isArray(parent) || isObject(parent)) return parent;
    return fail(`path ${pointer(tokens.slice(0, -1))} is not an object or array, cannot address ${pointer(tokens)}`);
  };

  const add = (tokens: string[], value: JsonValue): void => {
    if (tokens.length === 0) {
      doc = value;
      return;
    }
    const parent = parentOf(tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, tokens, true), 0, value);
    else setOwn(parent, last, value);
  };

  const remove = (tokens: string[]): JsonValue => {
    const removed = get(tokens); // checks existence
    if (tokens.length === 0) {
      doc = null; // RFC 6902 is silent on removing the root; the document becomes null
      return removed;
    }
    const parent = parentOf(tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, tokens, false), 1);
    else delete parent[last];
    return removed;
  };

  const replace = (tokens: string[], value: JsonValue): void => {
    get(tokens); // checks existence
    if (tokens.length === 0) {
      doc = value;
      return;
    }
    const parent = parentOf(tokens);
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) parent[arrayIndex(parent, last, tokens, false)] = value;
    else setOwn(parent, last, value); // keeps the key's position
  };

  switch (op.op) {
    case 'add':
      add(op.path, clone(op.value));
      break;
    case 'remove':
      remove(op.path);
      break;
    case 'replace':
      replace(op.path, clone(op.value));
      break;
    case 'copy':
      add(op.path, clone(get(op.from ?? [])));
      break;
    case 'move': {
      const from = op.from ?? [];
      if (from.length < op.path.length && from.every((t, i) => t === op.path[i])) {
        fail(`cannot move ${pointer(from)} into its own child ${pointer(op.path)}`);
      }
      add(op.path, remove(from));
      break;
    }
    case 'test':
      if (!deepEqual(get(op.path), op.value ?? null)) {
        fail(`value at path ${pointer(op.path)} is not equal to the expected value`);
      }
      break;
  }
  return doc;
}

/**
 * Applies an RFC 6902 patch to a deep clone of `document` and returns the result.
 * The input is never mutated; any problem throws JsonPatchError and nothing is applied.
 */
export function applyJsonPatch<T>(document: T, operations: unknown): T {
  const ops = parseOperations(operations);
  let doc = clone(document);
  ops.forEach((op, i) => {
    doc = applyOperation(doc, op, i);
  });
  return doc as unknown as T;
}
