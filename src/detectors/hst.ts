/**
 * Half-Space Trees (Tan, Ting & Liu 2011; River's `anomaly/hst.py`): a streaming tree detector for
 * multivariate data that needs no training phase. Each tree is a complete binary tree of `height`
 * levels of random half-space splits: per tree and feature, a random point s in the feature's range
 * [lo, hi] gives the work range s ± 2·max(s − lo, hi − s); each internal node splits a random feature
 * at the middle of its work range in that node. Trees depend only on the seed and the ranges.
 *
 * Mass profiles: every node counts the points of the current window that pass through it (`l`, the
 * latest window); every `windowSize` points, `l` becomes the reference profile `r` and restarts at 0.
 * A point's raw mass is the mean over trees of r · 2^depth at the node where its walk ends: the leaf,
 * or the first node whose reference mass is under `sizeLimit` (default 0.1 · windowSize), as in the
 * paper (River instead sums r · 2^depth along the path).
 *
 * Score mapping (higher = more anomalous): River returns 1 − mass / maxMass, which keeps order but
 * squeezes every score near 1. Here each learned point is first scored (its raw mass under the
 * current reference, before it is counted), and at each swap the `referenceQuantile` (default: the
 * median) of those masses over the window becomes `m_ref`, a typical point's mass (the first window,
 * which had no reference, uses its own in-sample masses). A raw mass m maps to
 * score = 1 / (1 + (m + ε) / m50) with m50 = `massRatio` · m_ref (default 1/32) and ε = 1e-9 · m_ref:
 * decreasing in m (so the order of River's inverted mass is kept), 0.5 where a point has `massRatio`
 * of a typical point's mass, and below 1 even for a point in an empty region (m = 0). On Gaussian
 * data in 1 to 8 dimensions about 0.2–1% of normal points score above 0.5.
 *
 * Ranges: `limits` per feature if given, else the finite min and max of the first window (winsorised
 * at its 1% and 99% quantiles ± 10 times their distance, robust-clip.ts, so one absurd value cannot
 * stretch the range) widened by `margin` · (hi − lo) on each side (a constant feature gets ±max(1, |value|) · margin). Until the first
 * window is complete there is no reference and `scoreOne` returns 0.
 *
 * Missing values: at a split on a NaN feature (or one past the end of `x`), a point goes to the child
 * that has seen more points (r + l; ties go left), when learning and when scoring. ±Infinity is an
 * ordinary extreme value. Features past the dimension fixed by the first learned point are ignored.
 *
 * Layout: node i of tree t is `t · nodes + i`, children 2i + 1 and 2i + 2 (heap order); split
 * feature (Int32) and value (Float64) per internal node, masses (Uint32) per node. Memory is about
 * nTrees · 2^height · 28 bytes (25 trees of height 15: 22 MiB); snapshots keep only the seed, ranges and the non-zero
 * masses, and rebuild the trees on load.
 */
import { intIn, paramReader } from '../core/params.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { createRng } from '../core/rng.js';
import { winsorLimits } from '../stats/robust-clip.js';
import { type Detector } from './base.js';
import { fromBase64, openSnapshot, toBase64, type DetectorSnapshot, type TypedArrayType } from '../core/snapshot.js';

const KIND = 'hst';
const FORMAT_VERSION = 1;
const PARAMS = ['nTrees', 'height', 'windowSize', 'sizeLimit', 'limits', 'margin', 'massRatio', 'referenceQuantile'];

/** Parameters of {@link HalfSpaceTrees}; every field has a default. */
export interface HalfSpaceTreesParams {
  /** Number of trees (default 25). */
  nTrees?: number;
  /** Levels below the root (default 15). */
  height?: number;
  /** Points per mass window (default 250). */
  windowSize?: number;
  /** A walk ends at a node with reference mass under this (default 0.1 · windowSize). */
  sizeLimit?: number;
  /** Per feature [lo, hi]; when absent, learned from the first window. */
  limits?: [number, number][];
  /** Learned ranges are widened by this share of their width on each side (default 0.1). */
  margin?: number;
  /** Mass, relative to a typical point's, at which the score is 0.5 (default 1/32). */
  massRatio?: number;
  /** Quantile of the last window's out-of-sample masses taken as a typical point's mass (default 0.5). */
  referenceQuantile?: number;
}

type Resolved = Required<Omit<HalfSpaceTreesParams, 'limits'>> & { limits: [number, number][] | null };

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader('hst', p, PARAMS);
  const windowSize = num('windowSize', 250, intIn(2, 1e7), 'an integer in [2, 1e7]');
  const limits = (p.limits ?? null) as [number, number][] | null;
  if (limits !== null && !(Array.isArray(limits) && limits.length > 0 && limits.every((r) => Array.isArray(r) && r.length === 2 && Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[1] > r[0]))) {
    throw new InputError('hst: limits must be a non-empty array of [lo, hi] pairs of finite numbers with hi > lo');
  }
  return {
    nTrees: num('nTrees', 25, intIn(1, 1000), 'an integer in [1, 1000]'),
    height: num('height', 15, intIn(1, 20), 'an integer in [1, 20]'),
    windowSize,
    sizeLimit: num('sizeLimit', 0.1 * windowSize, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
    limits: limits === null ? null : limits.map((r) => [r[0], r[1]]),
    margin: num('margin', 0.1, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
    massRatio: num('massRatio', 1 / 32, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
    referenceQuantile: num('referenceQuantile', 0.5, (v) => v >= 0 && v <= 1, 'a number in [0, 1]'),
  };
}

/** Half-Space Trees over a stream; see the file comment for the algorithm, score mapping and layout. */
export class HalfSpaceTrees implements Detector {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** Score 0.5: a point with `massRatio` of a typical point's mass. */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  private readonly seed: number;
  private d = 0;
  private nodes = 0; // per tree
  private lo = new Float64Array(0); // ranges the trees were built on
  private hi = new Float64Array(0);
  private feature = new Int32Array(0);
  private split = new Float64Array(0);
  private r = new Uint32Array(0);
  private l = new Uint32Array(0);
  private win = new Float64Array(0); // the current window's points (windowSize × d)
  private counter = 0; // points in the current window
  private mRef = 0; // median raw mass of the last window; 0 = no reference yet
  private masses = new Float64Array(0); // raw mass of each point of the current window, scored before it was learned
  private scratch = new Float64Array(0);

  /** Creates an empty detector; the same `seed` and ranges give the same trees. */
  constructor(params: HalfSpaceTreesParams = {}, seed = 0) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    this.seed = seed >>> 0;
  }

  /** Whether the trees exist (after the first window, or the first point when `limits` are given). */
  get built(): boolean {
    return this.nodes > 0;
  }

  /** Adds one point to the latest mass profile; swaps profiles every `windowSize` points. */
  learnOne(x: Features, _t = 0): void {
    const { windowSize: W, limits } = this.params;
    if (this.d === 0) {
      if (x.length === 0) throw new InputError('hst: learnOne got an empty feature vector');
      this.d = limits === null ? x.length : limits.length;
      this.win = new Float64Array(W * this.d);
      this.masses = new Float64Array(W);
      this.scratch = new Float64Array(W);
      if (limits !== null) this.build(Float64Array.from(limits, (r) => r[0]), Float64Array.from(limits, (r) => r[1]));
    }
    const d = this.d;
    for (let j = 0, o = this.counter * d; j < d; j++) this.win[o + j] = j < x.length ? x[j] : NaN;
    if (this.mRef > 0) this.masses[this.counter] = this.rawMass(this.win, this.counter * d, d);
    if (this.nodes > 0) this.addMass(this.win, this.counter * d);
    if (++this.counter < W) return;
    if (this.nodes === 0) {
      this.buildFromWindow();
      for (let i = 0; i < W; i++) this.addMass(this.win, i * d);
    }
    [this.r, this.l] = [this.l, this.r];
    this.clearMass(this.l);
    if (this.mRef > 0) this.scratch.set(this.masses);
    else for (let i = 0; i < W; i++) this.scratch[i] = this.rawMass(this.win, i * d, d); // first reference: in-sample
    this.scratch.sort();
    const pos = this.params.referenceQuantile * (W - 1);
    const k = Math.floor(pos);
    this.mRef = this.scratch[k] + (pos - k) * (this.scratch[Math.min(k + 1, W - 1)] - this.scratch[k]);
    this.counter = 0;
  }

  /** Scores one point in [0, 1) (0 before the first window is complete); does not allocate. */
  scoreOne(x: Features, _t = 0): number {
    if (this.mRef === 0) return 0;
    const m = this.rawMass(x, 0, Math.min(x.length, this.d));
    const m50 = this.params.massRatio * this.mRef;
    return 1 / (1 + (m + 1e-9 * this.mRef) / m50);
  }

  /** The mean over trees of r · 2^depth where the walk of `x[off .. off + n)` ends. */
  rawMass(x: Float64Array, off: number, n: number): number {
    const { height, nTrees, sizeLimit } = this.params;
    const { feature, split, r, l, nodes } = this;
    const internal = (nodes - 1) >> 1;
    let sum = 0;
    for (let t = 0; t < nTrees; t++) {
      const base = t * nodes;
      const ib = t * internal;
      let i = 0;
      let depth = 0;
      while (depth < height && r[base + i] >= sizeLimit) {
        const f = feature[ib + i];
        const v = f < n ? x[off + f] : NaN;
        const c = 2 * i + 1;
        i = v > split[ib + i] ? c + 1 : v <= split[ib + i] ? c : r[base + c + 1] + l[base + c + 1] > r[base + c] + l[base + c] ? c + 1 : c;
        depth++;
      }
      sum += r[base + i] * 2 ** depth;
    }
    return sum / nTrees;
  }

  /** Saves settings, seed, ranges, window and the non-zero masses (base64 Uint32 index/value pairs). */
  toJSON(): DetectorSnapshot {
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params },
      state: {
        seed: this.seed, dims: this.d, counter: this.counter, mRef: this.mRef,
        lo: [...this.lo], hi: [...this.hi], window: toBase64(this.win), masses: toBase64(this.masses), r: sparse(this.r), l: sparse(this.l),
      },
    };
  }

  /** Restores a detector saved by {@link HalfSpaceTrees.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): HalfSpaceTrees {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p, st) => new HalfSpaceTrees(p as HalfSpaceTreesParams, Number(st.seed)));
    const W = m.params.windowSize;
    const { dims, counter, mRef, lo, hi } = st;
    const isInt = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
    if (!isInt(st.seed, 2 ** 32 - 1) || !isInt(dims, 1e6) || !isInt(counter, W - 1) || typeof mRef !== 'number' || !(mRef >= 0)) {
      throw new ModelFormatError('hst snapshot: fields "state.seed", "state.dims", "state.counter" or "state.mRef" are out of range');
    }
    if (dims === 0) return m;
    const d = dims as number;
    const ranges = [lo, hi].map((a) => (Array.isArray(a) && a.every((v) => Number.isFinite(v)) ? Float64Array.from(a as number[]) : null));
    if (ranges[0] === null || ranges[1] === null || (ranges[0].length !== 0 && ranges[0].length !== d) || ranges[1].length !== ranges[0].length) {
      throw new ModelFormatError('hst snapshot: fields "state.lo" and "state.hi" must be arrays of dims finite numbers (or empty)');
    }
    m.d = d;
    m.counter = counter as number;
    m.mRef = mRef;
    m.win = unb64(Float64Array, st.window, 'window');
    m.scratch = new Float64Array(W);
    m.masses = unb64(Float64Array, st.masses, 'masses');
    if (m.masses.length !== W) throw new ModelFormatError('hst snapshot: field "state.masses" has the wrong length');
    if (m.win.length !== W * d) throw new ModelFormatError('hst snapshot: field "state.window" has the wrong length');
    if (ranges[0].length === 0) return m;
    m.build(ranges[0], ranges[1]);
    unsparse(st.r, m.r, 'r');
    unsparse(st.l, m.l, 'l');
    return m;
  }

  private addMass(x: Float64Array, off: number): void {
    const { height, nTrees } = this.params;
    const { feature, split, r, l, nodes } = this;
    const internal = (nodes - 1) >> 1;
    for (let t = 0; t < nTrees; t++) {
      const base = t * nodes;
      const ib = t * internal;
      let i = 0;
      l[base]++;
      for (let depth = 0; depth < height; depth++) {
        const v = x[off + feature[ib + i]];
        const c = 2 * i + 1;
        i = v > split[ib + i] ? c + 1 : v <= split[ib + i] ? c : r[base + c + 1] + l[base + c + 1] > r[base + c] + l[base + c] ? c + 1 : c;
        l[base + i]++;
      }
    }
  }

  /** Zeroes a mass profile by visiting only its non-zero nodes (a child has mass only if its parent has). */
  private clearMass(a: Uint32Array): void {
    const { nTrees, height } = this.params;
    const clear = (base: number, i: number, depth: number): void => {
      if (a[base + i] === 0) return;
      a[base + i] = 0;
      if (depth === height) return;
      clear(base, 2 * i + 1, depth + 1);
      clear(base, 2 * i + 2, depth + 1);
    };
    for (let t = 0; t < nTrees; t++) clear(t * this.nodes, 0, 0);
  }

  /** Ranges from the finite values of the first window, widened by `margin`. */
  private buildFromWindow(): void {
    const { d, win } = this;
    const { margin, windowSize: W } = this.params;
    const lo = new Float64Array(d).fill(Infinity);
    const hi = new Float64Array(d).fill(-Infinity);
    const col = new Float64Array(W);
    for (let j = 0; j < d; j++) {
      let n = 0;
      for (let i = 0; i < W; i++) {
        const v = win[i * d + j];
        if (Number.isFinite(v)) col[n++] = v;
      }
      // Robust (robust-clip.ts): the range of the window winsorised, so one absurd value cannot stretch it.
      [lo[j], hi[j]] = n > 0 ? winsorLimits(col.subarray(0, n).sort()) : [0, 1];
      const w = hi[j] > lo[j] ? hi[j] - lo[j] : Math.max(1, Math.abs(lo[j]));
      lo[j] -= margin * w;
      hi[j] += margin * w;
      if (!(hi[j] > lo[j])) hi[j] = lo[j] + 1; // margin 0 on a constant feature
    }
    this.build(lo, hi);
  }

  /** Builds the trees from the seed and the ranges (the paper's BuildSingleHS-Tree, depth first). */
  private build(lo: Float64Array, hi: Float64Array): void {
    const { nTrees, height } = this.params;
    const d = this.d;
    const rng = createRng(this.seed);
    this.lo = Float64Array.from(lo);
    this.hi = Float64Array.from(hi);
    this.nodes = 2 ** (height + 1) - 1;
    const internal = (this.nodes - 1) >> 1;
    this.feature = new Int32Array(nTrees * internal);
    this.split = new Float64Array(nTrees * internal);
    this.r = new Uint32Array(nTrees * this.nodes);
    this.l = new Uint32Array(nTrees * this.nodes);
    const wlo = new Float64Array(d);
    const whi = new Float64Array(d);
    const grow = (ib: number, i: number, depth: number): void => {
      if (depth === height) return;
      const f = rng.int(d);
      const mid = 0.5 * (wlo[f] + whi[f]);
      this.feature[ib + i] = f;
      this.split[ib + i] = mid;
      const saved = whi[f];
      whi[f] = mid;
      grow(ib, 2 * i + 1, depth + 1);
      whi[f] = saved;
      const savedLo = wlo[f];
      wlo[f] = mid;
      grow(ib, 2 * i + 2, depth + 1);
      wlo[f] = savedLo;
    };
    for (let t = 0; t < nTrees; t++) {
      for (let j = 0; j < d; j++) {
        const s = lo[j] + rng.next() * (hi[j] - lo[j]);
        const w = 2 * Math.max(s - lo[j], hi[j] - s);
        wlo[j] = s - w;
        whi[j] = s + w;
      }
      grow(t * internal, 0, 0);
    }
  }
}

/** The non-zero entries of `a` as base64 of interleaved Uint32 (index, value) pairs. */
function sparse(a: Uint32Array): string {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  const out = new Uint32Array(2 * n);
  for (let i = 0, k = 0; i < a.length; i++) if (a[i] !== 0) [out[k++], out[k++]] = [i, a[i]];
  return toBase64(out);
}

function unsparse(s: unknown, into: Uint32Array, name: string): void {
  const pairs = unb64(Uint32Array, s, name);
  if (pairs.length % 2 !== 0) throw new ModelFormatError(`hst snapshot: field "state.${name}" is truncated`);
  for (let k = 0; k < pairs.length; k += 2) {
    if (pairs[k] >= into.length) throw new ModelFormatError(`hst snapshot: field "state.${name}" has a node index out of range`);
    into[pairs[k]] = pairs[k + 1];
  }
}

function unb64<A>(type: TypedArrayType<A>, s: unknown, name: string): A {
  return fromBase64(type, s, KIND, `state.${name}`);
}
