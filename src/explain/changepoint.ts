/**
 * Changepoint signal: tells a level shift (a rollout, a config change: the series moves and stays)
 * from a spike (points far from the level that come back), on a recent window of one series.
 *
 * {@link classifyShift} on a window of values:
 * 1. NaN and ±Infinity are skipped (indices still refer to the input).
 * 2. Screen (cheap, TS): the largest two-sample t-statistic over the split points, on values winsorised
 *    at `spikeZ` robust SDs from the median (so one spike cannot pass it alone). Below `SCREEN_T`, no
 *    shift is possible and augurs is not called: a window with no change costs tens of µs instead of
 *    30–45 ms (augurs' Bayesian online changepoint detection is slowest when the run never breaks).
 * 3. Locate (augurs): `ChangepointDetector.normalGamma` (Bayesian online changepoint detection, Normal-
 *    Gamma prior, `hazardLambda`) on the robustly standardised window. augurs reports index k for a run
 *    that ends at k; the new level starts at k + 1 (k = 0 is always reported and ignored).
 * 4. Verify (TS), oldest candidate first: candidate c is a level shift when the points from c up to the
 *    next candidate at least `minHold` later (or the end) number at least `minHold`, the segment before
 *    it (from the last accepted shift) has at least `minHold` points, and their medians differ by at
 *    least `minShift` robust SDs of the two segments pooled (1.4826 · MAD about each segment's median,
 *    floored at `minScale` and `relativeFloor` · |level|). A spike's two boundaries fail this: its run
 *    is shorter than `minHold` and the level after it is the level before.
 * 5. Spikes (TS): in the points after the last shift (all of them when none), runs of at most
 *    `maxSpike` points more than `spikeZ` robust SDs from the median that are followed by a point back
 *    inside. A run still open at the end of the window is neither a spike nor a shift yet: 'none'.
 *
 * The result is the most recent level shift if any, else a spike if any, else none. Deterministic.
 * {@link LevelShiftTracker} runs this on a ring buffer per series, reusing its buffers.
 */
import { useAugurs } from '../core/augurs.js';
import { paramReader } from '../core/params.js';
import { InputError } from '../core/errors.js';

const MAD_TO_SD = 1.482602218505602;
/** The screen's t-statistic threshold: well above noise (max over ~100 splits ≈ 3), far below a held shift. */
const SCREEN_T = 4;
const OPTS = ['minHold', 'maxSpike', 'minShift', 'spikeZ', 'minScale', 'relativeFloor', 'hazardLambda'];

/** What a window shows. */
export type ShiftKind = 'level-shift' | 'spike' | 'none';

/** Options of {@link classifyShift}; every field has a default. */
export interface ShiftOptions {
  /** Points a new level must hold (and the old one must have had) to be a level shift (default 5). */
  minHold?: number;
  /** Longest excursion, in points, that is a spike (default 3, below `minHold`). */
  maxSpike?: number;
  /** Smallest |after − before| of a level shift, in robust SDs of the segments (default 4). */
  minShift?: number;
  /** Distance from the level, in robust SDs, of a spike point (default 5). */
  spikeZ?: number;
  /** Smallest robust SD, in the series' units (default 1e-9). */
  minScale?: number;
  /** Smallest robust SD relative to |level| (default 1e-3). */
  relativeFloor?: number;
  /** augurs' hazard λ: prior mean run length between changepoints (default 250). */
  hazardLambda?: number;
}

/** The classification of a window. Indices refer to the input (missing points included). */
export interface ShiftResult {
  kind: ShiftKind;
  /** First index at the new level of the most recent level shift; null without one. */
  changeIndex: number | null;
  /** Median before the shift (the window's level when there is none; NaN with no finite point). */
  before: number;
  /** Median after the shift (= `before` when there is none). */
  after: number;
  /** Index of the largest spike point after the last shift; null without one. */
  spikeIndex: number | null;
}

type Resolved = Required<ShiftOptions>;

/** Validates options, filling defaults; throws {@link InputError} naming a bad option. */
export function resolveShiftOptions(o: ShiftOptions = {}): Readonly<Resolved> {
  const p = o as Record<string, unknown>;
  const num = paramReader('changepoint', p, OPTS, 'option');
  const int = (v: number) => Number.isInteger(v);
  const pos = (v: number) => Number.isFinite(v) && v > 0;
  const minHold = num('minHold', 5, (v) => int(v) && v >= 2 && v <= 10_000, 'an integer in [2, 10000]');
  return Object.freeze({
    minHold,
    maxSpike: num('maxSpike', Math.min(3, minHold - 1), (v) => int(v) && v >= 1 && v < minHold, `an integer in [1, minHold = ${minHold})`),
    minShift: num('minShift', 4, pos, 'a finite number > 0'),
    spikeZ: num('spikeZ', 5, pos, 'a finite number > 0'),
    minScale: num('minScale', 1e-9, pos, 'a finite number > 0'),
    relativeFloor: num('relativeFloor', 1e-3, (v) => Number.isFinite(v) && v >= 0, 'a finite number >= 0'),
    hazardLambda: num('hazardLambda', 250, (v) => Number.isFinite(v) && v > 1, 'a finite number > 1'),
  });
}

/** Reusable buffers for {@link classifyInto}, sized for windows of up to `cap` points. */
export class ShiftWorkspace {
  readonly x: Float64Array; // the finite values, in order
  readonly idx: Int32Array; // their input indices
  readonly a: Float64Array; // scratch
  readonly b: Float64Array; // scratch
  readonly cand: Int32Array; // candidate starts
  constructor(readonly cap: number) {
    this.x = new Float64Array(cap);
    this.idx = new Int32Array(cap);
    this.a = new Float64Array(cap);
    this.b = new Float64Array(cap);
    this.cand = new Int32Array(cap);
  }
}

/**
 * Classifies a window of one series as a level shift, a spike or neither (see the file comment).
 * Throws {@link InputError} naming a bad option. Allocates a workspace: streaming callers use
 * {@link LevelShiftTracker}.
 */
export function classifyShift(values: ArrayLike<number>, opts: ShiftOptions = {}): ShiftResult {
  const res: ShiftResult = { kind: 'none', changeIndex: null, before: NaN, after: NaN, spikeIndex: null };
  classifyInto(values, values.length, resolveShiftOptions(opts), new ShiftWorkspace(values.length), res);
  return res;
}

/** {@link classifyShift} on the first `len` values with resolved options, writing into `res` (no result allocation). */
export function classifyInto(values: ArrayLike<number>, len: number, p: Readonly<Resolved>, ws: ShiftWorkspace, res: ShiftResult): void {
  const { x, idx } = ws;
  let k = 0;
  for (let i = 0; i < len; i++) {
    if (Number.isFinite(values[i])) {
      x[k] = values[i];
      idx[k++] = i;
    }
  }
  res.kind = 'none';
  res.changeIndex = null;
  res.spikeIndex = null;
  const level = median(x, 0, k, ws.a);
  const s = floored(p, mad(x, 0, k, level, ws.a), level);
  res.before = res.after = level;
  if (k < 2 * p.minHold) {
    spikes(x, 0, k, p, ws, res);
    return;
  }
  let last = 0; // start of the current level
  if (screen(x, k, level, s, p)) {
    const z = ws.b;
    for (let i = 0; i < k; i++) z[i] = (x[i] - level) / s;
    const det = useAugurs('changepoint').ChangepointDetector.normalGamma({ hazardLambda: p.hazardLambda });
    let found: number[];
    try {
      found = det.detectChangepoints(z.subarray(0, k)).indices;
    } finally {
      det.free();
    }
    let m = 0;
    for (const c of found) if (c + 1 > 0 && c + 1 < k && (m === 0 || c + 1 > ws.cand[m - 1])) ws.cand[m++] = c + 1;
    for (let q = 0; q < m; q++) {
      const c = ws.cand[q];
      let end = k;
      for (let r = q + 1; r < m; r++) {
        if (ws.cand[r] - c >= p.minHold) {
          end = ws.cand[r];
          break;
        }
      }
      if (end - c < p.minHold || c - last < p.minHold) continue;
      const before = median(x, last, c, ws.a);
      const after = median(x, c, end, ws.a);
      const sd = floored(p, pooledMad(x, last, c, before, end, after, ws.a), Math.max(Math.abs(before), Math.abs(after)));
      if (Math.abs(after - before) < p.minShift * sd) continue;
      res.kind = 'level-shift';
      res.changeIndex = idx[c];
      res.before = before;
      res.after = after;
      last = c;
    }
  }
  spikes(x, last, k, p, ws, res);
}

/** True when some split's two-sample t-statistic (winsorised values, robust scale) passes {@link SCREEN_T}. */
function screen(x: Float64Array, k: number, level: number, s: number, p: Readonly<Resolved>): boolean {
  const lim = p.spikeZ * s;
  let total = 0;
  for (let i = 0; i < k; i++) total += Math.min(Math.max(x[i] - level, -lim), lim);
  let head = 0;
  for (let c = 1; c < k; c++) {
    head += Math.min(Math.max(x[c - 1] - level, -lim), lim);
    if (c < 2 || k - c < 2) continue;
    const diff = (total - head) / (k - c) - head / c;
    if (Math.abs(diff) / (s * Math.sqrt(1 / c + 1 / (k - c))) >= SCREEN_T) return true;
  }
  return false;
}

/** Finds spikes in x[from, k): returned excursions of at most `maxSpike` points beyond `spikeZ`. */
function spikes(x: Float64Array, from: number, k: number, p: Readonly<Resolved>, ws: ShiftWorkspace, res: ShiftResult): void {
  if (k - from < 3) return;
  const level = median(x, from, k, ws.a);
  const lim = p.spikeZ * floored(p, mad(x, from, k, level, ws.a), level);
  let best = 0;
  for (let i = from; i < k; ) {
    if (Math.abs(x[i] - level) <= lim) {
      i++;
      continue;
    }
    let j = i;
    let peak = i;
    while (j < k && Math.abs(x[j] - level) > lim) {
      if (Math.abs(x[j] - level) > Math.abs(x[peak] - level)) peak = j;
      j++;
    }
    if (j < k && j - i <= p.maxSpike && Math.abs(x[peak] - level) > best) {
      best = Math.abs(x[peak] - level);
      res.spikeIndex = ws.idx[peak];
      if (res.kind === 'none') res.kind = 'spike';
    }
    i = j;
  }
}

/** max(1.4826 · mad, minScale, relativeFloor · |level|). */
function floored(p: Readonly<Resolved>, madValue: number, level: number): number {
  return Math.max(MAD_TO_SD * madValue, p.minScale, p.relativeFloor * Math.abs(level));
}

/** The median of x[from, to) (NaN when empty), sorting a copy in `tmp`. */
function median(x: Float64Array, from: number, to: number, tmp: Float64Array): number {
  const c = to - from;
  if (c <= 0) return NaN;
  const t = tmp.subarray(0, c);
  t.set(x.subarray(from, to));
  t.sort();
  const h = c >> 1;
  return c % 2 === 1 ? t[h] : 0.5 * (t[h - 1] + t[h]);
}

/** The median absolute deviation of x[from, to) about `m`. */
function mad(x: Float64Array, from: number, to: number, m: number, tmp: Float64Array): number {
  return pooledMad(x, from, to, m, to, m, tmp);
}

/** The median of |x − m1| over x[a, b) together with |x − m2| over x[b, c). */
function pooledMad(x: Float64Array, a: number, b: number, m1: number, c: number, m2: number, tmp: Float64Array): number {
  const n = c - a;
  if (n <= 0) return 0;
  for (let i = a; i < c; i++) tmp[i - a] = Math.abs(x[i] - (i < b ? m1 : m2));
  const t = tmp.subarray(0, n).sort();
  const h = n >> 1;
  return n % 2 === 1 ? t[h] : 0.5 * (t[h - 1] + t[h]);
}

/** Options of {@link LevelShiftTracker}: those of {@link classifyShift} plus the window. */
export interface LevelShiftTrackerOptions extends ShiftOptions {
  /** Points kept and classified (default 120, at least 2 · minHold). */
  window?: number;
  /** Classify every `every`-th push (default 1); the others return the previous kind. */
  every?: number;
}

/** The most recent level shift a {@link LevelShiftTracker} saw. */
export interface LevelShift {
  /** Time of the first point at the new level. */
  t: number;
  before: number;
  after: number;
}

/**
 * Streaming level-shift / spike classification of one series: a ring buffer of the last `window`
 * points, classified by {@link classifyShift} on each push (or every `every`-th), with its buffers
 * allocated once. Throws {@link InputError} naming a bad option.
 */
export class LevelShiftTracker {
  /** The options, defaults filled in. */
  readonly options: Readonly<Resolved>;
  /** Points kept. */
  readonly window: number;
  private readonly every: number;
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private readonly lin: Float64Array;
  private readonly ws: ShiftWorkspace;
  private readonly res: ShiftResult = { kind: 'none', changeIndex: null, before: NaN, after: NaN, spikeIndex: null };
  private head = 0;
  private count = 0;
  private pushes = 0;
  private shift: LevelShift | null = null;

  constructor(opts: LevelShiftTrackerOptions = {}) {
    const { window = 120, every = 1, ...rest } = opts;
    this.options = resolveShiftOptions(rest);
    if (!Number.isInteger(window) || window < 2 * this.options.minHold || window > 100_000) {
      throw new InputError(`changepoint: window must be an integer in [2 · minHold = ${2 * this.options.minHold}, 100000], got ${JSON.stringify(window)}`);
    }
    if (!Number.isInteger(every) || every < 1) throw new InputError(`changepoint: every must be an integer >= 1, got ${JSON.stringify(every)}`);
    this.window = window;
    this.every = every;
    this.values = new Float64Array(window);
    this.times = new Float64Array(window);
    this.lin = new Float64Array(window);
    this.ws = new ShiftWorkspace(window);
  }

  /** Adds the value `v` observed at time `t` (NaN = missing) and returns the window's kind. */
  push(v: number, t: number): ShiftKind {
    const W = this.window;
    this.values[this.head] = v;
    this.times[this.head] = t;
    this.head = (this.head + 1) % W;
    if (this.count < W) this.count++;
    if (++this.pushes % this.every !== 0) return this.res.kind;
    const start = this.count < W ? 0 : this.head;
    for (let i = 0; i < this.count; i++) this.lin[i] = this.values[(start + i) % W];
    classifyInto(this.lin, this.count, this.options, this.ws, this.res);
    const c = this.res.changeIndex;
    if (this.res.kind === 'level-shift' && c !== null) {
      const tc = this.times[(start + c) % W];
      if (this.shift === null || this.shift.t !== tc) this.shift = { t: tc, before: this.res.before, after: this.res.after };
      else {
        this.shift.before = this.res.before; // the same shift, its levels refined as points arrive
        this.shift.after = this.res.after;
      }
    }
    return this.res.kind;
  }

  /** The latest classification (indices into the current window, oldest point 0); overwritten by `push`. */
  get last(): Readonly<ShiftResult> {
    return this.res;
  }

  /** The most recent level shift seen (kept after it leaves the window; its levels updated in place while it is in it); null before any. */
  get lastShift(): Readonly<LevelShift> | null {
    return this.shift;
  }
}
