import { describe, expect, it } from 'vitest';
import { ErrorSums, scorePoint } from './error-sums.js';

describe('forecast error sums', () => {
  it('scores a point: absolute errors, percentage error, interval hits', () => {
    expect(scorePoint(10, 8, 13, 7, 9, 7, 12)).toEqual({ absError: 2, absNaive: 3, ape: 0.2, in80: 0, in95: 1 });
    expect(scorePoint(0, 1, 0, -1, 1, -2, 2).ape).toBeNaN();
  });

  it('sums MASE and MAE over points with a baseline, MAPE over y ≠ 0, coverage over all', () => {
    const sums = new ErrorSums();
    for (const [y, point, naive] of [[10, 8, 13], [0, 1, 1], [4, 4, NaN]]) {
      const s = scorePoint(y, point, naive, point - 1, point + 1, point - 2, point + 2);
      sums.add(s.absError, s.absNaive, s.ape, s.in80, s.in95);
    }
    const r = sums.summary();
    expect(r).toMatchObject({ points: 3, mase: 3 / 4, maeModel: 1.5, maeNaive: 2, coverage80: 2 / 3, coverage95: 1 });
    expect(r.mape).toBeCloseTo((100 * (0.2 + 0)) / 2, 12);
  });

  it('says NaN with nothing to measure, ∞ or 0 against an exact baseline', () => {
    expect(new ErrorSums().summary()).toMatchObject({ points: 0, mase: NaN, mape: NaN, coverage80: NaN });
    const exact = new ErrorSums();
    exact.add(1, 0, 0.5, 0, 0);
    expect(exact.summary().mase).toBe(Infinity);
    const both = new ErrorSums();
    both.add(0, 0, 0, 1, 1);
    expect(both.summary().mase).toBe(0);
  });
});
