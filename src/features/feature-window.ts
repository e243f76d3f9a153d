/**
 * A pod's recent feature window, summarised for a classifier: for each feature its value now, its
 * mean and maximum over the last `size` steps, and its change over them (now less the oldest). A
 * classifier naming an incident needs the shape of the last minutes (a climb, a plateau, a spike),
 * not one point. Missing values (NaN) are left out of the mean and maximum (NaN when all are missing).
 * Keyed by pod; allocates one ring per pod and one output vector per call.
 */

/** The summary statistics, in output order per feature. */
export const WINDOW_STATS = ['', '_mean', '_max', '_delta'] as const;

/** Names of the summary of features `names` over a window of `size` steps: `x`, `x_mean10`, `x_max10`, `x_delta10`, … */
export function windowFeatureNames(names: readonly string[], size: number): string[] {
  return names.flatMap((n) => WINDOW_STATS.map((s) => (s === '' ? n : `${n}${s}${size}`)));
}

interface Ring {
  data: Float64Array;
  count: number;
  head: number;
}

/** See the module comment. */
export class FeatureWindow {
  private readonly rings = new Map<string, Ring>();

  /** @param dims features per vector; @param size steps in the window (default 10) */
  constructor(readonly dims: number, readonly size = 10) {}

  /** Adds `x` as the newest vector of `key` and returns the window's summary (`dims × 4` values, see {@link windowFeatureNames}). */
  push(key: string, x: ArrayLike<number>): Float64Array {
    const d = this.dims, w = this.size;
    let r = this.rings.get(key);
    if (!r) this.rings.set(key, (r = { data: new Float64Array(d * w), count: 0, head: 0 }));
    for (let j = 0; j < d; j++) r.data[r.head * d + j] = x[j];
    r.head = (r.head + 1) % w;
    if (r.count < w) r.count++;
    const oldest = r.count < w ? 0 : r.head;
    const out = new Float64Array(d * WINDOW_STATS.length);
    for (let j = 0; j < d; j++) {
      let s = 0, n = 0, mx = -Infinity;
      for (let k = 0; k < r.count; k++) {
        const v = r.data[k * d + j];
        if (v !== v) continue;
        s += v;
        n++;
        if (v > mx) mx = v;
      }
      const o = j * WINDOW_STATS.length;
      out[o] = x[j];
      out[o + 1] = n ? s / n : NaN;
      out[o + 2] = n ? mx : NaN;
      out[o + 3] = x[j] - r.data[oldest * d + j];
    }
    return out;
  }

  /** Forgets a pod. */
  forget(key: string): void {
    this.rings.delete(key);
  }
}
