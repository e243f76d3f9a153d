/**
 * Which of a group of series are outlying at each timestamp, by a one-dimensional DBSCAN over the
 * group's values at that timestamp: the algorithm of augurs' `DbscanDetector` (augurs-outlier
 * `dbscan.rs`, the `dbscan` of `@bsull/augurs/outlier`), in TypeScript on typed arrays, so the peer
 * scorer (peer-group.ts) calls no wasm and converts no arrays for it. augurs' wasm build takes each
 * series as a JS array and gives back objects per series and sample through serde: at 10,000 pods
 * that glue was half of a scoring cycle.
 *
 * - ε = (1 − min(sensitivity, 0.999)) × span × 1.1, where span = max(|max − min| over every value
 *   of every series, 0.1): the scale of the whole group's data;
 * - at each timestamp, the values sorted (NaN left out, never outlying); with 2 or fewer nothing is
 *   outlying; otherwise a
 *   cluster is a run of sorted values each within ε of the previous one, and the first run to hold
 *   more than half of the values (⌊m / 2⌋ + 1 of m) is the normal cluster: values below its first or
 *   above its last are outlying. No such run: every value is outlying.
 *
 * The result per sample is 1 (outlying) or 0, as augurs' `scores`. dbscan-1d.test.ts checks it
 * against augurs' own on random groups.
 */
import { insertSortedWith } from '../stats/sorted-windows.js';

/** The detector, with scratch arrays it reuses (grown to the largest group seen): nothing is allocated per call. */
export class Dbscan1d {
  private values = new Float64Array(0);
  private order = new Int32Array(0);

  /**
   * Marks outlying samples: `series` holds `count` series of `n` samples each, series q's sample i
   * at `q·n + i` (NaN: missing, never outlying); writes 1 (outlying) or 0 to `out` at the same places.
   */
  detect(series: Float64Array, count: number, n: number, sensitivity: number, out: Float64Array): void {
    out.fill(0, 0, count * n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < count * n; k++) {
      const v = series[k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = Math.max(Math.abs(hi - lo), 0.1);
    const eps = Math.max((1 - Math.min(sensitivity, 1 - 1e-3)) * span * 1.1, 1.1754943508222875e-38);
    if (this.values.length < count) {
      this.values = new Float64Array(count);
      this.order = new Int32Array(count);
    }
    const values = this.values;
    const order = this.order;
    for (let i = 0; i < n; i++) {
      // The finite values at timestamp i, sorted, with their series (insertion sort: groups are small).
      let m = 0;
      for (let q = 0; q < count; q++) {
        const v = series[q * n + i];
        if (v !== v) continue;
        insertSortedWith(values, order, m++, v, q);
      }
      if (m <= 2) continue;
      const need = (m >> 1) + 1;
      let bottom = NaN;
      let top = NaN;
      let runStart = 0;
      let size = 1;
      for (let j = 1; j < m; j++) {
        if (values[j] - values[j - 1] <= eps) {
          size++;
          if (size >= need) {
            if (bottom !== bottom) bottom = values[runStart];
            top = values[j];
          }
        } else {
          size = 1;
          runStart = j;
        }
      }
      for (let j = 0; j < m; j++) {
        if (bottom !== bottom || values[j] < bottom || values[j] > top) out[order[j] * n + i] = 1;
      }
    }
  }
}
