/**
 * One CART classification tree on binned features (see binning.ts), for the random forest: best split
 * by Gini or entropy over a random subset of features per node, searched on histograms of class
 * weights per bin for nodes of at least half as many rows as the feature has bins and on the node's
 * rows sorted by bin for smaller ones (the same splits either way, up to the order of the
 * additions). A threshold lies midway between the node's raw values either side of the split, as
 * scikit-learn's, so the tree predicts on raw values.
 *
 * Missing values: each split tries sending a node's missing rows left and right and keeps the better
 * (and "missing or not" is itself a candidate split); where a node had no missing rows, they go to
 * the child with more rows. As scikit-learn, `mtry` features are drawn per node, constant ones
 * included, and more only while every one drawn is constant in the node.
 */
import type { Rng } from '../core/rng.js';
import { MISSING_BIN } from './binning.js';
import type { TreeSetBuilder } from './tree-store.js';

/** {@link MISSING_BIN}, read once: hot loops compare with a local constant, not an imported binding (which a transpiler may turn into a getter call). */
const MISSING = MISSING_BIN;

/** What every tree of a forest grows on. */
export interface CartData {
  /** Column-major bin codes: feature j of row i is `codes[j * rows + i]`. */
  codes: Uint8Array;
  /** The raw values, column-major as `codes`: a threshold is placed midway between the node's values either side. */
  values: Float64Array;
  rows: number;
  cols: number;
  edges: readonly Float64Array[];
  /** Class index per row. */
  y: Int32Array;
  nClasses: number;
}

/** Tree settings. */
export interface CartParams {
  criterion: 'gini' | 'entropy';
  /** 0: no limit. */
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features drawn per node. */
  mtry: number;
}

/** Buffers reused across the trees of a forest. */
export interface CartWork {
  total: Float64Array;
  missing: Float64Array;
  left: Float64Array;
  tmpL: Float64Array;
  tmpR: Float64Array;
  bestL: Float64Array;
  bestR: Float64Array;
  hist: Float64Array;
  count: Int32Array;
  keys: Uint32Array;
  perm: Int32Array;
}

/** Allocates the buffers for `data`. */
export function cartWork(data: CartData): CartWork {
  const c = data.nClasses;
  const v = () => new Float64Array(c);
  return {
    total: v(), missing: v(), left: v(), tmpL: v(), tmpR: v(), bestL: v(), bestR: v(),
    hist: new Float64Array(256 * c), count: new Int32Array(256), keys: new Uint32Array(data.rows), perm: new Int32Array(data.cols),
  };
}

/** Node impurity of class weights `v` summing to `w`. */
function impurity(v: Float64Array, w: number, entropy: boolean): number {
  if (w <= 0) return 0;
  let s = 0;
  for (let k = 0; k < v.length; k++) {
    const p = v[k] / w;
    if (entropy) s -= p > 0 ? p * Math.log2(p) : 0;
    else s += p * p;
  }
  return entropy ? s : 1 - s;
}

/** The split score to maximise (scikit-learn's proxy): −(W_L·I_L + W_R·I_R) up to a constant. */
function proxy(l: Float64Array, wl: number, r: Float64Array, wr: number, entropy: boolean): number {
  let s = 0;
  if (entropy) {
    for (let k = 0; k < l.length; k++) {
      if (l[k] > 0) s += l[k] * Math.log(l[k] / wl);
      if (r[k] > 0) s += r[k] * Math.log(r[k] / wr);
    }
    return s;
  }
  let a = 0, b = 0;
  for (let k = 0; k < l.length; k++) {
    a += l[k] * l[k];
    b += r[k] * r[k];
  }
  return a / wl + b / wr;
}

/** The best split found so far in a node. */
interface BestSplit {
  best: number;
  feature: number;
  bin: number;
  missRight: boolean;
  wl: number;
  wr: number;
}

/**
 * Evaluates the split "bins ≤ b left" of feature `f` given `work.left`/`lc` (the non-missing rows left
 * of it) and `work.missing`/`mc` (the missing ones, tried on either side), keeping it in `S` when best.
 */
function considerSplit(S: BestSplit, work: CartWork, b: number, f: number, m: number, mc: number, lc: number, W: number, Wm: number, minLeaf: number, entropy: boolean): void {
  const { left: L, missing: M, total: T, tmpL, tmpR } = work;
  const C = L.length;
  const rc = m - mc - lc;
  let wl = 0;
  for (let k = 0; k < C; k++) wl += L[k];
  const wr0 = W - Wm - wl;
  for (let side = 0; side < 2; side++) {
    const missRight = side === 0;
    if (mc === 0 && side === 1) break;
    const cl = missRight ? lc : lc + mc;
    const cr = missRight ? rc + mc : rc;
    if (cl < minLeaf || cr < minLeaf || cl === 0 || cr === 0) continue;
    const Wl = missRight ? wl : wl + Wm;
    const Wr = missRight ? wr0 + Wm : wr0;
    if (Wl <= 0 || Wr <= 0) continue;
    for (let k = 0; k < C; k++) {
      tmpL[k] = missRight ? L[k] : L[k] + M[k];
      tmpR[k] = T[k] - tmpL[k];
    }
    const score = proxy(tmpL, Wl, tmpR, Wr, entropy);
    if (score > S.best) {
      S.best = score;
      S.feature = f;
      S.bin = b;
      S.missRight = mc === 0 ? cr > cl : missRight;
      S.wl = Wl;
      S.wr = Wr;
      work.bestL.set(tmpL);
      work.bestR.set(tmpR);
    }
  }
}

/**
 * Where a split of feature `f` after bin `bin` puts its threshold: midway between the node's largest
 * value in bins ≤ bin and its smallest above (as scikit-learn, which splits between a node's sorted
 * values), so the same rows go either side as by bins, and new values between are shared evenly; a
 * bin edge would put every such value on the right.
 */
function nodeThreshold(data: CartData, idx: Int32Array, start: number, end: number, f: number, bin: number): number {
  const { codes, rows, values } = data;
  const base = f * rows;
  let lo = -Infinity, hi = Infinity, hiBin = MISSING; // the nearest bin above `bin` and its smallest value
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const b = codes[base + r];
    if (b === bin) {
      const v = values[base + r];
      if (v > lo) lo = v;
    } else if (b > bin && b <= hiBin && b !== MISSING) {
      const v = values[base + r];
      if (b < hiBin || v < hi) hi = v;
      hiBin = b;
    }
  }
  const t = lo / 2 + hi / 2;
  return t < hi && Number.isFinite(t) ? t : Number.isFinite(lo) ? lo : data.edges[f][bin];
}

/**
 * Grows one tree on rows `idx` (reordered in place) with row weights `w` into `out` (a new tree adding
 * to column 0); adds each split's weighted impurity decrease (weight × impurity, less the children's)
 * to `importance[feature]`.
 */
export function growTree(data: CartData, w: Float64Array, idx: Int32Array, p: CartParams, rng: Rng, out: TreeSetBuilder, work: CartWork, importance: Float64Array): void {
  const { codes, rows, cols, edges, y, nClasses: C } = data;
  const { total: T, missing: M, left: L, tmpL, bestL, bestR, hist, count, keys, perm } = work;
  const entropy = p.criterion === 'entropy';
  const S: BestSplit = { best: -Infinity, feature: -1, bin: -1, missRight: false, wl: 0, wr: 0 };
  const root = out.beginTree(0);
  const stack: number[] = [root, 0, idx.length, 0];
  // Class weights of the nodes on the stack (a split knows its children's), the root's counted here.
  const totals: Float64Array[] = [new Float64Array(C)];
  for (let i = 0; i < idx.length; i++) totals[0][y[idx[i]]] += w[idx[i]];
  let height = 0;
  while (stack.length) {
    const dep = stack.pop() as number;
    const end = stack.pop() as number;
    const start = stack.pop() as number;
    const node = stack.pop() as number;
    T.set(totals.pop() as Float64Array);
    if (dep > height) height = dep;
    const m = end - start;
    let W = 0;
    for (let k = 0; k < C; k++) W += T[k];
    for (let k = 0; k < C; k++) tmpL[k] = W > 0 ? T[k] / W : 0;
    out.setValue(node, tmpL);
    const nodeImp = impurity(T, W, entropy);
    if ((p.maxDepth > 0 && dep >= p.maxDepth) || m < p.minSamplesSplit || m < 2 * p.minSamplesLeaf || nodeImp <= 1e-12) continue;

    S.best = -Infinity;
    S.feature = -1;
    for (let j = 0; j < cols; j++) perm[j] = j;
    // As scikit-learn: draw `mtry` features, constant ones included; go on drawing only while every
    // feature drawn so far is constant in the node.
    let drawn = 0, varying = 0;
    for (let q = 0; q < cols && (drawn < p.mtry || varying === 0); q++) {
      drawn++;
      const s = q + rng.int(cols - q);
      const f = perm[s];
      perm[s] = perm[q];
      perm[q] = f;
      const nb = edges[f].length + 1;
      const base = f * rows;
      let levels = 0; // distinct non-missing bins in the node
      M.fill(0);
      L.fill(0);
      let mc = 0, lc = 0, Wm = 0;
      if (2 * m >= nb) {
        // A histogram from half as many rows as the feature has bins up: cheaper than sorting them
        // (Nezha's 448-row folds: forest fit 1.3x faster than from four times as many rows up).
        // The missing rows land in bin MISSING (255) like the others; two rows at a time, so one
        // need not wait for the other's store when both land in the same cell.
        hist.fill(0, 0, nb * C);
        hist.fill(0, MISSING * C, (MISSING + 1) * C);
        count.fill(0, 0, nb);
        count[MISSING] = 0;
        let i = start;
        for (; i + 1 < end; i += 2) {
          const r0 = idx[i], r1 = idx[i + 1];
          const b0 = codes[base + r0], b1 = codes[base + r1];
          const c0 = b0 * C + y[r0], c1 = b1 * C + y[r1];
          if (c0 === c1) hist[c0] += w[r0] + w[r1];
          else {
            hist[c0] += w[r0];
            hist[c1] += w[r1];
          }
          count[b0]++;
          count[b1]++;
        }
        if (i < end) {
          const r = idx[i];
          const b = codes[base + r];
          hist[b * C + y[r]] += w[r];
          count[b]++;
        }
        for (let k = 0; k < C; k++) M[k] = hist[MISSING * C + k];
        mc = count[MISSING];
        for (let k = 0; k < C; k++) Wm += M[k];
        for (let b = 0; b < nb; b++) if (count[b] > 0) levels++;
        for (let b = 0; b < nb - 1; b++) {
          if (count[b] === 0) continue;
          for (let k = 0; k < C; k++) L[k] += hist[b * C + k];
          lc += count[b];
          if (lc < m - mc) considerSplit(S, work, b, f, m, mc, lc, W, Wm, p.minSamplesLeaf, entropy);
        }
      } else {
        for (let i = start; i < end; i++) keys[i - start] = (codes[base + idx[i]] << 23) | (i - start);
        const ks = keys.subarray(0, m).sort();
        let nm = m; // missing rows sort last
        while (nm > 0 && ks[nm - 1] >>> 23 === MISSING) nm--;
        for (let k = nm; k < m; k++) M[y[idx[start + (ks[k] & 0x7fffff)]]] += w[idx[start + (ks[k] & 0x7fffff)]];
        mc = m - nm;
        for (let k = 0; k < C; k++) Wm += M[k];
        for (let k = 0; k < nm;) {
          const b = ks[k] >>> 23;
          levels++;
          for (; k < nm && ks[k] >>> 23 === b; k++) {
            const r = idx[start + (ks[k] & 0x7fffff)];
            L[y[r]] += w[r];
            lc++;
          }
          if (lc < nm) considerSplit(S, work, b, f, m, mc, lc, W, Wm, p.minSamplesLeaf, entropy);
        }
      }
      if (mc > 0 && mc < m) {
        // "Missing or not": every non-missing row left, the missing ones right.
        for (let k = 0; k < C; k++) L[k] = T[k] - M[k];
        lc = m - mc;
        considerSplit(S, work, MISSING, f, m, mc, lc, W, Wm, p.minSamplesLeaf, entropy);
      }
      if (levels > 1 || (mc > 0 && mc < m)) varying++;
    }
    if (S.feature < 0) continue;
    const { feature: bestF, bin: bestBin, missRight: bestMissRight, wl: bestWl, wr: bestWr } = S;
    const thr = bestBin === MISSING ? Infinity : nodeThreshold(data, idx, start, end, bestF, bestBin);
    const left = out.split(node, bestF, thr, bestMissRight);
    const imp = W * nodeImp - bestWl * impurity(bestL, bestWl, entropy) - bestWr * impurity(bestR, bestWr, entropy);
    importance[bestF] += imp;
    // Partition idx[start, end): left rows first.
    const base = bestF * rows;
    let a = start, z = end - 1;
    while (a <= z) {
      const b = codes[base + idx[a]];
      const goLeft = b === MISSING ? !bestMissRight : b <= bestBin;
      if (goLeft) a++;
      else {
        const t = idx[a];
        idx[a] = idx[z];
        idx[z--] = t;
      }
    }
    stack.push(left, start, a, dep + 1, left + 1, a, end, dep + 1);
    totals.push(Float64Array.from(bestL), Float64Array.from(bestR));
  }
  out.endTree(height);
}
