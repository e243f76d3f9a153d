/**
 * One gradient-boosting tree grown on histograms of gradients and hessians per bin (LightGBM /
 * scikit-learn's `HistGradientBoosting` grower): best-first, splitting the leaf with the largest gain
 * `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)` until `maxLeafNodes` leaves (or `maxDepth`, or no split
 * gains); the smaller child's histogram is built from its rows and the larger's is the parent's minus
 * it. Leaf value `−lr·G/(H+λ)`. Missing values: each split tries them on either side (and "missing or
 * not" as a split of its own); where a node had none, they go to the child with more rows. A node's
 * rows are a range of one index array, split in place (each side keeping its order); the grower hands
 * back the leaves' ranges and values, and the caller applies them to its scores.
 */
import { MISSING_BIN } from './binning.js';
import type { TreeSetBuilder } from './tree-store.js';

/** {@link MISSING_BIN}, read once: hot loops compare with a local constant, not an imported binding (which a transpiler may turn into a getter call). */
const MISSING = MISSING_BIN;

/** The grower's settings. */
export interface GrowerParams {
  maxLeafNodes: number;
  /** 0: no limit. */
  maxDepth: number;
  minSamplesLeaf: number;
  l2: number;
  learningRate: number;
}

/** The binned training rows. */
export interface GrowerData {
  /** Column-major codes: `codes[f * rows + i]`. */
  codes: Uint8Array;
  /**
   * The same, row-major (`rowCodes[i * cols + f]`: histograms read a row's codes together), with a
   * missing value as bin `edges[f].length + 1` (the bin after the last), as {@link histogramPool} lays out.
   */
  rowCodes: Uint8Array;
  rows: number;
  cols: number;
  edges: readonly Float64Array[];
  /** What every tree's histograms share ({@link histPlan}); without it every node reads `rowCodes`. */
  plan?: HistPlan;
}

/**
 * The codes laid out for histograms, once per fit. A feature whose most common bin holds over half
 * the rows (a sparse one: mostly 0, or mostly missing) is read only where a row is outside that bin;
 * the common bin's sums are then the node's totals less the others'. The root of every tree holds
 * every row, so its counts per bin are set once, and its dense features are read column by column in
 * row order, not through the row index; other nodes read a row's dense codes together and then its
 * few uncommon sparse ones.
 */
export interface HistPlan {
  /** The root histogram's counts, gradient and hessian cells 0. */
  counts: Float64Array;
  /** Column-major codes with missing as the bin after the last, as the histogram lays it out. */
  colCodes: Uint8Array;
  /** Per feature: its most common bin when sparse, else −1. */
  common: Int32Array;
  /** Per sparse feature: the rows outside its common bin, ascending (empty for a dense one). */
  others: Int32Array[];
  /** Four interleaved copies of one feature's gradient and hessian sums per bin. */
  scratch: Float64Array;
  /** The dense features, and where each one's histogram starts. */
  dense: Int32Array;
  denseOff: Int32Array;
  /** Row-major codes of the dense features only (`denseCodes[i * dense.length + j]`). */
  denseCodes: Uint8Array;
  /** Row i's uncommon sparse codes, as histogram cells: `cells[rowStart[i] … rowStart[i + 1] − 1]`. */
  rowStart: Int32Array;
  cells: Int32Array;
  /** The sparse features. */
  sparse: Int32Array;
}

/** Builds {@link HistPlan} for `data` (its `rowCodes` and `edges`). */
export function histPlan(data: GrowerData): HistPlan {
  const { rows, cols, rowCodes } = data;
  const off = histOffsets(data);
  const counts = new Float64Array(off[cols]);
  const colCodes = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let f = 0, c = i * cols; f < cols; f++) {
      const b = rowCodes[c + f];
      colCodes[f * rows + i] = b;
      counts[off[f] + b * 3 + 2]++;
    }
  }
  const common = new Int32Array(cols).fill(-1);
  const others: Int32Array[] = [];
  for (let f = 0; f < cols; f++) {
    const nb = data.edges[f].length + 2;
    let top = 0;
    for (let b = 1; b < nb; b++) if (counts[off[f] + b * 3 + 2] > counts[off[f] + top * 3 + 2]) top = b;
    const m = rows - counts[off[f] + top * 3 + 2];
    if (2 * m >= rows) {
      others.push(new Int32Array(0));
      continue;
    }
    common[f] = top;
    const list = new Int32Array(m);
    for (let i = 0, k = 0, base = f * rows; i < rows; i++) if (colCodes[base + i] !== top) list[k++] = i;
    others.push(list);
  }
  const dense = Int32Array.from(Array.from(common.keys()).filter((f) => common[f] < 0));
  const sparse = Int32Array.from(Array.from(common.keys()).filter((f) => common[f] >= 0));
  const nd = dense.length;
  const denseCodes = new Uint8Array(rows * nd);
  const rowStart = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < nd; j++) denseCodes[i * nd + j] = rowCodes[i * cols + dense[j]];
    let m = 0;
    for (const f of sparse) if (rowCodes[i * cols + f] !== common[f]) m++;
    rowStart[i + 1] = rowStart[i] + m;
  }
  const cells = new Int32Array(rowStart[rows]);
  for (let i = 0, k = 0; i < rows; i++) {
    for (const f of sparse) if (rowCodes[i * cols + f] !== common[f]) cells[k++] = off[f] + rowCodes[i * cols + f] * 3;
  }
  return {
    counts, colCodes, common, others, scratch: new Float64Array(257 * 8), dense, denseOff: Int32Array.from(dense, (f) => off[f]), denseCodes, rowStart, cells, sparse,
  };
}

/**
 * The root's histogram (every row) from {@link HistPlan}: `G`, `H` the gradient and hessian totals.
 * A dense feature's rows are summed into four interleaved copies of its histogram (row i into copy
 * i mod 4), added up at the end: four independent chains of additions instead of one, each waiting
 * less on the store before it (3–4× faster than one copy, measured).
 */
function buildRootHistogram(data: GrowerData, off: Int32Array, plan: HistPlan, gh: Float64Array, G: number, H: number, out: Float64Array): void {
  out.set(plan.counts);
  const { rows, cols } = data;
  const { colCodes: codes, common, others, scratch: tmp } = plan;
  for (let f = 0; f < cols; f++) {
    const o = off[f];
    const base = f * rows;
    const top = common[f];
    if (top < 0) {
      const nb = data.edges[f].length + 2;
      tmp.fill(0, 0, nb * 8);
      let i = 0;
      for (; i + 3 < rows; i += 4) {
        const q0 = codes[base + i] * 8, q1 = codes[base + i + 1] * 8 + 2, q2 = codes[base + i + 2] * 8 + 4, q3 = codes[base + i + 3] * 8 + 6;
        const e = 2 * i;
        tmp[q0] += gh[e];
        tmp[q0 + 1] += gh[e + 1];
        tmp[q1] += gh[e + 2];
        tmp[q1 + 1] += gh[e + 3];
        tmp[q2] += gh[e + 4];
        tmp[q2 + 1] += gh[e + 5];
        tmp[q3] += gh[e + 6];
        tmp[q3 + 1] += gh[e + 7];
      }
      for (; i < rows; i++) {
        const q = codes[base + i] * 8;
        tmp[q] += gh[2 * i];
        tmp[q + 1] += gh[2 * i + 1];
      }
      for (let b = 0; b < nb; b++) {
        const t = b * 8, q = o + b * 3;
        out[q] = tmp[t] + tmp[t + 2] + tmp[t + 4] + tmp[t + 6];
        out[q + 1] = tmp[t + 1] + tmp[t + 3] + tmp[t + 5] + tmp[t + 7];
      }
      continue;
    }
    const list = others[f];
    let gs = 0, hs = 0;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      const b = o + codes[base + i] * 3;
      const gi = gh[2 * i], hi = gh[2 * i + 1];
      out[b] += gi;
      out[b + 1] += hi;
      gs += gi;
      hs += hi;
    }
    out[o + top * 3] = G - gs;
    out[o + top * 3 + 1] = H - hs;
  }
}

const MIN_HESSIAN = 1e-3;
/** Below 1 by far more than rounding: see {@link findSplit}. */
const SLACK = 1 - 1e-9;
/** Where each feature's histogram starts: its bins and then its missing bin, each (gradient, hessian, count). */
function histOffsets(data: GrowerData): Int32Array {
  const off = new Int32Array(data.cols + 1);
  for (let f = 0; f < data.cols; f++) off[f + 1] = off[f] + (data.edges[f].length + 2) * 3;
  return off;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array;
  gain: number;
  feature: number;
  bin: number;
  missingRight: boolean;
  /** Gradient and hessian sums of the best split's left child. */
  gLeft: number;
  hLeft: number;
  /** Rows of the best split's left child. */
  cLeft: number;
}

/** Reuses histogram buffers between nodes and trees, with the partition's scratch space. */
export class HistogramPool {
  private free: Float64Array[] = [];
  readonly size: number;
  /** Room for a node's right-going rows while they are partitioned. */
  readonly spare: Int32Array;
  /** Per bin code, whether the split being applied sends it left (1) or right (0). */
  readonly left = new Uint8Array(MISSING + 1);
  constructor(readonly offsets: Int32Array, rows: number) {
    this.size = offsets[offsets.length - 1];
    this.spare = new Int32Array(rows);
  }
  take(): Float64Array {
    return this.free.pop() ?? new Float64Array(this.size);
  }
  give(h: Float64Array): void {
    this.free.push(h);
  }
}

/** A pool sized for `data`. */
export function histogramPool(data: GrowerData): HistogramPool {
  return new HistogramPool(histOffsets(data), data.rows);
}

function buildHistogram(data: GrowerData, off: Int32Array, idx: Int32Array, start: number, end: number, gh: Float64Array, out: Float64Array): void {
  out.fill(0);
  const { rowCodes: codes, cols } = data;
  let i = start;
  // Two rows at a time: their updates are independent, so one need not wait for the other's store
  // when both land in the same bin (common: a feature that is mostly 0).
  for (; i + 1 < end; i += 2) {
    const r0 = idx[i], r1 = idx[i + 1];
    const g0 = gh[2 * r0], h0 = gh[2 * r0 + 1], g1 = gh[2 * r1], h1 = gh[2 * r1 + 1];
    for (let f = 0, c0 = r0 * cols, c1 = r1 * cols; f < cols; f++) {
      const o = off[f];
      const b0 = o + codes[c0 + f] * 3;
      const b1 = o + codes[c1 + f] * 3;
      if (b0 === b1) {
        out[b0] += g0 + g1;
        out[b0 + 1] += h0 + h1;
        out[b0 + 2] += 2;
      } else {
        out[b0] += g0;
        out[b0 + 1] += h0;
        out[b0 + 2]++;
        out[b1] += g1;
        out[b1 + 1] += h1;
        out[b1 + 2]++;
      }
    }
  }
  for (; i < end; i++) {
    const r = idx[i];
    const gr = gh[2 * r], hr = gh[2 * r + 1];
    for (let f = 0, c = r * cols; f < cols; f++) {
      const b = off[f] + codes[c + f] * 3;
      out[b] += gr;
      out[b + 1] += hr;
      out[b + 2]++;
    }
  }
}

/**
 * A node's histogram (rows `idx[start, end)`, gradient and hessian totals `G`, `H`) from
 * {@link HistPlan}: every row's dense codes, then its uncommon sparse ones; each sparse feature's
 * common bin is the node's totals less its other bins.
 */
function buildNodeHistogram(off: Int32Array, plan: HistPlan, idx: Int32Array, start: number, end: number, gh: Float64Array, G: number, H: number, out: Float64Array): void {
  out.fill(0);
  const { denseOff, denseCodes: codes, rowStart, cells, sparse, common } = plan;
  const nd = denseOff.length;
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const gr = gh[2 * r], hr = gh[2 * r + 1];
    for (let j = 0, c = r * nd; j < nd; j++) {
      const q = denseOff[j] + codes[c + j] * 3;
      out[q] += gr;
      out[q + 1] += hr;
      out[q + 2]++;
    }
    for (let e = rowStart[r], z = rowStart[r + 1]; e < z; e++) {
      const q = cells[e];
      out[q] += gr;
      out[q + 1] += hr;
      out[q + 2]++;
    }
  }
  const m = end - start;
  for (let s = 0; s < sparse.length; s++) {
    const f = sparse[s];
    const o = off[f], top = o + common[f] * 3;
    let gs = 0, hs = 0, cs = 0;
    for (let q = o; q < off[f + 1]; q += 3) {
      gs += out[q];
      hs += out[q + 1];
      cs += out[q + 2];
    }
    const c = m - cs;
    out[top] = c > 0 ? G - gs : 0;
    out[top + 1] = c > 0 ? H - hs : 0;
    out[top + 2] = c;
  }
}

/** Fills in the best split of `leaf` from its histogram (gain −Infinity: none), with its left child's sums. */
function findSplit(data: GrowerData, off: Int32Array, leaf: Leaf, p: GrowerParams): void {
  const { hist, g: G, h: H } = leaf;
  const n = leaf.end - leaf.start;
  const lam = p.l2;
  const parent = (G * G) / (H + lam);
  leaf.gain = -Infinity;
  if (n < 2 * p.minSamplesLeaf || (p.maxDepth > 0 && leaf.depth >= p.maxDepth)) return;
  const msl = p.minSamplesLeaf;
  let best = 0; // a split must gain more than nothing
  // A candidate's gain takes two divisions, so it is first tested without: its children's score
  // G_L²/(H_L+λ) + G_R²/(H_R+λ), multiplied out by the (positive) denominators, against `bar`, the
  // score to beat (the best's, set a hair low so that rounding never hides a candidate the exact gain
  // would take: the splits chosen are the same).
  let bar = parent * SLACK;
  for (let f = 0; f < data.cols; f++) {
    const o = off[f];
    const nb = data.edges[f].length + 1;
    const mo = o + nb * 3;
    const gm = hist[mo], hm = hist[mo + 1], cm = hist[mo + 2];
    let gl = 0, hl = 0, cl = 0;
    if (cm === 0) {
      // No missing rows in the node (the usual case): the candidates below, one side, in a tight loop.
      for (let b = 0; b < nb - 1; b++) {
        const q = o + b * 3;
        const c = hist[q + 2];
        if (c === 0) continue;
        gl += hist[q];
        hl += hist[q + 1];
        cl += c;
        if (cl < msl) continue;
        const cR = n - cl;
        if (cR < msl) break; // and fewer still right of the next bins
        const hR = H - hl;
        if (hl < MIN_HESSIAN || hR < MIN_HESSIAN) continue;
        const gR = G - gl;
        const dl = hl + lam, dr = hR + lam;
        if (gl * gl * dr + gR * gR * dl <= bar * dl * dr) continue; // no better than the best: no division
        const gain = (gl * gl) / dl + (gR * gR) / dr - parent;
        if (gain > best) {
          best = gain;
          bar = (best + parent) * SLACK;
          leaf.gain = gain;
          leaf.feature = f;
          leaf.bin = b;
          leaf.missingRight = cR > cl;
          leaf.gLeft = gl;
          leaf.hLeft = hl;
          leaf.cLeft = cl;
        }
      }
      continue;
    }
    // Candidates: (bins ≤ b) left with the missing rows right (side 0) or left (side 1); b = MISSING:
    // every non-missing row left, the missing ones right.
    for (let b = 0; b <= nb; b++) {
      let bin = b;
      if (b < nb - 1) {
        const q = o + b * 3;
        if (hist[q + 2] === 0) continue;
        gl += hist[q];
        hl += hist[q + 1];
        cl += hist[q + 2];
        if (cl + cm >= n) { // nothing non-missing right of here: on to "missing or not"
          b = nb - 1;
          continue;
        }
      } else if (b === nb - 1 || cm === 0 || cm >= n) continue;
      else {
        bin = MISSING;
        gl = G - gm;
        hl = H - hm;
        cl = n - cm;
      }
      for (let side = 0; side < 2; side++) {
        if (side === 1 && (cm === 0 || bin === MISSING)) break;
        const gL = side ? gl + gm : gl, hL = side ? hl + hm : hl, cL = side ? cl + cm : cl;
        const cR = n - cL;
        if (cL < msl || cR < msl) continue;
        const hR = H - hL;
        if (hL < MIN_HESSIAN || hR < MIN_HESSIAN) continue;
        const gR = G - gL;
        const dl = hL + lam, dr = hR + lam;
        if (gL * gL * dr + gR * gR * dl <= bar * dl * dr) continue;
        const gain = (gL * gL) / dl + (gR * gR) / dr - parent;
        if (gain > best) {
          best = gain;
          bar = (best + parent) * SLACK;
          leaf.gain = gain;
          leaf.feature = f;
          leaf.bin = bin;
          leaf.missingRight = cm === 0 ? cR > cL : side === 0;
          leaf.gLeft = gL;
          leaf.hLeft = hL;
          leaf.cLeft = cL;
        }
      }
    }
  }
}

/**
 * Reorders `idx[start, end)` so the `nLeft` rows going left (bin ≤ `bin`, missing as `missingRight`
 * says) come first, each side in its former order (rows stay ascending, so later passes read codes
 * and gradients forward); returns where the right ones start. A split that peels a few rows off a
 * node (common: best-first trees on imbalanced classes grow like chains, the big node split again and
 * again) moves only those rows, with a branch that is rarely taken; an even split instead writes every
 * row to both sides' next slot (the left in place, the right in `spare`) and moves on only the side it
 * goes to, branch-free, so its random directions cost no mispredictions.
 */
function partition(
  codes: Uint8Array, base: number, idx: Int32Array, start: number, end: number, bin: number, missingRight: boolean, nLeft: number,
  spare: Int32Array, left: Uint8Array,
): number {
  for (let b = 0; b < MISSING; b++) left[b] = b <= bin ? 1 : 0;
  left[MISSING] = missingRight ? 0 : 1;
  const n = end - start;
  if (8 * (n - nLeft) < n) {
    // Few go right: the left ones close up in place, the right ones wait in `spare`.
    let a = start, z = 0;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      if (left[codes[base + r]] === 1) idx[a++] = r;
      else spare[z++] = r;
    }
    idx.set(spare.subarray(0, z), a);
    return a;
  } else if (8 * nLeft < n) {
    // Few go left: the same from the end, the right ones closing up towards it.
    let a = end, z = 0;
    for (let i = end - 1; i >= start; i--) {
      const r = idx[i];
      if (left[codes[base + r]] === 0) idx[--a] = r;
      else spare[z++] = r;
    }
    for (let j = 0; j < z; j++) idx[start + j] = spare[z - 1 - j];
    return a;
  } else {
    let a = start, z = 0;
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const l = left[codes[base + r]];
      idx[a] = r;
      spare[z] = r;
      a += l;
      z += 1 - l;
    }
    idx.set(spare.subarray(0, z), a);
    return a;
  }
}

/** `large = parent − small`, cell by cell. */
function subtract(parent: Float64Array, small: Float64Array, large: Float64Array): void {
  for (let k = 0; k < parent.length; k++) large[k] = parent[k] - small[k];
}

/**
 * Takes rows `idx[start, end)` (whose histogram is `small`, built by {@link buildNodeHistogram}) out of
 * histogram `out` in place: their dense and uncommon sparse cells row by row, each sparse feature's
 * common bin as `small` has it. Cheaper than {@link subtract} when the rows are few.
 */
function subtractRows(plan: HistPlan, off: Int32Array, idx: Int32Array, start: number, end: number, gh: Float64Array, small: Float64Array, out: Float64Array): void {
  const { denseOff, denseCodes: codes, rowStart, cells, sparse, common } = plan;
  const nd = denseOff.length;
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const gr = gh[2 * r], hr = gh[2 * r + 1];
    for (let j = 0, c = r * nd; j < nd; j++) {
      const q = denseOff[j] + codes[c + j] * 3;
      out[q] -= gr;
      out[q + 1] -= hr;
      out[q + 2]--;
    }
    for (let e = rowStart[r], z = rowStart[r + 1]; e < z; e++) {
      const q = cells[e];
      out[q] -= gr;
      out[q + 1] -= hr;
      out[q + 2]--;
    }
  }
  for (let s = 0; s < sparse.length; s++) {
    const top = off[sparse[s]] + common[sparse[s]] * 3;
    out[top] -= small[top];
    out[top + 1] -= small[top + 1];
    out[top + 2] -= small[top + 2];
  }
}

/** A grown tree's leaves: leaf j holds rows `idx[start[j], end[j])` and adds `value[j]` to their raw score. */
export interface TreeLeaves {
  count: number;
  start: Int32Array;
  end: Int32Array;
  value: Float64Array;
}

/** Room for the leaves of a tree of at most `maxLeafNodes` leaves. */
export function treeLeaves(maxLeafNodes: number): TreeLeaves {
  return { count: 0, start: new Int32Array(maxLeafNodes), end: new Int32Array(maxLeafNodes), value: new Float64Array(maxLeafNodes) };
}

/**
 * Grows one tree (a new tree in `out` adding to output column `column`) on rows `idx` (reordered in
 * place) with gradients and hessians `gh` (weights applied; row r's at `gh[2r]`, `gh[2r + 1]`) whose
 * totals over `idx` are `G` and `H`. Leaves each hold a range of `idx`, written to `leaves`. Returns
 * the tree's root node.
 */
export function growBoostedTree(
  data: GrowerData, idx: Int32Array, gh: Float64Array, G: number, H: number, p: GrowerParams, pool: HistogramPool,
  out: TreeSetBuilder, column: number, leaves: TreeLeaves,
): number {
  const root = out.beginTree(column);
  const off = pool.offsets;
  const first = newLeaf(root, 0, idx.length, 0, G, H, pool.take());
  if (data.plan && idx.length === data.rows) buildRootHistogram(data, off, data.plan, gh, G, H, first.hist);
  else buildHistogram(data, off, idx, 0, idx.length, gh, first.hist);
  findSplit(data, off, first, p);
  const open: Leaf[] = [first];
  let height = 0;
  while (open.length < p.maxLeafNodes) {
    let bi = -1;
    for (let i = 0; i < open.length; i++) if (open[i].gain > 0 && (bi < 0 || open[i].gain > open[bi].gain)) bi = i;
    if (bi < 0) break;
    const leaf = open[bi];
    const f = leaf.feature;
    const thr = leaf.bin === MISSING ? Infinity : data.edges[f][leaf.bin];
    const left = out.split(leaf.node, f, thr, leaf.missingRight);
    const a = partition(data.codes, f * data.rows, idx, leaf.start, leaf.end, leaf.bin, leaf.missingRight, leaf.cLeft, pool.spare, pool.left);
    const depth = leaf.depth + 1;
    if (depth > height) height = depth;
    const l = newLeaf(left, leaf.start, a, depth, leaf.gLeft, leaf.hLeft, pool.take());
    const r = newLeaf(left + 1, a, leaf.end, depth, leaf.g - leaf.gLeft, leaf.h - leaf.hLeft, pool.take());
    // The children's histograms only serve to split them: none when this split makes the last leaf,
    // or neither child may split (too few rows, or too deep); they stay leaves (gain −Infinity).
    if (open.length + 1 < p.maxLeafNodes && (splittable(l, p) || splittable(r, p))) {
      const [small, large] = l.end - l.start <= r.end - r.start ? [l, r] : [r, l];
      if (data.plan) buildNodeHistogram(off, data.plan, idx, small.start, small.end, gh, small.g, small.h, small.hist);
      else buildHistogram(data, off, idx, small.start, small.end, gh, small.hist);
      if (data.plan && 3 * (small.end - small.start) * data.cols < leaf.hist.length) {
        // Few rows: the parent's histogram becomes the larger child's, less the smaller's rows.
        pool.give(large.hist);
        large.hist = leaf.hist;
        subtractRows(data.plan, off, idx, small.start, small.end, gh, small.hist, large.hist);
      } else {
        subtract(leaf.hist, small.hist, large.hist);
        pool.give(leaf.hist);
      }
      findSplit(data, off, l, p);
      findSplit(data, off, r, p);
    } else pool.give(leaf.hist);
    open.splice(bi, 1, l, r);
  }
  leaves.count = open.length;
  for (let j = 0; j < open.length; j++) {
    const leaf = open[j];
    const v = (-p.learningRate * leaf.g) / (leaf.h + p.l2 + 1e-15);
    out.setValue(leaf.node, [v]);
    leaves.start[j] = leaf.start;
    leaves.end[j] = leaf.end;
    leaves.value[j] = v;
    pool.give(leaf.hist);
  }
  out.endTree(height);
  return root;
}

function newLeaf(node: number, start: number, end: number, depth: number, g: number, h: number, hist: Float64Array): Leaf {
  return { node, start, end, depth, g, h, hist, gain: -Infinity, feature: -1, bin: 0, missingRight: false, gLeft: 0, hLeft: 0, cLeft: 0 };
}

/** Whether a new leaf may still be split: rows enough for two children, and above the depth limit. */
function splittable(c: Leaf, p: GrowerParams): boolean {
  return c.end - c.start >= 2 * p.minSamplesLeaf && !(p.maxDepth > 0 && c.depth >= p.maxDepth);
}
