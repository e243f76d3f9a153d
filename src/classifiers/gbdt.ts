/**
 * Histogram gradient-boosted trees for classification, after scikit-learn's
 * `HistGradientBoostingClassifier` (and LightGBM): features binned once (≤ 255 bins, binning.ts), one
 * tree per class and iteration on the softmax gradients (one tree per iteration on the logistic
 * gradients for two classes), grown best-first (hist-grower.ts) with a learning rate, a leaf or depth
 * limit, L2 on leaf values (default 1: see {@link GbdtParams.l2}) and a minimum of rows per leaf. Early stopping holds out a stratified
 * validation share and stops when its log loss has not improved by `tol` for `nIterNoChange`
 * iterations ("auto": on when there are more than 10,000 rows, as scikit-learn). Missing values (NaN)
 * go the way each split learned.
 */
import { ModelFormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { intIn, paramReader } from '../core/params.js';
import { openSnapshot } from '../core/snapshot.js';
import { applyBins, fitBins, transposeCodes } from './binning.js';
import type { Classifier, ClassifierSnapshot, FitOptions } from './classifier.js';
import { histogramPool, growBoostedTree, histPlan, type GrowerData } from './hist-grower.js';
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
 * The gradient and hessian of the log loss at raw scores `raw` (rows × K) for every row and output
 * column k, weighted by `w`, into `g` and `h` (K × rows, column k's rows together). K = 1: the
 * logistic loss of class 1; else the softmax's, column k for class k. The probabilities are computed
 * as {@link toProba} does.
 */
function gradients(raw: Float64Array, y: Int32Array, w: Float64Array, K: number, g: Float64Array, h: Float64Array): void {
  const n = y.length;
  if (K === 1) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-raw[i]));
      g[i] = w[i] * (p - (y[i] === 1 ? 1 : 0));
      h[i] = w[i] * Math.max(p * (1 - p), EPS);
    }
    return;
  }
  const e = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let mx = -Infinity;
    for (let k = 0; k < K; k++) if (raw[o + k] > mx) mx = raw[o + k];
    let s = 0;
    for (let k = 0; k < K; k++) s += (e[k] = Math.exp(raw[o + k] - mx));
    const wi = w[i], yi = y[i];
    for (let k = 0; k < K; k++) {
      const p = e[k] / s;
      g[k * n + i] = wi * (p - (yi === k ? 1 : 0));
      h[k * n + i] = wi * Math.max(p * (1 - p), EPS);
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
    const raw = new Float64Array(n * K);
    for (let i = 0; i < n; i++) raw.set(baseline, i * K);
    const g = new Float64Array(n * K);
    const h = new Float64Array(n * K);
    const idx = new Int32Array(n);
    const roots = new Int32Array(K);
    const pool = histogramPool(data);
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
      gradients(raw, y, w, K, g, h);
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < n; i++) idx[i] = i;
        roots[k] = growBoostedTree(data, idx, g.subarray(k * n, (k + 1) * n), h.subarray(k * n, (k + 1) * n), grower, pool, builder, k, raw, K);
      }
      it++;
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
