/**
 * Histogram gradient-boosted trees for classification, after scikit-learn's
 * `HistGradientBoostingClassifier` (and LightGBM): features binned once (≤ 255 bins, binning.ts), one
 * tree per class and iteration on the softmax gradients (one tree per iteration on the logistic
 * gradients for two classes), grown best-first (hist-grower.ts) with a learning rate, a leaf or depth
 * limit, L2 on leaf values (default 1: see {@link GbdtParams.l2}) and a minimum of rows per leaf. Early stopping holds out a stratified
 * validation share and stops when its log loss has not improved by `tol` for `nIterNoChange`
 * iterations ("auto": on when there are more than 10,000 rows, as scikit-learn). Missing values (NaN)
 * go the way each split learned. Each row's softmax numerators are kept between iterations and
 * multiplied by `exp` of its new leaves' values (one `exp` a leaf, not a row).
 */
import { ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { intIn, paramReader } from '../core/params.js';
import { openSnapshot } from '../core/snapshot.js';
import { applyBins, fitBins, transposeCodes } from './binning.js';
import type { Classifier, ClassifierSnapshot, FitOptions } from './classifier.js';
import { histogramPool, growBoostedTree, histPlan, treeLeaves, type GrowerData } from './hist-grower.js';
import { encodeLabels, rowWeights } from './labels.js';
import { checkColumns, checkFitFrame, choiceParam, namesOf } from './params.js';
import { stratifiedSplit, takeRows } from './split.js';
import { addTrees, decodeTreeSet, encodeTreeSet, TreeSetBuilder, type TreeSet } from './tree-store.js';

/** Gradient boosting settings; every one has a default (scikit-learn's). */
export interface GbdtParams {
  /** Shrinkage of each tree (default 0.1). */
  learningRate?: number;
  /** Boosting iterations (default 100). */
  maxIter?: number;
  /** Leaves per tree (default 31). */
  maxLeafNodes?: number;
  /** Deepest a tree grows; 0 (default): no limit besides the leaves. */
  maxDepth?: number;
  /** Rows each leaf must keep (default 20). */
  minSamplesLeaf?: number;
  /**
   * L2 penalty on leaf values (default 1, XGBoost's; scikit-learn's is 0, where a leaf of a rare class's
   * rows, whose hessians are tiny, takes a huge Newton step and the model diverges on imbalanced data).
   */
  l2?: number;
  /** Bins per feature, 2–255 (default 255). */
  maxBins?: number;
  /** "auto" (default: on above 10,000 rows), true or false. */
  earlyStopping?: 'auto' | boolean;
  /** Share held out for early stopping (default 0.1). */
  validationFraction?: number;
  /** Iterations without improvement before stopping (default 10). */
  nIterNoChange?: number;
  /** Smallest improvement of the validation loss that counts (default 1e-7). */
  tol?: number;
}

/** {@link GbdtParams} with the defaults filled in. */
export type ResolvedGbdtParams = Required<GbdtParams>;

const KIND = 'gbdt';
const FORMAT_VERSION = 1;
const PARAMS = ['learningRate', 'maxIter', 'maxLeafNodes', 'maxDepth', 'minSamplesLeaf', 'l2', 'maxBins', 'earlyStopping', 'validationFraction', 'nIterNoChange', 'tol'];
const EPS = 1e-15;

/** Checks gradient boosting settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveGbdtParams(p: Record<string, unknown>): ResolvedGbdtParams {
  const num = paramReader(KIND, p, PARAMS);
  return {
    learningRate: num('learningRate', 0.1, (v) => v > 0 && v <= 10, 'a number in (0, 10]'),
    maxIter: num('maxIter', 100, intIn(1, 100_000), 'an integer in [1, 100000]'),
    maxLeafNodes: num('maxLeafNodes', 31, intIn(2, 1 << 16), 'an integer in [2, 65536]'),
    maxDepth: num('maxDepth', 0, intIn(0, 1000), 'an integer in [0, 1000] (0: no limit)'),
    minSamplesLeaf: num('minSamplesLeaf', 20, intIn(1, 2 ** 31), 'an integer >= 1'),
    l2: num('l2', 1, (v) => v >= 0 && Number.isFinite(v), 'a number >= 0'),
    maxBins: num('maxBins', 255, intIn(2, 255), 'an integer in [2, 255]'),
    earlyStopping: choiceParam(KIND, p, 'earlyStopping', 'auto', ['auto', true, false] as const),
    validationFraction: num('validationFraction', 0.1, (v) => v > 0 && v < 1, 'a number in (0, 1)'),
    nIterNoChange: num('nIterNoChange', 10, intIn(1, 100_000), 'an integer >= 1'),
    tol: num('tol', 1e-7, (v) => v >= 0 && Number.isFinite(v), 'a number >= 0'),
  };
}

/** Raw scores (rows × K) to probabilities (rows × C), in place into `out`. */
function toProba(raw: Float64Array, rows: number, K: number, out: Float64Array): void {
  if (K === 1) {
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-raw[i]));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * K;
    let mx = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k] > mx) mx = raw[o + k];
    let s = 0;
    for (let k = 0; k < K; k++) s += (out[o + k] = Math.exp(raw[o + k] - mx));
    for (let k = 0; k < K; k++) out[o + k] /= s;
  }
}

/**
 * Probabilities, gradients and hessians of the log loss for the next iteration. `scores` holds, per
 * output column k (P = max(K, 2) of them; K = 1: column 1 is class 1's, column 0 class 0's, whose raw
 * score stays 0) and row i, at q = k·rows + i (a tree's column together), the raw score at
 * `scores[2q]` and the softmax numerator at `scores[2q + 1]`: the row's probability from the last
 * call times `exp(leaf value)` of each tree since, for its column (the caller multiplies), so no `exp`
 * per row. The numerators are summed and normalised in place to the probabilities (the softmax of the
 * raw scores, equal up to rounding); a row whose sum has left [1e-100, 1e100] (a huge leaf value:
 * `exp` overflowed or underflowed) is recomputed from its raw scores instead. Then, weighted by `w`,
 * the gradient and hessian of column k (K = 1: the logistic loss of class 1) for row i go to
 * `gh[2(k·rows + i)]` and the cell after, and their totals over the rows to `GH[2k]`, `GH[2k + 1]`.
 */
function gradients(scores: Float64Array, y: Int32Array, w: Float64Array, K: number, gh: Float64Array, GH: Float64Array): void {
  const n = y.length;
  const P = K === 1 ? 2 : K;
  GH.fill(0);
  const z = 2 * n * P, step = 2 * n;
  for (let i = 0; i < n; i++) {
    const o = 2 * i;
    let s = 0;
    for (let q = o + 1; q < z; q += step) s += scores[q];
    if (!(s >= 1e-100 && s <= 1e100)) {
      let mx = -Infinity;
      for (let q = o; q < z; q += step) if (scores[q] > mx) mx = scores[q];
      s = 0;
      for (let q = o; q < z; q += step) s += (scores[q + 1] = Math.exp(scores[q] - mx));
    }
    const inv = 1 / s;
    for (let q = o + 1; q < z; q += step) scores[q] *= inv;
    const wi = w[i], yi = y[i];
    if (K === 1) {
      const p = scores[step + o + 1];
      const g = wi * (p - (yi === 1 ? 1 : 0)), h = wi * Math.max(p * scores[o + 1], EPS);
      gh[2 * i] = g;
      gh[2 * i + 1] = h;
      GH[0] += g;
      GH[1] += h;
      continue;
    }
    for (let k = 0; k < K; k++) {
      const p = scores[k * step + o + 1];
      const g = wi * (p - (yi === k ? 1 : 0)), h = wi * Math.max(p * (1 - p), EPS);
      const q = 2 * (k * n + i);
      gh[q] = g;
      gh[q + 1] = h;
      GH[2 * k] += g;
      GH[2 * k + 1] += h;
    }
  }
}

/** Weighted mean log loss of probabilities `p` (rows × C). */
function logLoss(p: Float64Array, y: Int32Array, w: Float64Array, C: number): number {
  let s = 0, sw = 0;
  for (let i = 0; i < y.length; i++) {
    s -= w[i] * Math.log(Math.max(p[i * C + y[i]], EPS));
    sw += w[i];
  }
  return sw > 0 ? s / sw : 0;
}

/** Gradient-boosted trees; see the module comment. */
export class GradientBoosting implements Classifier {
  readonly kind = KIND;
  readonly params: ResolvedGbdtParams;
  private names: string[] = [];
  private labels: string[] = [];
  private baseline = new Float64Array(0);
  private trees: TreeSet | null = null;
  private iters = 0;

  /** An unfitted model; the same seed and data give the same trees. */
  constructor(params: GbdtParams = {}, readonly seed = 0) {
    this.params = resolveGbdtParams(params as Record<string, unknown>);
  }

  get classes(): readonly string[] {
    return this.labels;
  }

  /** Boosting iterations done (fewer than maxIter when early stopping stopped it). */
  get iterations(): number {
    return this.iters;
  }

  fit(frame: Frame, labels: readonly string[], opts?: FitOptions): void {
    checkFitFrame(KIND, frame);
    const p = this.params;
    const { classes, y: yAll } = encodeLabels(labels, frame.rows, KIND);
    const wAll = rowWeights(yAll, classes, opts, KIND);
    const C = classes.length;
    const K = C === 2 ? 1 : C;
    const early = p.earlyStopping === 'auto' ? frame.rows > 10_000 : p.earlyStopping;
    let trainIdx: Int32Array | null = null;
    let valIdx: Int32Array | null = null;
    if (early) ({ train: trainIdx, test: valIdx } = stratifiedSplit(yAll, C, p.validationFraction, this.seed));
    const train = trainIdx ? takeRows(frame, trainIdx) : frame;
    const y = trainIdx ? trainIdx.map((i) => yAll[i]) : yAll;
    const w = trainIdx ? Float64Array.from(trainIdx, (i) => wAll[i]) : wAll;
    const n = train.rows;
    const bins = fitBins(train, p.maxBins, this.seed);
    const codes = applyBins(bins, train);
    const data: GrowerData = { codes, rowCodes: transposeCodes(bins, codes, n, frame.cols), rows: n, cols: frame.cols, edges: bins.edges };
    data.plan = histPlan(data);

    // Baseline: log-odds (two classes) or log priors, weighted.
    const prior = new Float64Array(C);
    let sw = 0;
    for (let i = 0; i < n; i++) {
      prior[y[i]] += w[i];
      sw += w[i];
    }
    for (let k = 0; k < C; k++) prior[k] = Math.min(Math.max(prior[k] / sw, EPS), 1 - EPS);
    const baseline = K === 1 ? Float64Array.of(Math.log(prior[1] / prior[0])) : prior.map(Math.log);
    // Raw scores and softmax numerators, P columns (see gradients).
    const P = K === 1 ? 2 : K;
    const scores = new Float64Array(2 * n * P);
    for (let k = 0; k < P; k++) {
      const v = K === 1 ? (k === 1 ? baseline[0] : 0) : baseline[k], e = Math.exp(v); // log priors (or log-odds): in range
      for (let q = 2 * k * n; q < 2 * (k + 1) * n; q += 2) {
        scores[q] = v;
        scores[q + 1] = e;
      }
    }
    const gh = new Float64Array(2 * n * K);
    const GH = new Float64Array(2 * K);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const idx = new Int32Array(n);
    const roots = new Int32Array(K);
    const pool = histogramPool(data);
    const leaves = treeLeaves(p.maxLeafNodes);
    const builder = new TreeSetBuilder(1);
    const grower = { maxLeafNodes: p.maxLeafNodes, maxDepth: p.maxDepth, minSamplesLeaf: p.minSamplesLeaf, l2: p.l2, learningRate: p.learningRate };

    const val = valIdx ? takeRows(frame, valIdx) : null;
    const yv = valIdx ? valIdx.map((i) => yAll[i]) : null;
    const wv = valIdx ? Float64Array.from(valIdx, (i) => wAll[i]) : null;
    const rawV = val ? new Float64Array(val.rows * K) : null;
    if (rawV && val) for (let i = 0; i < val.rows; i++) rawV.set(baseline, i * K);
    const probV = val ? new Float64Array(val.rows * C) : null;
    let best = Infinity;
    let since = 0;
    let it = 0;
    while (it < p.maxIter) {
      gradients(scores, y, w, K, gh, GH);
      for (let k = 0; k < K; k++) {
        idx.set(all);
        roots[k] = growBoostedTree(data, idx, gh.subarray(2 * k * n, 2 * (k + 1) * n), GH[2 * k], GH[2 * k + 1], grower, pool, builder, k, leaves);
        const c = K === 1 ? 1 : k; // the tree's leaf values to its rows' raw scores, exp(value) to their numerators
        for (let j = 0; j < leaves.count; j++) {
          const v = leaves.value[j], e = Math.exp(v);
          for (let i = leaves.start[j]; i < leaves.end[j]; i++) {
            const q = 2 * (c * n + idx[i]);
            scores[q] += v;
            scores[q + 1] *= e;
          }
        }
      }
      it++;
      opts?.onProgress?.(it, p.maxIter, 'rounds');
      if (val && rawV && probV && yv && wv) {
        for (let k = 0; k < K; k++) {
          for (let i = 0, o = 0; i < val.rows; i++, o += val.cols) rawV[i * K + k] += builder.valueAt(builder.leaf(roots[k], val.data, o), 0);
        }
        toProba(rawV, val.rows, K, probV);
        const loss = logLoss(probV, yv, wv, C);
        if (loss < best - p.tol) {
          best = loss;
          since = 0;
        } else if (++since >= p.nIterNoChange) break;
      }
    }
    this.names = [...frame.names];
    this.labels = classes;
    this.baseline = baseline;
    this.trees = builder.finish(frame.cols);
    this.iters = it;
  }

  predictProba(frame: Frame): Float64Array {
    checkColumns(KIND, this.names, frame);
    const K = this.baseline.length;
    const raw = new Float64Array(frame.rows * K);
    for (let i = 0; i < frame.rows; i++) raw.set(this.baseline, i * K);
    addTrees(this.trees as TreeSet, frame.data, frame.rows, frame.cols, raw, K);
    const out = new Float64Array(frame.rows * this.labels.length);
    toProba(raw, frame.rows, K, out);
    return out;
  }

  toJSON(): ClassifierSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params },
      state: {
        seed: this.seed, classes: this.labels, features: this.names, baseline: Array.from(this.baseline), iterations: this.iters,
        trees: this.trees ? encodeTreeSet(this.trees) : null,
      },
    };
  }

  /** Restores a model saved by {@link GradientBoosting.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): GradientBoosting {
    const { model, state } = openSnapshot(s, KIND, FORMAT_VERSION, (p, st) => new GradientBoosting(p as GbdtParams, Number(st.seed) || 0));
    model.labels = namesOf(KIND, state, 'classes');
    model.names = namesOf(KIND, state, 'features');
    const b = state.baseline;
    const K = model.labels.length === 2 ? 1 : model.labels.length;
    if (!Array.isArray(b) || b.length !== K || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new ModelFormatError(`${KIND} snapshot: field "state.baseline" must be ${K} finite numbers`);
    }
    model.baseline = Float64Array.from(b as number[]);
    model.iters = Number(state.iterations) || 0;
    if (state.trees !== null) model.trees = decodeTreeSet(state.trees, model.names.length, K, KIND);
    return model;
  }
}
