/**
 * Median and median absolute deviation (MAD) of a run of values already sorted ascending in a
 * Float64Array, read without allocating: the building blocks of the rolling robust statistics in
 * detectors/robust-z.ts and store/expected-range.ts.
 */

/** MAD → standard deviation of a normal distribution (1.4826). */
export const MAD_TO_SD = 1.482602218505602;

/** The median of the `c` sorted values at `a[base .. base + c)`. */
export function medianOf(a: Float64Array, base: number, c: number): number {
  const h = c >> 1;
  return c % 2 === 1 ? a[base + h] : 0.5 * (a[base + h - 1] + a[base + h]);
}

/**
 * The median absolute deviation from `med` of the `c` sorted values at `a[base .. base + c)`, without
 * allocating: deviations grow outward from the median on both sides, so merging the two runs gives
 * them in ascending order and the middle one (or two) is the MAD.
 */
export function madOf(a: Float64Array, base: number, c: number, med: number): number {
  let lo = base + (c >> 1) - 1; // walks left: deviations med - a[lo], ascending
  let hi = base + (c >> 1); // walks right: deviations a[hi] - med, ascending
  const end = base + c;
  const k = (c - 1) >> 1; // the median deviation is the k-th smallest (and the next one when c is even)
  let prev = 0;
  for (let i = 0; i <= k + 1 - (c % 2); i++) {
    const dl = lo >= base ? med - a[lo] : Infinity;
    const dh = hi < end ? a[hi] - med : Infinity;
    const cur = dl <= dh ? dl : dh;
    if (dl <= dh) lo--;
    else hi++;
    if (i === k) {
      if (c % 2 === 1) return cur;
      prev = cur;
    } else if (i === k + 1) return 0.5 * (prev + cur);
  }
  return prev;
}
