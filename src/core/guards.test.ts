import { describe, expect, it } from 'vitest';
import { isStringRecord } from './guards.js';

describe('isStringRecord', () => {
  it('takes a plain object of strings and nothing else', () => {
    expect(isStringRecord({})).toBe(true);
    expect(isStringRecord({ alertname: 'KadPodAnomaly', pod: 'web-1' })).toBe(true);
    for (const x of [null, undefined, 'a', 1, ['a'], { n: 1 }, { a: 'x', b: null }]) expect(isStringRecord(x)).toBe(false);
  });
});
