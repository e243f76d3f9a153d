import { describe, expect, it } from 'vitest';
import { applyBins, binOf, fitBins, MISSING_BIN } from './binning.js';

describe('binning', () => {
  it('one bin per distinct value (edges at midpoints), NaN in its own bin', () => {
    const frame = { names: ['x'], rows: 6, cols: 1, data: Float64Array.of(3, 1, 2, 2, NaN, 1) };
    const b = fitBins(frame);
    expect(Array.from(b.edges[0])).toEqual([1.5, 2.5]);
    expect(Array.from(applyBins(b, frame))).toEqual([2, 0, 1, 1, MISSING_BIN, 0]);
  });

  it('at most maxBins bins from midpoint percentiles, and a split on bins is a threshold on values', () => {
    const data = Float64Array.from({ length: 1000 }, (_, i) => (i * 37) % 1000);
    const b = fitBins({ names: ['x'], rows: 1000, cols: 1, data }, 16);
    expect(b.edges[0].length).toBe(15);
    const e = b.edges[0];
    for (let k = 0; k < e.length; k++) {
      expect(binOf(e, e[k])).toBe(k); // x <= edges[k] ⇔ bin <= k
      expect(binOf(e, e[k] + 1e-9)).toBe(k + 1);
    }
  });
});
