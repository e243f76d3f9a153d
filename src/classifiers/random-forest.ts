/**
 * Random forest classifier (Breiman 2001) with scikit-learn's `RandomForestClassifier` defaults: 100
 * CART trees (cart.ts), each on a bootstrap sample, `sqrt(features)` drawn per node, grown until pure;
 * probabilities are the mean of the trees' leaf class shares. Features are binned once (≤ 255 bins,
 * binning.ts), so split search is a histogram scan rather than a sort; thresholds are bin edges on
 * raw values. Missing values (NaN) are handled by the trees (a learned direction per split). Class
 * weights ("balanced") and sample weights multiply the bootstrap counts. The out-of-bag score (the
 * accuracy and macro-F1 of each row predicted by the trees that did not see it) and the impurity
 * importance of each feature are kept with the model.
 *
 * A model file has room for a few million nodes (tree-store.ts `treeNodeCapacity`), and trees grown
 * until pure on hundreds of thousands of rows with overlapping classes need more (160,000 rows of 5
 * classes of noise: about 10 million). So the first tree tells how many nodes the forest will need;
 * when that is more than half the room (or of `maxNodes`) and `minSamplesLeaf` was left to its
 * default, the forest is grown again from the start with leaves of as many rows as bring it to half
 * (said through `FitOptions.onNote`; the value is kept in the snapshot's params). With
 * `minSamplesLeaf` given, or still too large after that, the fit stops with an {@link InputError}
 * saying which settings to change.
 */
import { InputError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { intIn, paramReader } from '../core/params.js';
import { createRng } from '../core/rng.js';
import { openSnapshot } from '../core/snapshot.js';
import { applyBins, fitBins } from './binning.js';
import { cartWork, growTree, type CartData } from './cart.js';
import type { Classifier, ClassifierSnapshot, FitOptions } from './classifier.js';
import { argmaxRows, encodeLabels, rowWeights } from './labels.js';
import { macroF1 } from './metrics.js';
import { checkColumns, checkFitFrame, choiceParam, namesOf } from './params.js';
import { addTrees, decodeTreeSet, encodeTreeSet, TreeSetBuilder, treeNodeCapacity, type TreeSet } from './tree-store.js';

/** Random forest settings; every one has a default. */
export interface RandomForestParams {
  /** Trees (default 100). */
  nEstimators?: number;
  /** Split criterion (default "gini"). */
  criterion?: 'gini' | 'entropy';
  /** Deepest a tree grows; 0 (default): until its leaves are pure or too small. */
  maxDepth?: number;
  /** Rows a node needs to be split (default 2). */
  minSamplesSplit?: number;
  /** Rows each child must keep (default 1). */
  minSamplesLeaf?: number;
  /** Features drawn per node: "sqrt" (default), "log2", "all", a count (integer ≥ 1) or a share in (0, 1). */
  maxFeatures?: 'sqrt' | 'log2' | 'all' | number;
  /** Grow each tree on a bootstrap sample (default true). */
  bootstrap?: boolean;
  /** Compute the out-of-bag score at fit (default false; needs bootstrap). */
  oobScore?: boolean;
  /** Bins per feature, 2–255 (default 255). */
  maxBins?: number;
  /** Most nodes all the trees may have; 0 (default): as many as a model file holds. See the module comment. */
  maxNodes?: number;
}

/** {@link RandomForestParams} with the defaults filled in. */
export type ResolvedRandomForestParams = Required<RandomForestParams>;

const KIND = 'random-forest';
const FORMAT_VERSION = 1;
const PARAMS = ['nEstimators', 'criterion', 'maxDepth', 'minSamplesSplit', 'minSamplesLeaf', 'maxFeatures', 'bootstrap', 'oobScore', 'maxBins', 'maxNodes'];

/** Checks random forest settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveRandomForestParams(p: Record<string, unknown>): ResolvedRandomForestParams {
  const num = paramReader(KIND, p, PARAMS);
  const mf = p.maxFeatures ?? 'sqrt';
  if (!(mf === 'sqrt' || mf === 'log2' || mf === 'all' || (typeof mf === 'number' && ((mf > 0 && mf < 1) || (Number.isInteger(mf) && mf >= 1))))) {
    throw new InputError(`${KIND}: maxFeatures must be "sqrt", "log2", "all", an integer >= 1 or a share in (0, 1), got ${JSON.stringify(mf)}`);
  }
  return {
    nEstimators: num('nEstimators', 100, intIn(1, 100_000), 'an integer in [1, 100000]'),
    criterion: choiceParam(KIND, p, 'criterion', 'gini', ['gini', 'entropy'] as const),
    maxDepth: num('maxDepth', 0, intIn(0, 1000), 'an integer in [0, 1000] (0: no limit)'),
    minSamplesSplit: num('minSamplesSplit', 2, intIn(2, 2 ** 31), 'an integer >= 2'),
    minSamplesLeaf: num('minSamplesLeaf', 1, intIn(1, 2 ** 31), 'an integer >= 1'),
    maxFeatures: mf as ResolvedRandomForestParams['maxFeatures'],
    bootstrap: choiceParam(KIND, p, 'bootstrap', true, [true, false]),
    oobScore: choiceParam(KIND, p, 'oobScore', false, [true, false]),
    maxBins: num('maxBins', 255, intIn(2, 255), 'an integer in [2, 255]'),
    maxNodes: num('maxNodes', 0, intIn(0, 2 ** 31), 'an integer >= 0 (0: as many as a model file holds)'),
  };
}

/** Features drawn per node for `d` features. */
export function featuresPerNode(mf: ResolvedRandomForestParams['maxFeatures'], d: number): number {
  const k = mf === 'sqrt' ? Math.floor(Math.sqrt(d)) : mf === 'log2' ? Math.floor(Math.log2(d)) : mf === 'all' ? d : mf < 1 ? Math.floor(mf * d) : mf;
  return Math.min(d, Math.max(1, k));
}

/** The out-of-bag score: each row predicted by the trees that did not see it (rows every tree saw are left out). */
export interface OobScore {
  accuracy: number;
  macroF1: number;
  /** Rows with at least one out-of-bag tree. */
  rows: number;
}

/** A random forest; see the module comment. */
export class RandomForest implements Classifier {
  readonly kind = KIND;
  readonly params: ResolvedRandomForestParams;
  private names: string[] = [];
  private labels: string[] = [];
  private trees: TreeSet | null = null;
  private imp = new Float64Array(0);
  private oob: OobScore | null = null;

  /** Whether `minSamplesLeaf` may be raised to fit the model file (it was not given). */
  private readonly autoLeaf: boolean;
  /** The `minSamplesLeaf` the trees were grown with. */
  private leafUsed: number;

  /** An unfitted forest; the same seed and data give the same trees. */
  constructor(params: RandomForestParams = {}, readonly seed = 0) {
    this.params = resolveRandomForestParams(params as Record<string, unknown>);
    this.autoLeaf = params.minSamplesLeaf === undefined;
    this.leafUsed = this.params.minSamplesLeaf;
  }

  get classes(): readonly string[] {
    return this.labels;
  }

  /** The training columns. */
  get features(): readonly string[] {
    return this.names;
  }

  /** Mean decrease in impurity per feature (sums to 1; all 0 when no tree split). */
  get importance(): Float64Array {
    return this.imp;
  }

  /** The out-of-bag score, when fitted with `oobScore` and bootstrap. */
  get oobScore(): OobScore | null {
    return this.oob;
  }

  fit(frame: Frame, labels: readonly string[], opts?: FitOptions): void {
    checkFitFrame(KIND, frame);
    const { classes, y } = encodeLabels(labels, frame.rows, KIND);
    const w = rowWeights(y, classes, opts, KIND);
    const p = this.params;
    let rng = createRng(this.seed);
    const bins = fitBins(frame, p.maxBins, this.seed);
    const n = frame.rows;
    const C = classes.length;
    const data: CartData = { codes: applyBins(bins, frame), values: columnMajor(frame), rows: n, cols: frame.cols, edges: bins.edges, y, nClasses: C };
    const work = cartWork(data);
    const cart = { criterion: p.criterion, maxDepth: p.maxDepth, minSamplesSplit: p.minSamplesSplit, minSamplesLeaf: p.minSamplesLeaf, mtry: featuresPerNode(p.maxFeatures, frame.cols) };
    const counts = new Int32Array(n);
    const tw = new Float64Array(n);
    const idx = new Int32Array(n);
    const treeImp = new Float64Array(frame.cols);
    const imp = new Float64Array(frame.cols);
    const withOob = p.oobScore && p.bootstrap;
    const oobSum = withOob ? new Float64Array(n * C) : null;
    const capacity = Math.min(treeNodeCapacity(C, frame.cols), p.maxNodes || Infinity);
    let builder = new TreeSetBuilder(C);
    for (let t = 0, tries = 0; t < p.nEstimators; t++) {
      counts.fill(p.bootstrap ? 0 : 1);
      if (p.bootstrap) for (let i = 0; i < n; i++) counts[rng.int(n)]++;
      let m = 0;
      for (let i = 0; i < n; i++) {
        tw[i] = counts[i] * w[i];
        if (tw[i] > 0) idx[m++] = i;
      }
      if (m === 0) throw new InputError(`${KIND}: every row has weight 0`);
      treeImp.fill(0);
      const first = builder.size;
      growTree(data, tw, idx.subarray(0, m), cart, rng, builder, work, treeImp);
      let s = 0;
      for (let j = 0; j < frame.cols; j++) s += treeImp[j];
      if (s > 0) for (let j = 0; j < frame.cols; j++) imp[j] += treeImp[j] / s;
      if (oobSum) oobAdd(builder, first, frame, counts, oobSum, C);
      const need = t === 0 ? builder.size * p.nEstimators : builder.size;
      if (need > (t === 0 && this.autoLeaf ? capacity / 2 : capacity)) {
        const leaf = Math.ceil((cart.minSamplesLeaf * need) / (capacity / 2));
        if (t > 0 || !this.autoLeaf || tries >= 8 || leaf > n) throw tooLarge(t, need, p.nEstimators, capacity, cart.minSamplesLeaf, tries > 0);
        tries++;
        opts?.onNote?.(`${KIND}: the trees would need about ${need.toLocaleString('en-US')} nodes, more than half of the room for them (${capacity.toLocaleString('en-US')}); growing them again with leaves of at least ${leaf} rows (minSamplesLeaf ${leaf}; set it to choose)`);
        cart.minSamplesLeaf = leaf;
        // From the start, with the same random draws: the same seed and data still give the same forest.
        rng = createRng(this.seed);
        builder = new TreeSetBuilder(C);
        imp.fill(0);
        oobSum?.fill(0);
        t = -1;
        continue;
      }
      opts?.onProgress?.(t + 1, p.nEstimators, 'trees');
    }
    this.leafUsed = cart.minSamplesLeaf;
    let s = 0;
    for (let j = 0; j < frame.cols; j++) s += imp[j];
    if (s > 0) for (let j = 0; j < frame.cols; j++) imp[j] /= s;
    this.names = [...frame.names];
    this.labels = classes;
    this.trees = builder.finish(frame.cols);
    this.imp = imp;
    this.oob = oobSum ? oobScoreOf(oobSum, y, C) : null;
  }

  predictProba(frame: Frame): Float64Array {
    checkColumns(KIND, this.names, frame);
    const C = this.labels.length;
    const out = new Float64Array(frame.rows * C);
    const trees = this.trees as TreeSet;
    addTrees(trees, frame.data, frame.rows, frame.cols, out, C);
    const scale = 1 / trees.root.length;
    for (let i = 0; i < out.length; i++) out[i] *= scale;
    return out;
  }

  toJSON(): ClassifierSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params, minSamplesLeaf: this.leafUsed },
      state: {
        seed: this.seed, classes: this.labels, features: this.names, importance: Array.from(this.imp), oob: this.oob,
        trees: this.trees ? encodeTreeSet(this.trees) : null,
      },
    };
  }

  /** Restores a forest saved by {@link RandomForest.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: ClassifierSnapshot): RandomForest {
    const { model, state } = openSnapshot(s, KIND, FORMAT_VERSION, (p, st) => new RandomForest(p as RandomForestParams, Number(st.seed) || 0));
    model.labels = namesOf(KIND, state, 'classes');
    model.names = namesOf(KIND, state, 'features');
    if (state.trees !== null) model.trees = decodeTreeSet(state.trees, model.names.length, model.labels.length, KIND);
    model.imp = Float64Array.from(Array.isArray(state.importance) ? (state.importance as number[]) : []);
    model.oob = (state.oob as OobScore | null) ?? null;
    return model;
  }
}

/** Why a forest's trees cannot be kept: `need` nodes (projected from the first tree when `t` is 0) over a file's `capacity`. */
function tooLarge(t: number, need: number, trees: number, capacity: number, leaf: number, raised: boolean): InputError {
  const fmt = (x: number): string => x.toLocaleString('en-US');
  const what = t === 0 ? `would need about ${fmt(need)} nodes` : `reached ${fmt(need)} nodes at tree ${t + 1} of ${trees}`;
  const enough = Math.ceil((leaf * (need * (t === 0 ? 1 : trees / (t + 1)))) / (capacity / 2)); // from the whole forest's projection
  const raise = `raise minSamplesLeaf (now ${leaf}${raised ? ', raised by kad' : ''}; about ${enough} would do), or set a smaller maxDepth or nEstimators, e.g. --params '{"minSamplesLeaf":${enough}}'`;
  return new InputError(`${KIND}: the trees ${what}, more than there is room for (${fmt(capacity)}: what a model file holds, or maxNodes): ${raise}`);
}

/** The frame's values column by column. */
function columnMajor(frame: Frame): Float64Array {
  const out = new Float64Array(frame.rows * frame.cols);
  for (let j = 0; j < frame.cols; j++) for (let i = 0; i < frame.rows; i++) out[j * frame.rows + i] = frame.data[i * frame.cols + j];
  return out;
}

/** Adds the out-of-bag predictions of the tree rooted at node `root` (the last one grown). */
function oobAdd(builder: TreeSetBuilder, root: number, frame: Frame, counts: Int32Array, oobSum: Float64Array, C: number): void {
  for (let i = 0; i < frame.rows; i++) {
    if (counts[i] !== 0) continue;
    const leaf = builder.leaf(root, frame.data, i * frame.cols);
    for (let k = 0; k < C; k++) oobSum[i * C + k] += builder.valueAt(leaf, k);
  }
}

function oobScoreOf(oobSum: Float64Array, y: Int32Array, C: number): OobScore {
  const pred = argmaxRows(oobSum, C);
  const keepY: number[] = [];
  const keepP: number[] = [];
  let hit = 0;
  for (let i = 0; i < y.length; i++) {
    let any = false;
    for (let k = 0; k < C && !any; k++) any = oobSum[i * C + k] > 0;
    if (!any) continue;
    keepY.push(y[i]);
    keepP.push(pred[i]);
    if (pred[i] === y[i]) hit++;
  }
  return { accuracy: keepY.length ? hit / keepY.length : NaN, macroF1: keepY.length ? macroF1(Int32Array.from(keepY), Int32Array.from(keepP), C) : NaN, rows: keepY.length };
}
