/**
 * Feature binning for the histogram tree learners (random forest and gradient boosting), the way
 * scikit-learn's `_BinMapper` does it: per feature at most `maxBins` (≤ 255) bins; with no more
 * distinct values than that, one bin per value (edges at the midpoints), else edges at the midpoint
 * percentiles of (a sample of up to 200,000) values. Missing values (NaN) get their own bin,
 * {@link MISSING_BIN}. A value `x` falls in bin `b` = the number of edges below it, so the rows of bins
 * `0..b` are exactly those with `x <= edges[b]`: a split learned on bins is a threshold on raw values.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { createRng } from '../core/rng.js';

/** The bin code of a missing value. */
export const MISSING_BIN = 255;
/** Rows sampled to place the edges (scikit-learn's `subsample`). */
const EDGE_SAMPLE = 200_000;

/** Bin edges per feature. */
export interface BinEdges {
  /** Edges of feature j, ascending; it has `edges[j].length + 1` bins. */
  edges: Float64Array[];
}

/** Places at most `maxBins` bins per column of `frame` (seeded sample for large frames). */
export function fitBins(frame: Frame, maxBins = 255, seed = 0): BinEdges {
  if (!(Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= 255)) throw new InputError(`binning: maxBins must be an integer in [2, 255], got ${maxBins}`);
  const { rows, cols, data } = frame;
  let pick: Int32Array | null = null;
  if (rows > EDGE_SAMPLE) {
    const rng = createRng(seed);
    pick = new Int32Array(EDGE_SAMPLE);
    for (let i = 0; i < EDGE_SAMPLE; i++) pick[i] = rng.int(rows);
  }
  const n = pick ? pick.length : rows;
  const buf = new Float64Array(n);
  const edges: Float64Array[] = [];
  for (let j = 0; j < cols; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const v = data[(pick ? pick[i] : i) * cols + j];
      if (v === v) buf[m++] = v;
    }
    const s = buf.subarray(0, m).sort();
    edges.push(edgesOf(s, maxBins));
  }
  return { edges };
}

/** Edges from sorted values: midpoints between distinct values, or between midpoint percentiles. */
function edgesOf(s: Float64Array, maxBins: number): Float64Array {
  const distinct: number[] = [];
  for (let i = 0; i < s.length && distinct.length <= maxBins; i++) if (i === 0 || s[i] !== s[i - 1]) distinct.push(s[i]);
  const out: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 1; k < distinct.length; k++) out.push(midpoint(distinct[k - 1], distinct[k]));
  } else {
    // numpy.percentile(…, method="midpoint") at 100·b/maxBins, b = 1 … maxBins−1, then unique.
    for (let b = 1; b < maxBins; b++) {
      const pos = (b / maxBins) * (s.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      const v = midpoint(s[lo], s[hi]);
      if (out.length === 0 || v > out[out.length - 1]) out.push(v);
    }
  }
  return Float64Array.from(out);
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  return Number.isFinite(m) ? m : a; // ±Infinity neighbours
}

/** The bin of `x` under `edges` (the count of edges below x); {@link MISSING_BIN} for NaN. */
export function binOf(edges: Float64Array, x: number): number {
  if (x !== x) return MISSING_BIN;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bins every value of `frame`: column-major codes (`codes[j * rows + i]`), as the tree learners scan them. */
export function applyBins(b: BinEdges, frame: Frame): Uint8Array {
  const { rows, cols, data } = frame;
  if (cols !== b.edges.length) throw new InputError(`binning: frame has ${cols} columns, the bins ${b.edges.length}`);
  const codes = new Uint8Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const e = b.edges[j];
    for (let i = 0, o = j * rows; i < rows; i++) codes[o + i] = binOf(e, data[i * cols + j]);
  }
  return codes;
}

/** Column-major codes (rows × cols) laid out row-major, a missing value as the bin after feature j's last (`edges[j].length + 1`). */
export function transposeCodes(b: BinEdges, codes: Uint8Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(codes.length);
  for (let j = 0; j < cols; j++) {
    const missing = b.edges[j].length + 1;
    for (let i = 0, o = j * rows; i < rows; i++) out[i * cols + j] = codes[o + i] === MISSING_BIN ? missing : codes[o + i];
  }
  return out;
}
