/**
 * Rolling windows of the last `size` values of each of `dims` columns, kept both in arrival order (a
 * ring) and sorted, in two flat Float64Arrays, so the median or any quantile of a column's window is
 * read in O(1) after an O(size) update, and nothing is allocated per value. The building block of
 * detectors that need rolling robust statistics of many columns (onset.ts).
 */

/** Rolling windows of `size` values for `dims` columns; see the module comment. */
export class SortedWindows {
  /** Per column j: its values in arrival order at [j·size, (j+1)·size), next slot `head[j]`. */
  private readonly ring: Float64Array;
  /** Per column j: its `count[j]` values sorted ascending at [j·size, j·size + count[j]). */
  private readonly sorted: Float64Array;
  private readonly counts: Int32Array;
  private readonly head: Int32Array;

  /** Empty windows of `size` values (≥ 1) for `dims` columns. */
  constructor(readonly dims: number, readonly size: number) {
    this.ring = new Float64Array(dims * size);
    this.sorted = new Float64Array(dims * size);
    this.counts = new Int32Array(dims);
    this.head = new Int32Array(dims);
  }

  /** Values in column `j`'s window (at most `size`). */
  count(j: number): number {
    return this.counts[j];
  }

  /** Adds `v` (finite) to column `j`'s window, dropping its oldest value when the window is full. */
  push(j: number, v: number): void {
    const W = this.size;
    const base = j * W;
    const c = this.counts[j];
    if (c === W) removeSorted(this.sorted, base, c, this.ring[base + this.head[j]]);
    else this.counts[j] = c + 1;
    insertSorted(this.sorted, base, this.counts[j] - 1, v);
    this.ring[base + this.head[j]] = v;
    this.head[j] = (this.head[j] + 1) % W;
  }

  /** The median of column `j`'s window (NaN when empty). */
  median(j: number): number {
    const c = this.counts[j];
    if (c === 0) return NaN;
    const base = j * this.size;
    const h = c >> 1;
    return c % 2 === 1 ? this.sorted[base + h] : 0.5 * (this.sorted[base + h - 1] + this.sorted[base + h]);
  }

  /** The `q`-quantile (0 ≤ q ≤ 1, linear between order statistics) of column `j`'s window (NaN when empty). */
  quantile(j: number, q: number): number {
    const c = this.counts[j];
    if (c === 0) return NaN;
    const base = j * this.size;
    const pos = q * (c - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(c - 1, lo + 1);
    return this.sorted[base + lo] + (pos - lo) * (this.sorted[base + hi] - this.sorted[base + lo]);
  }

  /** Column `j`'s values, oldest first (allocates: for snapshots). */
  values(j: number): number[] {
    const W = this.size;
    const c = this.counts[j];
    const start = c < W ? 0 : this.head[j];
    const out: number[] = [];
    for (let i = 0; i < c; i++) out.push(this.ring[j * W + ((start + i) % W)]);
    return out;
  }
}

/** Inserts `v` into the `c` sorted values at `a[base ..]` (room for one more), keeping them sorted. */
export function insertSorted(a: Float64Array, base: number, c: number, v: number): void {
  let i = base + c;
  while (i > base && a[i - 1] > v) {
    a[i] = a[i - 1];
    i--;
  }
  a[i] = v;
}

/**
 * Inserts `v` into the `c` sorted values at `a[0 ..]` (room for one more) and `p` at the same place
 * of `payload` (what each value belongs to), keeping both in the values' order: equal values keep
 * their order of insertion.
 */
export function insertSortedWith(a: Float64Array, payload: Int32Array, c: number, v: number, p: number): void {
  let i = c;
  while (i > 0 && a[i - 1] > v) {
    a[i] = a[i - 1];
    payload[i] = payload[i - 1];
    i--;
  }
  a[i] = v;
  payload[i] = p;
}

/** Removes one occurrence of `v` from the `c` sorted values at `a[base ..]` (binary search, then shift). */
export function removeSorted(a: Float64Array, base: number, c: number, v: number): void {
  let lo = base;
  let hi = base + c - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < base + c - 1; i++) a[i] = a[i + 1];
}
