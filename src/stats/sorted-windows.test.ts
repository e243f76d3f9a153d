import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { insertSortedWith, SortedWindows } from './sorted-windows.js';

/** The q-quantile of `v` by sorting a copy, linear between order statistics (numpy's default). */
function naiveQuantile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (pos - lo) * (s[hi] - s[lo]);
}

describe('SortedWindows', () => {
  it('keeps each column’s last `size` values: median, quantiles and arrival order match a sort', () => {
    const w = new SortedWindows(2, 7);
    const rng = createRng(11);
    const seen: number[][] = [[], []];
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < 2; j++) {
        const v = j === 0 ? Math.round(rng.normal() * 3) : rng.normal() * 100; // column 0 has ties
        w.push(j, v);
        seen[j].push(v);
        const last = seen[j].slice(-7);
        expect(w.count(j)).toBe(last.length);
        expect(w.values(j)).toEqual(last);
        expect(w.median(j)).toBeCloseTo(naiveQuantile(last, 0.5), 12);
        for (const q of [0, 0.1, 0.95, 1]) expect(w.quantile(j, q)).toBeCloseTo(naiveQuantile(last, q), 12);
      }
    }
  });

  it('gives NaN for an empty column and leaves the other columns alone', () => {
    const w = new SortedWindows(3, 4);
    w.push(1, 5);
    expect(w.median(0)).toBeNaN();
    expect(w.quantile(2, 0.5)).toBeNaN();
    expect(w.median(1)).toBe(5);
    expect(w.values(0)).toEqual([]);
  });
});

describe('insertSortedWith', () => {
  it('keeps the values sorted and each payload with its value, equal values in insertion order', () => {
    const rng = createRng(5);
    const a = new Float64Array(40);
    const p = new Int32Array(40);
    const input = Array.from({ length: 40 }, () => Math.round(rng.next() * 8));
    input.forEach((v, k) => insertSortedWith(a, p, k, v, k));
    const expected = input.map((v, k) => [v, k]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    expect(Array.from(a)).toEqual(expected.map((x) => x[0]));
    expect(Array.from(p)).toEqual(expected.map((x) => x[1]));
  });
});
