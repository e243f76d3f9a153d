import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { medianInPlace, normalCdf, selectKth, theilSen } from './exhaustion-stats.js';

describe('exhaustion stats', () => {
  it('selectKth and medianInPlace agree with sorting, ties included', () => {
    const rng = createRng(11);
    for (let n = 1; n <= 60; n++) {
      const values = Array.from({ length: n }, () => Math.round(rng.normal() * 4) + 0); // + 0: no -0
      const sorted = [...values].sort((a, b) => a - b);
      const k = rng.int(n);
      expect(selectKth(Float64Array.from(values), n, k)).toBe(sorted[k]);
      const want = n % 2 ? sorted[n >> 1] : 0.5 * (sorted[(n >> 1) - 1] + sorted[n >> 1]);
      expect(medianInPlace(Float64Array.from(values), n)).toBe(want);
    }
  });

  it('theilSen finds a line exactly and ignores a quarter of wild points, for few and many points', () => {
    const work = new Float64Array(400);
    for (const n of [10, 24, 25, 200]) {
      const t = Float64Array.from({ length: n + 3 }, (_, i) => i * 60_000);
      const v = Float64Array.from(t, (x) => 5 + 2e-6 * x);
      expect(theilSen(t, v, 3, n, work)).toBeCloseTo(2e-6, 15);
      for (let i = 3; i < n + 3; i += 5) v[i] += 1e6; // 20% outliers
      expect(theilSen(t, v, 3, n, work)).toBeCloseTo(2e-6, 12);
    }
    expect(theilSen(new Float64Array(3).fill(1), Float64Array.of(1, 2, 3), 0, 3, work)).toBe(0);
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(normalCdf(NaN)).toBeNaN();
  });
});
