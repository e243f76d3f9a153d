import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { stratifiedFolds, stratifiedSplit, takeRows } from './split.js';

describe('splits', () => {
  const y = Int32Array.from({ length: 103 }, (_, i) => (i < 90 ? 0 : i < 100 ? 1 : 2));

  it('keeps each class\'s share in a train/test split, reproducibly', () => {
    const s = stratifiedSplit(y, 3, 0.2, 1);
    const count = (idx: Int32Array, k: number) => Array.from(idx).filter((i) => y[i] === k).length;
    expect([count(s.test, 0), count(s.test, 1), count(s.test, 2)]).toEqual([18, 2, 1]);
    expect(s.train.length + s.test.length).toBe(103);
    expect(new Set([...s.train, ...s.test]).size).toBe(103);
    expect(stratifiedSplit(y, 3, 0.2, 1)).toEqual(s);
    expect(stratifiedSplit(y, 3, 0.2, 2)).not.toEqual(s);
    expect(() => stratifiedSplit(y, 3, 1, 1)).toThrow(InputError);
  });

  it('deals each class round k folds', () => {
    const f = stratifiedFolds(y, 3, 5, 1);
    for (let k = 0; k < 5; k++) {
      const rows = Array.from(f).filter((v) => v === k).length;
      expect(rows).toBeGreaterThanOrEqual(20);
      expect(rows).toBeLessThanOrEqual(21);
      expect(Array.from(y).filter((v, i) => v === 1 && f[i] === k).length).toBe(2);
    }
  });

  it('takes rows of a frame', () => {
    const frame = { names: ['a', 'b'], rows: 3, cols: 2, data: Float64Array.of(1, 2, 3, 4, 5, 6), times: Float64Array.of(10, 20, 30) };
    const t = takeRows(frame, [2, 0]);
    expect(Array.from(t.data)).toEqual([5, 6, 1, 2]);
    expect(Array.from(t.times!)).toEqual([30, 10]);
  });
});
