/**
 * Small allocation-free statistics for the time-to-exhaustion estimator: order statistics on a
 * typed-array prefix (quickselect), the Theil–Sen slope of a run of points, and the normal CDF.
 */

/** The k-th smallest (0-based) of a[0 .. n), reordering a (Hoare quickselect). */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i] = a[j];
        a[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** The median of a[0 .. n) (n ≥ 1), reordering a. */
export function medianInPlace(a: Float64Array, n: number): number {
  const h = n >>> 1;
  const upper = selectKth(a, n, h);
  if (n % 2 === 1) return upper;
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if (a[i] > lower) lower = a[i]; // after the select, a[0 .. h) ≤ a[h]
  return 0.5 * (lower + upper);
}

/** Up to this many points, {@link theilSen} uses every pair (at most 276 slopes). */
export const ALL_PAIRS_MAX = 24;

/**
 * Theil–Sen slope of the points (t[i], v[i]) for i in [from, from + n): the median of the slopes of
 * all pairs up to {@link ALL_PAIRS_MAX} points, beyond that of each point with the one n/2 later.
 * Uses `work` (length ≥ max(n, 276)) as scratch; 0 when no pair has distinct times.
 */
export function theilSen(t: Float64Array, v: Float64Array, from: number, n: number, work: Float64Array): number {
  let ns = 0;
  if (n <= ALL_PAIRS_MAX) {
    for (let i = from; i < from + n; i++) {
      for (let j = i + 1; j < from + n; j++) {
        const dt = t[j] - t[i];
        if (dt > 0) work[ns++] = (v[j] - v[i]) / dt;
      }
    }
  } else {
    const h = n >>> 1;
    for (let i = from; i + h < from + n; i++) {
      const dt = t[i + h] - t[i];
      if (dt > 0) work[ns++] = (v[i + h] - v[i]) / dt;
    }
  }
  return ns > 0 ? medianInPlace(work, ns) : 0;
}

/** Standard normal CDF (moved to stats/normal.ts; re-exported for the estimator's callers). */
export { normalCdf } from '../stats/normal.js';
