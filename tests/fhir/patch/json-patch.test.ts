import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError } from '../../../src/fhir/patch/json-patch.ts';
import { describeWithFixtures } from '../../support/fixtures.ts';

interface FixtureCase {
  comment?: string;
  doc: unknown;
  patch: unknown;
  expected?: unknown;
  error?: string;
}

describeWithFixtures('JSON Patch fixtures (json-patch-tests.json)', 'fhir-patch-r4', (dir) => {
  const cases = JSON.parse(readFileSync(join(dir, 'json-patch-tests.json'), 'utf8')) as FixtureCase[];

  cases.forEach((c, i) => {
    const name = `#${i} ${c.comment ?? '(no comment)'}`;
    if (c.error !== undefined) {
      it(`${name} -> error: ${c.error}`, () => {
        expect(() => applyJsonPatch(c.doc, c.patch)).toThrow(JsonPatchError);
      });
    } else {
      it(name, () => {
        expect(applyJsonPatch(c.doc, c.patch)).toEqual(c.expected !== undefined ? c.expected : c.doc);
      });
    }
  });
});

describe('applyJsonPatch', () => {
  it('does not mutate the input, on success or on failure', () => {
    const doc = { a: { b: [1, 2] }, c: 'x' };
    const snapshot = structuredClone(doc);
    const result = applyJsonPatch(doc, [{ op: 'add', path: '/a/b/-', value: 3 }]);
    expect(result).toEqual({ a: { b: [1, 2, 3] }, c: 'x' });
    expect(doc).toEqual(snapshot);

    const failing = [
      { op: 'remove', path: '/c' },
      { op: 'add', path: '/a/b/0', value: 0 },
      { op: 'remove', path: '/missing' },
    ];
    expect(() => applyJsonPatch(doc, failing)).toThrow(JsonPatchError);
    expect(doc).toEqual(snapshot);
  });

  it('names the operation index and path in errors', () => {
    const patch = [
      { op: 'test', path: '/a', value: 1 },
      { op: 'add', path: '/b', value: 2 },
      { op: 'remove', path: '/a/b' },
    ];
    expect(() => applyJsonPatch({ a: 1 }, patch)).toThrow(/patch operation 2 \(remove\): .*\/a\/b/);
  });

  it('treats __proto__ as plain data (no prototype pollution)', () => {
    const attack = [{ op: 'add', path: '/__proto__/polluted', value: true }];
    // {} has no own "__proto__" member, so its parent does not exist.
    expect(() => applyJsonPatch({}, attack)).toThrow(JsonPatchError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // With an own "__proto__" member (as JSON.parse creates), the patch edits that member only.
    const parsed = JSON.parse('{"__proto__": {}}') as Record<string, unknown>;
    const result = applyJsonPatch(parsed, attack);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')?.value).toEqual({ polluted: true });

    const own = applyJsonPatch<Record<string, unknown>>({}, [
      { op: 'add', path: '/__proto__', value: { polluted: true } },
      { op: 'add', path: '/constructor', value: 1 },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
    expect(Object.keys(own)).toEqual(['__proto__', 'constructor']);
    expect(() => applyJsonPatch({}, [{ op: 'test', path: '/constructor', value: {} }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch({}, [{ op: 'remove', path: '/toString' }])).toThrow(JsonPatchError);
  });

  it('rejects malformed operations', () => {
    const bad: unknown[] = [
      { op: 'add', path: '/a', value: 1 },
      null,
      'add',
      [{ op: 'frobnicate', path: '/a' }],
      [{ op: 'add', path: '/a' }],
      [{ op: 'replace', path: '/a' }],
      [{ op: 'test', path: '/a' }],
      [{ op: 'add', value: 1 }],
      [{ op: 'add', path: 'a', value: 1 }],
      [{ op: 'add', path: '/a~2', value: 1 }],
      [{ op: 'move', path: '/b' }],
      [{ op: 'copy', from: 7, path: '/b' }],
      [42],
    ];
    for (const ops of bad) {
      expect(() => applyJsonPatch({ a: 1 }, ops), JSON.stringify(ops)).toThrow(JsonPatchError);
    }
  });

  it('follows RFC 6902 array index rules', () => {
    const doc = { a: [1, 2] };
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/a/2', value: 3 }])).toEqual({ a: [1, 2, 3] });
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }])).toEqual({ a: [1, 2, 3] });
    for (const ops of [
      [{ op: 'add', path: '/a/3', value: 3 }],
      [{ op: 'add', path: '/a/01', value: 3 }],
      [{ op: 'add', path: '/a/-1', value: 3 }],
      [{ op: 'replace', path: '/a/2', value: 3 }],
      [{ op: 'replace', path: '/a/-', value: 3 }],
      [{ op: 'remove', path: '/a/2' }],
      [{ op: 'test', path: '/a/length', value: 2 }],
    ]) {
      expect(() => applyJsonPatch(doc, ops), JSON.stringify(ops)).toThrow(JsonPatchError);
    }
  });

  it('handles move, copy, test equality and the root', () => {
    expect(() => applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/c' }])).toThrow(JsonPatchError);
    expect(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a' }])).toEqual({ a: { b: 1 } });
    expect(applyJsonPatch({ a: 1, ab: 2 }, [{ op: 'move', from: '/a', path: '/ab' }])).toEqual({ ab: 1 });

    const copied = applyJsonPatch({ a: { b: [1] } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ]);
    expect(copied).toEqual({ a: { b: [1] }, c: { b: [1, 2] } });

    const doc = { o: { x: 1, y: [1, 2] }, n: 1 };
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/o', value: { y: [1, 2], x: 1 } }])).toEqual(doc);
    expect(applyJsonPatch(doc, [{ op: 'test', path: '/n', value: 1.0 }])).toEqual(doc);
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/o/y', value: [2, 1] }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/o', value: { x: 1 } }])).toThrow(JsonPatchError);

    expect(applyJsonPatch(doc, [{ op: 'replace', path: '', value: [1] }])).toEqual([1]);
    expect(applyJsonPatch(doc, [{ op: 'add', path: '', value: 'x' }])).toEqual('x');
    expect(applyJsonPatch(doc, [{ op: 'remove', path: '' }])).toBeNull();
    expect(applyJsonPatch({ 'a/b': { '~': 1 } }, [{ op: 'test', path: '/a~1b/~0', value: 1 }])).toEqual({
      'a/b': { '~': 1 },
    });
  });
});
