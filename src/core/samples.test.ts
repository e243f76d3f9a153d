import { describe, expect, it } from 'vitest';
import { CALLEE_REGULAR, CALLEE_WINDOWS, countMissingCallees } from './samples.js';

describe('countMissingCallees', () => {
  // Per callee, the windows (0: the latest) it got a call in.
  const count = (calls: Record<string, number[]>) => countMissingCallees(Object.keys(calls), (c, k) => calls[c].includes(k));
  const all = Array.from({ length: CALLEE_WINDOWS }, (_, k) => k);

  it('counts the regular callees (called in CALLEE_REGULAR of the last CALLEE_WINDOWS windows) with no call in the latest', () => {
    const regularButQuiet = all.slice(1, 1 + CALLEE_REGULAR); // 5 earlier windows, not the latest
    const occasional = all.slice(1, CALLEE_REGULAR); // 4 earlier windows: not regular
    expect(count({ a: all, b: regularButQuiet, c: occasional })).toBe(1);
    expect(count({ a: all, b: all })).toBe(0);
    expect(count({ b: regularButQuiet, d: [...regularButQuiet] })).toBe(2);
  });

  it('is NaN when no callee is regular, or there are none', () => {
    expect(count({ c: all.slice(0, CALLEE_REGULAR - 1) })).toBeNaN();
    expect(count({})).toBeNaN();
  });
});
