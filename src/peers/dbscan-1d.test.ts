import { describe, expect, it } from 'vitest';
import { useAugurs } from '../core/augurs.js';
import { createRng } from '../core/rng.js';
import { Dbscan1d } from './dbscan-1d.js';

/** augurs' own DBSCAN outlier scores (its wasm build), series q's sample i at q·n + i. */
function augursScores(series: Float64Array, count: number, n: number, sensitivity: number): Float64Array {
  const det = new (useAugurs('outlier').OutlierDetector)('dbscan', { sensitivity });
  try {
    const views = Array.from({ length: count }, (_, q) => series.subarray(q * n, (q + 1) * n));
    const res = det.detect(views);
    const out = new Float64Array(count * n);
    for (let q = 0; q < count; q++) res.seriesResults[q].scores.forEach((s, i) => (out[q * n + i] = s));
    return out;
  } finally {
    det.free();
  }
}

describe('Dbscan1d', () => {
  it('marks the same samples as augurs\' DBSCAN outlier detector on random groups', () => {
    const rng = createRng(11);
    const det = new Dbscan1d();
    let outlying = 0;
    let total = 0;
    for (let trial = 0; trial < 400; trial++) {
      const count = 1 + Math.floor(rng.next() * 14);
      const n = 1 + Math.floor(rng.next() * 12);
      const sensitivity = [0.1, 0.5, 0.9, 0.9995][trial % 4];
      const series = new Float64Array(count * n);
      const scale = 10 ** Math.floor(rng.next() * 8 - 4);
      for (let q = 0; q < count; q++) {
        const shifted = rng.next() < 0.2 ? 5 + rng.next() * 20 : 0; // an outlying replica
        for (let i = 0; i < n; i++) {
          // Ties (rounded values), spread clusters and outliers, at scales from 1e-4 to 1e3.
          const v = trial % 3 === 0 ? Math.round(rng.next() * 4) : rng.next() + shifted * (rng.next() < 0.7 ? 1 : 0);
          series[q * n + i] = v * scale;
        }
      }
      const mine = new Float64Array(count * n).fill(7);
      det.detect(series, count, n, sensitivity, mine);
      expect(Array.from(mine), `trial ${trial}`).toEqual(Array.from(augursScores(series, count, n, sensitivity)));
      outlying += mine.reduce((a, b) => a + b, 0);
      total += count * n;
    }
    // The cases cover both answers.
    expect(outlying).toBeGreaterThan(0.05 * total);
    expect(outlying).toBeLessThan(0.95 * total);
  });

  it('never marks a missing sample, and leaves out missing values from the clusters', () => {
    const det = new Dbscan1d();
    // 4 series, 2 samples: at sample 0 the 100 is outlying; at sample 1 only two values are present.
    const series = Float64Array.from([1, NaN, 1.1, 5, 0.9, NaN, 100, NaN]);
    const out = new Float64Array(8);
    det.detect(series, 4, 2, 0.9, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 1, 0]);
  });
});
