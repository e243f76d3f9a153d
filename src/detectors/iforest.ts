/**
 * Isolation Forest (Liu, Ting & Zhou 2008), fitted the way scikit-learn's `IsolationForest` is: each
 * tree grows on `maxSamples` rows drawn without replacement, up to height ceil(log2(maxSamples)),
 * splitting on a random non-constant feature at a uniform random value between that feature's min
 * and max in the node (left: `x <= threshold`; a node where every feature is constant is a leaf).
 * A point's score is `2^(-E[h(x)] / c(maxSamples))`, equal to `-sklearn.score_samples(x)`: in (0, 1),
 * higher = more anomalous.
 *
 * Trees live in flat typed arrays (feature Int32, threshold Float64, child Int32, leaf value
 * Float64). The two children of a node sit side by side (`child[n]` is the left one, `child[n] + 1`
 * the right one) and a leaf is its own left child with an infinite threshold, so a walk is a fixed
 * number of branch-free steps `n = child[n] + (x[feature[n]] > threshold[n])`; eight walks run
 * interleaved so the CPU overlaps them, and scoring reads child and feature packed in one Int32
 * (`key`, derived, not saved). Leaves hold `depth + c(leaf size)`, precomputed. Batch scoring goes
 * block of rows by tree, so a tree and a block stay in L1 cache.
 *
 * Missing values: a NaN feature (or one missing because `x` is shorter than the trained dimension)
 * goes down the child that held more training rows. Features past the trained dimension are ignored.
 * NaN or ±Infinity in training rows is left out of the split range and sent right; put a
 * `StandardScaler` in front (the "iforest" registry kind does), which imputes the mean, when training
 * data has gaps. At scoring, ±Infinity is an ordinary extreme value.
 *
 * Streaming: `learnOne` keeps the last `windowSize` points in a ring buffer and refits on them once
 * `minSamples` points are in, then every `refitEvery` points. Until the first fit, `scoreOne`
 * returns 0 and `threshold` is 1: nothing is anomalous before there is a model.
 */
import { createRng, type Rng } from '../core/rng.js';
import type { Features, Frame } from '../core/frame.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { type BatchDetector, type Detector } from './base.js';
import { fromBase64, openSnapshot, toBase64, type DetectorSnapshot, type TypedArrayType } from '../core/snapshot.js';

/** Isolation Forest settings; every field has a default. */
export interface IsolationForestParams {
  /** Number of trees (default 100). */
  nEstimators?: number;
  /** Rows per tree, at least 2 (default 256; capped at the rows available); "auto" = min(256, rows). */
  maxSamples?: number | 'auto';
  /** "auto": threshold 0.5 (sklearn's offset); or the expected anomaly share in (0, 0.5]. */
  contamination?: number | 'auto';
  /** Streaming: points kept for refits (default 4 × maxSamples, "auto" counting as 256). */
  windowSize?: number;
  /** Streaming: refit after this many new points (default maxSamples, "auto" counting as 256). */
  refitEvery?: number;
  /** Streaming: points needed before the first fit, at least 2 (default min(128, windowSize)). */
  minSamples?: number;
}

/** {@link IsolationForestParams} with every default filled in. */
export type ResolvedIsolationForestParams = Required<IsolationForestParams>;

const KIND = 'iforest';
const FORMAT_VERSION = 1;
const PARAMS = ['nEstimators', 'maxSamples', 'contamination', 'windowSize', 'refitEvery', 'minSamples'];

/** Checks Isolation Forest settings and fills in defaults; throws {@link InputError} naming a bad one. */
export function resolveIsolationForestParams(p: Record<string, unknown>): ResolvedIsolationForestParams {
  const unknown = Object.keys(p).filter((k) => !PARAMS.includes(k));
  if (unknown.length > 0) throw new InputError(`iforest: unknown parameter "${unknown[0]}"; known: ${PARAMS.join(', ')}`);
  const int = (name: string, def: number, min: number): number => {
    const v = p[name] ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new InputError(`iforest: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const maxSamples = p.maxSamples === 'auto' ? 'auto' : int('maxSamples', 256, 2);
  const c = p.contamination ?? 'auto';
  if (c !== 'auto' && (typeof c !== 'number' || !(c > 0 && c <= 0.5))) {
    throw new InputError(`iforest: contamination must be "auto" or a number in (0, 0.5], got ${JSON.stringify(c)}`);
  }
  const psi = maxSamples === 'auto' ? 256 : maxSamples;
  const windowSize = int('windowSize', 4 * psi, 2);
  const minSamples = int('minSamples', Math.min(128, windowSize), 2);
  if (minSamples > windowSize) throw new InputError(`iforest: minSamples (${minSamples}) must be <= windowSize (${windowSize})`);
  return { nEstimators: int('nEstimators', 100, 1), maxSamples, contamination: c, windowSize, refitEvery: int('refitEvery', psi, 1), minSamples };
}

/** c(n): the average path length of an unsuccessful search in a binary search tree of n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** A fitted forest in flat arrays indexed by node (see the file comment). */
interface Forest {
  /** Per tree: root node, and steps from the root that reach every leaf (the tree's height). */
  root: Int32Array;
  depth: Int32Array;
  /** Per node: split feature, split value (+Infinity at a leaf), left child (the node itself at a leaf). */
  feature: Int32Array;
  threshold: Float64Array;
  child: Int32Array;
  /** Per node, derived for scoring: `child << shift | feature`, one load instead of two. */
  key: Int32Array;
  shift: number;
  /** Per leaf: depth + c(leaf size). */
  value: Float64Array;
  /** Per split: 1 when the right child held more training rows (where NaN goes). */
  bigRight: Uint8Array;
  /** Rows per tree. */
  psi: number;
  /** -1 / (trees × c(psi)): score = 2^(sum of leaf values × scale). */
  scale: number;
}

/** An Isolation Forest that learns in batch (`fit`) or from a stream (`learnOne`). */
export class IsolationForest implements Detector, BatchDetector {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** The settings, defaults filled in. */
  readonly params: ResolvedIsolationForestParams;
  private rng: Rng;
  private forest: Forest | null = null;
  private thr = 1;
  private d = 0;
  private win = new Float64Array(0); // ring buffer of windowSize rows × d
  private count = 0;
  private head = 0;
  private sinceFit = 0;

  /** Creates an unfitted forest; the same `seed` and data give the same trees and scores. */
  constructor(params: IsolationForestParams = {}, seed = 0) {
    this.params = resolveIsolationForestParams(params as Record<string, unknown>);
    this.rng = createRng(seed);
  }

  /** Score above which a point is anomalous: 0.5 for contamination "auto", else the (1 - c) quantile of training scores; 1 before any fit. */
  get threshold(): number {
    return this.thr;
  }

  /** Whether there is a model yet (after `fit` or the first streaming refit). */
  get fitted(): boolean {
    return this.forest !== null;
  }

  /** The trained feature dimension (0 before any data). */
  get dims(): number {
    return this.d;
  }

  /** Fits on every row of `frame`; the streaming window then holds its last `windowSize` rows. */
  fit(frame: Frame): void {
    if (frame.rows < 2 || frame.cols < 1) throw new InputError(`iforest: fit needs at least 2 rows and 1 column, got ${frame.rows}×${frame.cols}`);
    const w = this.params.windowSize;
    const keep = Math.min(w, frame.rows);
    this.d = frame.cols;
    this.win = new Float64Array(w * this.d);
    this.win.set(frame.data.subarray((frame.rows - keep) * this.d, frame.rows * this.d));
    this.count = keep;
    this.head = keep % w;
    this.fitRows(frame.data, frame.rows);
  }

  /** Scores every row of `frame` in (0, 1) (all 0 before any fit). */
  score(frame: Frame): Float64Array {
    const out = new Float64Array(frame.rows);
    if (this.forest !== null) scoreRows(this.forest, this.d, frame.data, frame.rows, frame.cols, out);
    return out;
  }

  /** Scores one point in (0, 1); 0 before the first fit. Does not allocate. */
  scoreOne(x: Features, _t = 0): number {
    const f = this.forest;
    if (f === null) return 0;
    let clean = x.length >= this.d;
    for (let j = 0; clean && j < this.d; j++) clean = x[j] === x[j];
    let sum = 0;
    if (clean) sum = sumClean(f, x);
    else for (let t = 0; t < f.root.length; t++) sum += f.value[walk(f, f.root[t], x, 0, x.length)];
    return Math.pow(2, sum * f.scale);
  }

  /** Adds one point to the window; refits once `minSamples` are in, then every `refitEvery` points. */
  learnOne(x: Features, _t = 0): void {
    const w = this.params.windowSize;
    if (this.d === 0) {
      if (x.length === 0) throw new InputError('iforest: learnOne got an empty feature vector');
      this.d = x.length;
      this.win = new Float64Array(w * this.d);
    }
    const d = this.d;
    for (let j = 0, o = this.head * d; j < d; j++) this.win[o + j] = j < x.length ? x[j] : NaN;
    this.head = (this.head + 1) % w;
    if (this.count < w) this.count++;
    this.sinceFit++;
    if (this.forest === null ? this.count >= this.params.minSamples : this.sinceFit >= this.params.refitEvery) {
      const rows = new Float64Array(this.count * d); // the window, oldest row first
      const start = this.count < w ? 0 : this.head;
      for (let i = 0; i < this.count; i++) {
        const src = ((start + i) % w) * d;
        rows.set(this.win.subarray(src, src + d), i * d);
      }
      this.fitRows(rows, this.count);
    }
  }

  /** Saves settings, trees, window and random state as JSON-safe data (typed arrays as base64). */
  toJSON(): DetectorSnapshot {
    const f = this.forest;
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params },
      state: {
        dims: this.d,
        threshold: this.thr,
        rng: this.rng.state(),
        forest: f === null ? null : {
          psi: f.psi, trees: f.root.length, root: toBase64(f.root), depth: toBase64(f.depth), feature: toBase64(f.feature),
          threshold: toBase64(f.threshold), child: toBase64(f.child), value: toBase64(f.value), bigRight: toBase64(f.bigRight),
        },
        window: { data: toBase64(this.win), count: this.count, head: this.head, sinceFit: this.sinceFit },
      },
    };
  }

  /** Restores a forest saved by {@link IsolationForest.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): IsolationForest {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p) => new IsolationForest(p as IsolationForestParams));
    m.d = int(st, 'dims', 0, 1e6);
    m.thr = num(st, 'threshold');
    const rng = st.rng;
    if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((v) => Number.isInteger(v))) {
      throw new ModelFormatError('iforest snapshot: field "state.rng" must be 4 integers');
    }
    m.rng = createRng(rng as [number, number, number, number]);
    m.forest = st.forest === null ? null : decodeForest(obj(st.forest, 'state.forest'), m.d);
    const w = obj(st.window, 'state.window');
    const size = m.params.windowSize;
    m.win = unb64(Float64Array, w.data, 'window.data');
    if (m.win.length !== size * m.d) throw new ModelFormatError('iforest snapshot: field "state.window.data" has the wrong length');
    m.count = int(w, 'count', 0, size);
    m.head = int(w, 'head', 0, size - 1);
    m.sinceFit = int(w, 'sinceFit', 0, Number.MAX_SAFE_INTEGER);
    return m;
  }

  private fitRows(data: Float64Array, rows: number): void {
    const { nEstimators, maxSamples, contamination } = this.params;
    const psi = Math.min(maxSamples === 'auto' ? 256 : maxSamples, rows);
    this.forest = buildForest(data, rows, this.d, nEstimators, psi, this.rng);
    this.sinceFit = 0;
    if (contamination === 'auto') {
      this.thr = 0.5;
    } else {
      const s = new Float64Array(rows);
      scoreRows(this.forest, this.d, data, rows, this.d, s);
      this.thr = quantile(s, 1 - contamination);
    }
  }
}

/** Grows `trees` isolation trees, each on `psi` of the `rows` rows of `data` drawn without replacement. */
function buildForest(data: Float64Array, rows: number, d: number, trees: number, psi: number, rng: Rng): Forest {
  const cap = trees * (2 * psi - 1);
  const [feature, child] = [new Int32Array(cap), new Int32Array(cap)];
  const [threshold, value] = [new Float64Array(cap), new Float64Array(cap)];
  const bigRight = new Uint8Array(cap);
  const [root, depth] = [new Int32Array(trees), new Int32Array(trees)];
  const limit = Math.ceil(Math.log2(Math.max(psi, 2)));
  const perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  const cols = new Float64Array(d * psi); // this tree's sample, column-major
  const idx = new Int32Array(psi);
  const queue = new Int32Array(4 * (2 * psi - 1)); // breadth-first: node, start, end, depth
  const cand = new Int32Array(d);
  let next = 0;
  for (let t = 0; t < trees; t++) {
    for (let i = 0; i < psi; i++) {
      const j = i + rng.int(rows - i); // partial Fisher-Yates: a uniform sample without replacement
      const r = perm[j];
      perm[j] = perm[i];
      perm[i] = r;
      for (let f = 0; f < d; f++) {
        const v = data[r * d + f];
        cols[f * psi + i] = v - v === 0 ? v : NaN; // ±Infinity counts as missing, like NaN
      }
      idx[i] = i;
    }
    root[t] = next;
    queue[0] = next++;
    queue[1] = 0;
    queue[2] = psi;
    queue[3] = 0;
    let head = 0;
    let tail = 4;
    let height = 0;
    while (head < tail) {
      const n = queue[head++];
      const start = queue[head++];
      const end = queue[head++];
      const dep = queue[head++];
      let split = -1;
      let lo = 0;
      let hi = 0;
      if (dep < limit && end - start > 1) {
        for (let f = 0; f < d; f++) cand[f] = f;
        for (let nc = d; nc > 0 && split < 0; ) {
          const k = rng.int(nc); // uniform among the features not yet found constant in this node
          const base = cand[k] * psi;
          lo = Infinity;
          hi = -Infinity;
          for (let i = start; i < end; i++) {
            const v = cols[base + idx[i]];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          if (hi > lo) split = cand[k];
          else cand[k] = cand[--nc];
        }
      }
      if (split < 0) {
        threshold[n] = Infinity;
        child[n] = n;
        value[n] = dep + averagePathLength(end - start);
        if (dep > height) height = dep;
        continue;
      }
      let thr = lo + rng.next() * (hi - lo);
      if (thr >= hi) thr = lo; // as scikit-learn: a draw that rounds up to the max becomes the min
      const base = split * psi;
      let i = start;
      for (let j = end - 1; i <= j; ) {
        if (cols[base + idx[i]] <= thr) i++;
        else {
          const tmp = idx[i];
          idx[i] = idx[j];
          idx[j--] = tmp;
        }
      }
      feature[n] = split;
      threshold[n] = thr;
      child[n] = next;
      bigRight[n] = end - i > i - start ? 1 : 0;
      queue[tail++] = next++; // left child: rows [start, i)
      queue[tail++] = start;
      queue[tail++] = i;
      queue[tail++] = dep + 1;
      queue[tail++] = next++; // right child: rows [i, end)
      queue[tail++] = i;
      queue[tail++] = end;
      queue[tail++] = dep + 1;
    }
    depth[t] = height;
  }
  const slice = <A extends Int32Array | Float64Array | Uint8Array>(a: A): A => a.slice(0, next) as A;
  return withKeys({
    root, depth, feature: slice(feature), threshold: slice(threshold), child: slice(child), key: new Int32Array(0), shift: 0,
    value: slice(value), bigRight: slice(bigRight), psi, scale: -1 / (trees * averagePathLength(psi)),
  }, d);
}

/** Fills in the packed `key` array; throws {@link InputError} if node indices and features cannot share 31 bits. */
function withKeys(f: Forest, d: number): Forest {
  const shift = Math.ceil(Math.log2(Math.max(d, 1)));
  const n = f.child.length;
  if (n >= 2 ** (31 - shift)) throw new InputError(`iforest: ${n} tree nodes over ${d} features is too large a model; use fewer trees or samples`);
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) key[i] = (f.child[i] << shift) | f.feature[i];
  return { ...f, key, shift };
}

/** Sums the leaf values of a point without missing features over all trees, eight trees at a time. */
function sumClean(f: Forest, x: Float64Array): number {
  const { root, depth, key, shift, threshold, value } = f;
  const mask = (1 << shift) - 1;
  const trees = root.length;
  let sum = 0;
  let t = 0;
  for (; t + 8 <= trees; t += 8) { // independent walks overlap in the CPU; leaves absorb extra steps
    let n0 = root[t], n1 = root[t + 1], n2 = root[t + 2], n3 = root[t + 3];
    let n4 = root[t + 4], n5 = root[t + 5], n6 = root[t + 6], n7 = root[t + 7];
    let h = depth[t];
    for (let q = t + 1; q < t + 8; q++) if (depth[q] > h) h = depth[q];
    for (let k = 0; h > 0; h--) { // k = child << shift | feature
      k = key[n0]; n0 = (k >> shift) + +(x[k & mask] > threshold[n0]);
      k = key[n1]; n1 = (k >> shift) + +(x[k & mask] > threshold[n1]);
      k = key[n2]; n2 = (k >> shift) + +(x[k & mask] > threshold[n2]);
      k = key[n3]; n3 = (k >> shift) + +(x[k & mask] > threshold[n3]);
      k = key[n4]; n4 = (k >> shift) + +(x[k & mask] > threshold[n4]);
      k = key[n5]; n5 = (k >> shift) + +(x[k & mask] > threshold[n5]);
      k = key[n6]; n6 = (k >> shift) + +(x[k & mask] > threshold[n6]);
      k = key[n7]; n7 = (k >> shift) + +(x[k & mask] > threshold[n7]);
    }
    // Added one by one in tree order, as batch scoring does, so both give bit-identical scores.
    sum += value[n0]; sum += value[n1]; sum += value[n2]; sum += value[n3];
    sum += value[n4]; sum += value[n5]; sum += value[n6]; sum += value[n7];
  }
  for (; t < trees; t++) {
    let n = root[t];
    for (let h = depth[t], k = 0; h > 0; h--) {
      k = key[n];
      n = (k >> shift) + +(x[k & mask] > threshold[n]);
    }
    sum += value[n];
  }
  return sum;
}

/** Walks one tree for one point that may have missing features (NaN goes to the larger child); returns the leaf. */
function walk(f: Forest, n: number, data: Float64Array, off: number, cols: number): number {
  const { feature, threshold, child, bigRight } = f;
  while (child[n] !== n) {
    const j = feature[n];
    const v = j < cols ? data[off + j] : NaN;
    n = child[n] + (v > threshold[n] ? 1 : v <= threshold[n] ? 0 : bigRight[n]);
  }
  return n;
}

/** Rows per block in batch scoring: a block of rows and one tree stay in L1 cache together. */
const BLOCK = 256;

/** Batch scoring into `out` (zeroed): per block of rows, per tree, eight rows at a time. */
function scoreRows(f: Forest, d: number, data: Float64Array, rows: number, cols: number, out: Float64Array): void {
  const { root, depth, key, shift, threshold, value } = f;
  const mask = (1 << shift) - 1;
  const trees = root.length;
  const gap = new Uint8Array(rows); // 1 where a row has a missing feature
  for (let i = 0; i < rows; i++) {
    let g = cols < d ? 1 : 0;
    for (let j = 0, o = i * cols; g === 0 && j < d; j++) if (data[o + j] !== data[o + j]) g = 1;
    gap[i] = g;
  }
  for (let b0 = 0; b0 < rows; b0 += BLOCK) {
    const b1 = Math.min(rows, b0 + BLOCK);
    for (let t = 0; t < trees; t++) {
      const r = root[t];
      let i = b0;
      for (; i + 8 <= b1; i += 8) {
        let any = 0;
        for (let q = i; q < i + 8; q++) any |= gap[q];
        if (any !== 0) {
          for (let q = i; q < i + 8; q++) out[q] += value[walk(f, r, data, q * cols, cols)];
          continue;
        }
        const o0 = i * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        const o4 = o3 + cols, o5 = o4 + cols, o6 = o5 + cols, o7 = o6 + cols;
        let n0 = r, n1 = r, n2 = r, n3 = r, n4 = r, n5 = r, n6 = r, n7 = r;
        for (let h = depth[t], k = 0; h > 0; h--) {
          k = key[n0]; n0 = (k >> shift) + +(data[o0 + (k & mask)] > threshold[n0]);
          k = key[n1]; n1 = (k >> shift) + +(data[o1 + (k & mask)] > threshold[n1]);
          k = key[n2]; n2 = (k >> shift) + +(data[o2 + (k & mask)] > threshold[n2]);
          k = key[n3]; n3 = (k >> shift) + +(data[o3 + (k & mask)] > threshold[n3]);
          k = key[n4]; n4 = (k >> shift) + +(data[o4 + (k & mask)] > threshold[n4]);
          k = key[n5]; n5 = (k >> shift) + +(data[o5 + (k & mask)] > threshold[n5]);
          k = key[n6]; n6 = (k >> shift) + +(data[o6 + (k & mask)] > threshold[n6]);
          k = key[n7]; n7 = (k >> shift) + +(data[o7 + (k & mask)] > threshold[n7]);
        }
        out[i] += value[n0]; out[i + 1] += value[n1]; out[i + 2] += value[n2]; out[i + 3] += value[n3];
        out[i + 4] += value[n4]; out[i + 5] += value[n5]; out[i + 6] += value[n6]; out[i + 7] += value[n7];
      }
      for (; i < b1; i++) out[i] += value[walk(f, r, data, i * cols, cols)];
    }
    for (let i = b0; i < b1; i++) out[i] = Math.pow(2, out[i] * f.scale);
  }
}

/** The q-quantile of `values`, interpolating linearly (numpy's default, as sklearn's offset uses). */
function quantile(values: Float64Array, q: number): number {
  const s = Float64Array.from(values).sort();
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Decodes a saved forest and checks every index, so a bad file cannot make scoring read out of bounds. */
function decodeForest(r: Record<string, unknown>, d: number): Forest {
  const psi = int(r, 'psi', 2, 2 ** 30);
  const trees = int(r, 'trees', 1, 2 ** 30);
  const f: Forest = {
    root: unb64(Int32Array, r.root, 'forest.root'), depth: unb64(Int32Array, r.depth, 'forest.depth'),
    feature: unb64(Int32Array, r.feature, 'forest.feature'), threshold: unb64(Float64Array, r.threshold, 'forest.threshold'),
    child: unb64(Int32Array, r.child, 'forest.child'), key: new Int32Array(0), shift: 0, value: unb64(Float64Array, r.value, 'forest.value'),
    bigRight: unb64(Uint8Array, r.bigRight, 'forest.bigRight'), psi, scale: -1 / (trees * averagePathLength(psi)),
  };
  const n = f.feature.length;
  const ok = f.root.length === trees && f.depth.length === trees && [f.threshold, f.child, f.value, f.bigRight].every((a) => a.length === n) &&
    f.root.every((v) => v >= 0 && v < n) && f.depth.every((v) => v >= 0 && v <= 64) &&
    f.feature.every((v) => v >= 0 && v < d) && f.child.every((c, i) => c === i || (c >= 0 && c + 1 < n));
  if (!ok) throw new ModelFormatError('iforest snapshot: field "state.forest" is inconsistent (array lengths or node indices out of range)');
  try {
    return withKeys(f, d);
  } catch (e) {
    throw new ModelFormatError(`iforest snapshot: ${(e as Error).message}`);
  }
}

function unb64<A>(type: TypedArrayType<A>, s: unknown, name: string): A {
  return fromBase64(type, s, KIND, `state.${name}`);
}

function obj(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFormatError(`iforest snapshot: field "${name}" must be an object`);
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, name: string): number {
  const v = o[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(`iforest snapshot: field "${name}" must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = num(o, name);
  if (!Number.isInteger(v) || v < min || v > max) throw new ModelFormatError(`iforest snapshot: field "${name}" must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}
