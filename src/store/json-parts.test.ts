import { describe, expect, it } from 'vitest';
import { jsonParts, parseJsonBytes } from './json-parts.js';

const sample = {
  kind: 'kad-pod-models',
  formatVersion: 1,
  skipped: undefined,
  features: ['cpu', 'memory'],
  workloads: {},
  pods: {
    'default/web-1': { kind: 'adaptive', state: { w: [1, 2.5, -3e-7], s: 'a "quoted" \\ back,slash {not} [a] bracket' } },
    'default/ünïcode-2': { kind: 'adaptive', state: { nested: { deeper: { x: null } } }, at: new Date(0) },
  },
  trainedAt: 1_700_000_000_000,
};

describe('jsonParts', () => {
  it('joins to exactly JSON.stringify, at any depth, in more than one part', () => {
    for (const depth of [0, 1, 2, 3, 5]) {
      const parts = [...jsonParts(sample, depth)];
      expect(parts.join('')).toBe(JSON.stringify(sample));
      if (depth > 0) expect(parts.length).toBeGreaterThan(3);
    }
    for (const v of [[1, { a: 2 }], 'text', 3, null, {}, { a: {} }, { a: undefined }]) expect([...jsonParts(v)].join('')).toBe(JSON.stringify(v));
    // What JSON.stringify does with members: toJSON(key) with the member's name, one answering
    // undefined left out, boxed primitives as their values, an object with a null prototype opened.
    const odd = {
      p: { a: { toJSON: (k: string) => `key=${k}` }, gone: { toJSON: () => undefined }, f: () => 1, n: new Number(3), s: new String('hi'), b: new Boolean(false) },
      q: Object.assign(Object.create(null) as object, { x: { y: 1 } }),
      when: new Date(0),
    };
    for (const depth of [1, 2, 3]) expect([...jsonParts(odd, depth)].join('')).toBe(JSON.stringify(odd));
  });
});

describe('parseJsonBytes', () => {
  const text = JSON.stringify(sample, null, 1); // spaces and line ends between the parts too
  const bytes = Buffer.from(text);

  it('gives what JSON.parse gives, read whole or split member by member (as for text longer than a string)', () => {
    expect(parseJsonBytes(bytes)).toEqual(JSON.parse(text));
    for (const max of [0, 10, 200]) {
      const v = parseJsonBytes(bytes, 2, max) as Record<string, unknown>;
      expect(v).toEqual(JSON.parse(text));
      expect(Object.keys(v.pods as object)).toEqual(Object.keys(JSON.parse(text).pods)); // in order
    }
    expect(parseJsonBytes(Buffer.from(' {} '), 2, 0)).toEqual({});
    expect(parseJsonBytes(Buffer.from('{"a":{},"a":{"b":1}}'), 2, 0)).toEqual({ a: { b: 1 } });
    // As JSON.parse, "__proto__" is a member like any other, not the object's prototype.
    const p = (parseJsonBytes(Buffer.from('{"p":{"__proto__":{"own":true}}}'), 2, 0) as { p: object }).p;
    expect(Object.keys(p)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  });

  it('says what is wrong and where when split', () => {
    expect(() => parseJsonBytes(Buffer.from('{"a":1,}'), 2, 0)).toThrow(/expected a member name at byte 7/);
    expect(() => parseJsonBytes(Buffer.from('{"a" 1}'), 2, 0)).toThrow(/expected ':' at byte 5/);
    expect(() => parseJsonBytes(Buffer.from('{"a":{"b":[1,2}'), 2, 0)).toThrow(/object that starts at byte 0 does not end/);
    expect(() => parseJsonBytes(Buffer.from('{"a":1} x'), 2, 0)).toThrow(/unexpected text after the value at byte 8/);
    expect(() => parseJsonBytes(Buffer.from('{"a":{"b":tru}}'), 2, 0)).toThrow(SyntaxError);
  });
});
