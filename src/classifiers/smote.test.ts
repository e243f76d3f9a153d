import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { blobs } from './fixtures.testkit.js';
import { smote } from './smote.js';

describe('smote', () => {
  const data = blobs(1, 600, 3, 3, 4, [10, 2, 1]);

  it('raises every class to the largest one, with new rows between rows of the same class', () => {
    const count = (ls: string[], c: string) => ls.filter((l) => l === c).length;
    const r = smote(data.frame, data.labels, { seed: 1 });
    const big = count(data.labels, 'c0');
    for (const c of ['c0', 'c1', 'c2']) expect(count(r.labels, c)).toBe(big);
    expect(r.added.c0).toBe(0);
    expect(r.frame.rows).toBe(r.labels.length);
    expect(r.frame.data.subarray(0, data.frame.data.length)).toEqual(data.frame.data); // originals first, unchanged
    // Every new c2 row lies inside the bounding box of the real c2 rows.
    const d = 3;
    const real = data.labels.flatMap((l, i) => (l === 'c2' ? [i] : []));
    for (let j = 0; j < d; j++) {
      const vals = real.map((i) => data.frame.data[i * d + j]);
      const lo = Math.min(...vals), hi = Math.max(...vals);
      for (let i = data.frame.rows; i < r.frame.rows; i++) {
        if (r.labels[i] !== 'c2') continue;
        expect(r.frame.data[i * d + j]).toBeGreaterThanOrEqual(lo - 1e-9);
        expect(r.frame.data[i * d + j]).toBeLessThanOrEqual(hi + 1e-9);
      }
    }
  });

  it('is reproducible by seed, and honours explicit targets', () => {
    expect(smote(data.frame, data.labels, { seed: 3 }).frame.data).toEqual(smote(data.frame, data.labels, { seed: 3 }).frame.data);
    expect(smote(data.frame, data.labels, { seed: 3 }).frame.data).not.toEqual(smote(data.frame, data.labels, { seed: 4 }).frame.data);
    const r = smote(data.frame, data.labels, { targets: { c2: 100, c1: 0 } });
    expect(r.added).toEqual({ c0: 0, c1: 0, c2: 100 - data.labels.filter((l) => l === 'c2').length });
  });

  it('keeps a missing value of the base row missing', () => {
    const frame = { names: ['a', 'b'], rows: 6, cols: 2, data: Float64Array.of(0, 0, 1, 1, 2, NaN, 10, 10, 11, 11, 12, 12) };
    const labels = ['x', 'x', 'x', 'y', 'y', 'y'];
    const r = smote(frame, labels, { targets: { x: 200 }, seed: 2 });
    let missing = 0;
    for (let i = 6; i < r.frame.rows; i++) {
      expect(Number.isNaN(r.frame.data[i * 2])).toBe(false);
      if (Number.isNaN(r.frame.data[i * 2 + 1])) missing++;
    }
    expect(missing).toBeGreaterThan(0); // base row 2 drawn some of the time
    expect(missing).toBeLessThan(197);
  });

  it('SMOTE-NC: one-hot columns stay one-hot, taking the neighbours\' most common category', () => {
    // Columns: x, then a one-hot of three categories; the minority class is always category 1.
    const rows: number[][] = [];
    const labels: string[] = [];
    for (let i = 0; i < 40; i++) { rows.push([i, 1, 0, 0]); labels.push('major'); }
    for (let i = 0; i < 6; i++) { rows.push([100 + i, 0, 1, 0]); labels.push('minor'); }
    const frame = { names: ['x', 'k_a', 'k_b', 'k_c'], rows: rows.length, cols: 4, data: Float64Array.from(rows.flat()) };
    const r = smote(frame, labels, { categorical: [[1, 2, 3]], seed: 1 });
    for (let i = frame.rows; i < r.frame.rows; i++) {
      expect(Array.from(r.frame.data.subarray(i * 4 + 1, i * 4 + 4))).toEqual([0, 1, 0]);
      expect(r.frame.data[i * 4]).toBeGreaterThanOrEqual(100);
    }
  });

  it('copies the row of a class that has only one', () => {
    const frame = { names: ['a'], rows: 4, cols: 1, data: Float64Array.of(1, 2, 3, 7) };
    const r = smote(frame, ['x', 'x', 'x', 'y'], {});
    expect(Array.from(r.frame.data.subarray(4))).toEqual([7, 7]);
  });

  it('refuses bad options', () => {
    expect(() => smote(data.frame, data.labels, { k: 0 })).toThrow(InputError);
    expect(() => smote(data.frame, data.labels.slice(1))).toThrow(/labels/);
    expect(() => smote(data.frame, data.labels, { categorical: [[0, 9]] })).toThrow(/categorical/);
  });
});
