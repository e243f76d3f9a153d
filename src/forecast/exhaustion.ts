/**
 * Time to exhaustion of one resource of one container: a streaming estimator fed `(t, value, limit)`
 * once per scoring cycle (memory bytes against the memory limit, CPU cores against the CPU limit)
 * that predicts when the value will reach the limit (a memory leak heading for an OOM kill, CPU
 * heading for throttling), with an interval, and a score in [0, 1) for the alert policy.
 *
 * Method, per cycle (one point kept per `sampleEverySeconds` in a ring buffer of typed arrays):
 * - For each window in `windowsSeconds` (default 15 min, 1 h, 4 h) that the points span (90% of
 *   it at least), a robust line: slope b by Theil–Sen (median of all pairwise slopes up to 24 points;
 *   beyond, of the slopes between each point and the one half a window later). A sustained climb
 *   climbs in both halves of the window, a step does not, so the *steady* slope is the least of b
 *   and twice each half's slope. The level now is the median of the newest 5 points
 *   brought to now along the steady slope.
 * - Uncertainty of the slope: the larger of (1) the OLS standard error with the robust residual
 *   scale (1.4826 · MAD, floored at `noiseFloor` × limit), inflated for the residuals' lag-1
 *   autocorrelation ρ (effective n = n (1 − ρ) / (1 + ρ)), and (2) the window's *natural slope
 *   scale*, learnt per series as the decayed RMS of its falling slopes (`slopeMemory`), mixed with a
 *   prior of `priorNoise` × limit / window (weight `priorWeight`). Traffic noise and daily swings
 *   rise and fall alike, so their falling side measures how steep a rise normal behaviour makes;
 *   a leak only rises, so it does not teach the series that leaks are normal.
 * - Headroom H = limit · `exhaustAt` − level. Time to exhaustion = H / b (Infinity when b ≤ 0; 0
 *   when H ≤ 0, exhausted now). Interval: lower (H − z·σ_L) / (b + z·se), σ_L the standard error
 *   of the line's level; upper the τ with b_steady·τ − H = z·√(σ_L² + τ²·se²), Infinity when b_steady ≤ z·se.
 *   confidence = Φ((b_steady·h − H) / √(σ_L² + h²·se²)), h the horizon: the chance of exhaustion
 *   within the horizon.
 * - score = zToScore(reach / upper, 1, 2), reach = min(horizon, `reachWindows` × window): 0.5
 *   when the pessimistic (upper) end equals the reach, higher as exhaustion gets nearer and surer,
 *   0 when the climb is not significant. A short window sees a fast leak first but cannot tell a
 *   slow one from noise, so it may not warn beyond a few of its own lengths.
 *   The window with the highest score is reported (ties: the longest).
 * - A window longer than an hour is refitted every `window / 1 h` kept points (the 4-hour window
 *   every 4th): in between, its last fit is carried forward in time (the times to exhaustion less the
 *   time since, the level along the steady slope). Its fit is most of the estimator's cost (Theil–Sen
 *   and three medians over up to 240 points), and a 4-hour trend moves little in 3 minutes. Measured
 *   with `npm run bench:early-warning`:
 *   - cost 42.6 → 26.6–27.2 µs per pod-cycle;
 *   - still 24 of 24 leaks warned 30 minutes ahead, median lead 112 → 110 minutes (the 24-hour leaks
 *     lose up to 11);
 *   - no false warnings;
 *   - `LIMITS=tight`: the same 20 of 24 and 0.67 false CPU warnings per workload-week.
 *
 * Leaks versus normal behaviour: a restart (the `restarts` counter grows, or the value drops by more
 * than `resetDrop` × limit between points, e.g. after an OOM kill) empties the buffer and starts a
 * warm-up of `warmupSeconds` during which nothing is kept or scored, so a container filling its
 * caches is not mistaken for a leak; a new pod (a rollout, a scale-up) warms up likewise from
 * `startedAt` (or its first point). A daily swing or traffic noise is measured by the learnt slope
 * scale; a page cache that fills up and then stays flat stops climbing, so its upper bound goes to
 * Infinity (with `saturationIsExhaustion` false, also when it sits at the limit; still, feed the
 * working set, not usage, where there is one). Without a limit (NaN) nothing is predicted.
 *
 * Nothing here is random. `observe` allocates nothing: it returns the estimator's one
 * {@link ExhaustionEstimate}, overwritten by the next call. State is JSON ({@link ExhaustionEstimator.toJSON}).
 */
import { ModelFormatError } from '../core/errors.js';
import { zToScore } from '../core/score-map.js';
import { EXHAUSTION_DEFAULTS, resolveExhaustionParams, type ExhaustionParams } from './exhaustion-params.js';
import { ALL_PAIRS_MAX, medianInPlace, normalCdf, theilSen } from './exhaustion-stats.js';

export { EXHAUSTION_DEFAULTS, resolveExhaustionParams, type ExhaustionParams };

/** A window of W seconds is refitted every max(1, ⌊W / this⌋) kept points (see the file comment). */
const REFIT_SPAN_SECONDS = 3600;
/** Fields of a window's last fit, carried forward between refits. */
const F_AT = 0, F_SLOPE = 1, F_SE = 2, F_LEVEL = 3, F_TTE = 4, F_LOWER = 5, F_UPPER = 6, F_CONF = 7, F_STEADY = 8, F_LIMIT = 9, FIT_FIELDS = 10;

/** The prediction of one cycle. Times in seconds from `at`. */
export interface ExhaustionEstimate {
  /** Epoch ms of the newest point the estimate is based on (NaN before any). */
  at: number;
  /** Predicted seconds until the value reaches the limit; Infinity when not heading there. */
  tteSeconds: number;
  /** Interval of the prediction (z standard errors of the slope). */
  tteLowerSeconds: number;
  tteUpperSeconds: number;
  /** Trend, value units per second. */
  slopePerSecond: number;
  /** Standard error of the slope, value units per second. */
  slopeStdErr: number;
  /** Robust level now, value units. */
  level: number;
  /** The limit the prediction is against (NaN: none). */
  limit: number;
  /** Probability that the limit is reached within the horizon (normal approximation). */
  confidence: number;
  /** In [0, 1): 0.5 when the upper end equals the window's reach (see the file comment); higher is nearer and surer. */
  score: number;
  /** The window that gave the estimate, seconds (0: none yet). */
  windowSeconds: number;
  /** True while a (re)started container warms up. */
  warmingUp: boolean;
}

/** Persisted form of an {@link ExhaustionEstimator}. */
export interface ExhaustionSnapshot {
  kind: 'kad-exhaustion';
  formatVersion: 1;
  params: Required<ExhaustionParams>;
  state: {
    t: number[]; v: number[]; negSum: number[]; negCount: number[]; lastT: number | null; lastValue: number | null; lastRestarts: number | null; warmUntil: number | null;
    /**
     * Windows' last fits carried forward between refits: per window the points kept since (null: none)
     * and its FIT_FIELDS numbers (null for Infinity). Absent in older snapshots: every window refits.
     */
    carried?: { since: (number | null)[]; fits: (number | null)[] };
  };
}

/** The level now is the median of the newest this many points, brought to now along the trend. */
const LEVEL_POINTS = 5;
/** A window is used once the points span this share of it. */
const COVER = 0.9;
/** 1.4826: MAD to standard deviation for Gaussian noise. */
const MAD_TO_SD = 1.482602218505602;
/** Theil–Sen's standard error is about this much larger than OLS's on Gaussian noise. */
const TS_SE_FACTOR = 1.1;

/** Work space an estimator borrows for one call; one can be shared by many estimators. */
export class ExhaustionScratch {
  /** The kept points, oldest first, copied out of the ring. */
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  constructor(readonly capacity = EXHAUSTION_DEFAULTS.capacity) {
    const n = Math.max(capacity, (ALL_PAIRS_MAX * (ALL_PAIRS_MAX - 1)) / 2);
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
    this.a = new Float64Array(n);
    this.b = new Float64Array(n);
  }
}

/** Streaming time-to-exhaustion estimator of one series; see the file comment. */
export class ExhaustionEstimator {
  /** The resolved settings. */
  readonly params: Readonly<Required<ExhaustionParams>>;
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private head = 0; // index of the oldest point
  private count = 0;
  private lastT = NaN;
  private lastValue = NaN;
  private lastRestarts = NaN;
  private warmUntil = NaN;
  /** Per window: decayed sum of squared falling slopes (per second) and their decayed count. */
  private readonly negSum: Float64Array;
  private readonly negCount: Float64Array;
  /** Points kept so far (never reset), and per window the count at its last fit (NaN: none to carry). */
  private kept = 0;
  private readonly fittedAt: Float64Array;
  /** Per window its last fit (FIT_FIELDS numbers: F_AT …). */
  private readonly lastFit: Float64Array;
  private readonly scratch: ExhaustionScratch;
  private readonly out: ExhaustionEstimate = emptyEstimate();

  /** Throws InputError for a bad setting. `scratch` must fit `capacity` (default: its own). */
  constructor(params: ExhaustionParams = {}, scratch?: ExhaustionScratch) {
    this.params = Object.freeze(resolveExhaustionParams(params));
    this.ts = new Float64Array(this.params.capacity);
    this.vs = new Float64Array(this.params.capacity);
    this.negSum = new Float64Array(this.params.windowsSeconds.length);
    this.negCount = new Float64Array(this.params.windowsSeconds.length);
    this.fittedAt = new Float64Array(this.params.windowsSeconds.length).fill(NaN);
    this.lastFit = new Float64Array(this.params.windowsSeconds.length * FIT_FIELDS);
    this.scratch = scratch && scratch.capacity >= this.params.capacity ? scratch : new ExhaustionScratch(this.params.capacity);
  }

  /** Points kept now. */
  get size(): number {
    return this.count;
  }

  /**
   * Feeds the value at epoch ms `t` with the limit now (NaN: none), the container's cumulative
   * restart count (NaN: unknown) and when the pod started (epoch ms; NaN: unknown, so its first point
   * starts a warm-up). Returns the estimate (the estimator's one object: read it before the next call).
   * Points that are not finite, or not later than the last, leave the state as it is.
   */
  observe(t: number, value: number, limit: number, restarts = NaN, startedAt = NaN): Readonly<ExhaustionEstimate> {
    const p = this.params;
    const out = this.out;
    if (!Number.isFinite(t) || !Number.isFinite(value) || t <= this.lastT) return out;
    const restarted = (Number.isFinite(restarts) && Number.isFinite(this.lastRestarts) && restarts !== this.lastRestarts)
      || (p.resetDrop > 0 && limit > 0 && this.lastValue - value > p.resetDrop * limit);
    if (Number.isNaN(this.lastT)) this.warmUntil = (Number.isFinite(startedAt) ? Math.min(startedAt, t) : t) + p.warmupSeconds * 1000;
    else if (restarted) this.reset(t);
    this.lastT = t;
    this.lastValue = value;
    if (Number.isFinite(restarts)) this.lastRestarts = restarts;
    out.limit = limit > 0 ? limit : NaN;
    if (t < this.warmUntil) {
      clearEstimate(out);
      out.warmingUp = true;
      return out;
    }
    out.warmingUp = false;
    if (this.count > 0 && t - this.ts[(this.head + this.count - 1) % p.capacity] < 900 * p.sampleEverySeconds) {
      return out; // too soon after the last kept point: the estimate stands
    }
    this.push(t, value);
    this.estimate(out);
    return out;
  }

  /** Forgets the points and starts a warm-up at `t` (a restart the caller knows of). */
  reset(t: number): void {
    this.head = 0;
    this.count = 0;
    this.fittedAt.fill(NaN);
    this.warmUntil = t + this.params.warmupSeconds * 1000;
    clearEstimate(this.out);
  }

  private push(t: number, v: number): void {
    const cap = this.params.capacity;
    const i = (this.head + this.count) % cap;
    this.ts[i] = t;
    this.vs[i] = v;
    this.kept++;
    if (this.count < cap) this.count++;
    else this.head = (this.head + 1) % cap;
  }

  private estimate(out: ExhaustionEstimate): void {
    const p = this.params;
    const n = this.count;
    const { t, v } = this.scratch;
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % p.capacity;
      t[k] = this.ts[i];
      v[k] = this.vs[i];
    }
    const tNow = t[n - 1];
    clearEstimate(out);
    out.at = tNow;
    const limit = out.limit;
    if (!(limit > 0)) return;
    let best = -1;
    for (let w = 0; w < p.windowsSeconds.length; w++) {
      const wMs = p.windowsSeconds[w] * 1000;
      let from = n - 1;
      while (from > 0 && tNow - t[from - 1] <= wMs) from--;
      const m = n - from;
      if (m < p.minPoints || tNow - t[from] < COVER * wMs) continue;
      const every = Math.max(1, Math.floor(p.windowsSeconds[w] / REFIT_SPAN_SECONDS));
      const carry = every > 1 && this.kept - this.fittedAt[w] < every && this.lastFit[w * FIT_FIELDS + F_LIMIT] === limit;
      const score = carry ? this.carryFit(w, tNow) : this.fitWindow(w, from, m, limit);
      if (!carry && every > 1) this.keepFit(w, tNow, limit);
      if (score >= best) {
        const f = this.fit;
        best = score;
        out.score = score;
        out.windowSeconds = p.windowsSeconds[w];
        out.slopePerSecond = f.slope;
        out.slopeStdErr = f.se;
        out.level = f.level;
        out.tteSeconds = f.tte;
        out.tteLowerSeconds = f.lower;
        out.tteUpperSeconds = f.upper;
        out.confidence = f.confidence;
      }
    }
  }

  private readonly fit = { slope: 0, se: 0, level: 0, tte: Infinity, lower: Infinity, upper: Infinity, confidence: 0, steady: 0 };

  /** Keeps window w's fit just made (this.fit) to carry forward until its next refit. */
  private keepFit(w: number, tNow: number, limit: number): void {
    const f = this.fit;
    const o = w * FIT_FIELDS;
    const c = this.lastFit;
    c[o + F_AT] = tNow;
    c[o + F_SLOPE] = f.slope;
    c[o + F_SE] = f.se;
    c[o + F_LEVEL] = f.level;
    c[o + F_TTE] = f.tte;
    c[o + F_LOWER] = f.lower;
    c[o + F_UPPER] = f.upper;
    c[o + F_CONF] = f.confidence;
    c[o + F_STEADY] = f.steady;
    c[o + F_LIMIT] = limit;
    this.fittedAt[w] = this.kept;
  }

  /** Window w's last fit brought to `tNow` (into this.fit); returns its score then. */
  private carryFit(w: number, tNow: number): number {
    const p = this.params;
    const f = this.fit;
    const o = w * FIT_FIELDS;
    const c = this.lastFit;
    const dt = (tNow - c[o + F_AT]) / 1000;
    f.slope = c[o + F_SLOPE];
    f.se = c[o + F_SE];
    f.steady = c[o + F_STEADY];
    f.level = c[o + F_LEVEL] + f.steady * dt;
    f.tte = Math.max(0, c[o + F_TTE] - dt);
    f.lower = Math.max(0, c[o + F_LOWER] - dt);
    f.upper = Math.max(0, c[o + F_UPPER] - dt);
    f.confidence = c[o + F_CONF];
    const reach = Math.min(p.horizonSeconds, p.reachWindows * p.windowsSeconds[w]);
    return f.upper === Infinity ? 0 : zToScore(reach / f.upper, 1, 2);
  }

  /** Natural variability of window w's slope (per second): learnt from falling slopes, with a prior. */
  private slopeScale(w: number, limit: number): number {
    const p = this.params;
    const prior = (p.priorNoise * limit) / p.windowsSeconds[w];
    const n0 = p.priorWeight;
    const n = this.negCount[w] + n0;
    return n > 0 ? Math.sqrt((this.negSum[w] + n0 * prior * prior) / n) : 0;
  }

  /**
   * Robust line through the m scratch points from `from` (window w, the newest at the end); fills
   * this.fit, learns the window's slope scale from a falling slope, returns the score.
   */
  private fitWindow(w: number, from: number, m: number, limit: number): number {
    const p = this.params;
    const { t, v, a, b } = this.scratch;
    const end = from + m;
    const tNow = t[end - 1];
    const slopeMs = theilSen(t, v, from, m, a);
    // A sustained climb climbs in both halves of the window (each at least half as fast as the
    // whole, allowing for noise); a step does not.
    const half = m >>> 1;
    const halves = Math.min(theilSen(t, v, from, half, a), theilSen(t, v, end - half, half, a));
    const steadyMs = Math.min(slopeMs, 2 * halves);
    // Residuals about the line: their robust scale and lag-1 autocorrelation.
    let tMean = 0;
    for (let k = from; k < end; k++) {
      a[k - from] = v[k] - slopeMs * (t[k] - tNow);
      tMean += t[k];
    }
    tMean /= m;
    const level = medianInPlace(a, m);
    let sxx = 0;
    for (let k = from; k < end; k++) {
      b[k - from] = Math.abs(v[k] - slopeMs * (t[k] - tNow) - level);
      sxx += ((t[k] - tMean) / 1000) ** 2;
    }
    const scale = Math.max(MAD_TO_SD * medianInPlace(b, m), p.noiseFloor * limit);
    const clip = 3 * scale;
    let s0 = 0;
    let s1 = 0;
    let prev = 0;
    for (let k = from; k < end; k++) {
      const r = Math.max(-clip, Math.min(clip, v[k] - slopeMs * (t[k] - tNow) - level));
      s0 += r * r;
      if (k > from) s1 += r * prev;
      prev = r;
    }
    const rho = s0 > 0 ? Math.min(0.98, Math.max(0, s1 / s0)) : 0;
    // The level now: the newest points brought to now along the steady slope (so a step inside the
    // window cannot carry it past where the values are).
    const nl = Math.min(m, LEVEL_POINTS);
    for (let k = 0; k < nl; k++) a[k] = v[end - nl + k] - steadyMs * (t[end - nl + k] - tNow);
    const now = medianInPlace(a, nl);

    const slope = slopeMs * 1000;
    const steady = steadyMs * 1000;
    const seFit = (TS_SE_FACTOR * scale * Math.sqrt((1 + rho) / (1 - rho))) / Math.sqrt(Math.max(sxx, 1e-12));
    const se = Math.max(seFit, this.slopeScale(w, limit));
    if (slope < 0) {
      const keep = 1 - 1 / p.slopeMemory;
      this.negSum[w] = keep * this.negSum[w] + slope * slope;
      this.negCount[w] = keep * this.negCount[w] + 1;
    }
    const f = this.fit;
    f.slope = slope;
    f.se = se;
    f.level = now;
    f.steady = steady;
    const head = limit * p.exhaustAt - now;
    const z = p.z;
    const sure = steady - z * se;
    // Standard error of the line's value now (at the end of the window: 2 / √n of the noise, with n
    // the effective number of points); the noise about the line only makes exhaustion come sooner.
    const seLevel = scale * Math.min(1, 2 * Math.sqrt((1 + rho) / ((1 - rho) * m)));
    if (head <= 0) {
      // At the limit already: exhausted if that counts (CPU: throttled), or if still climbing.
      const exhausted = p.saturationIsExhaustion || sure > 0;
      f.tte = f.lower = 0;
      f.upper = exhausted ? 0 : Infinity;
      f.confidence = exhausted ? 1 : 0;
    } else {
      f.tte = slope > 0 ? head / slope : Infinity;
      f.lower = slope + z * se > 0 ? Math.max(0, head - z * seLevel) / (slope + z * se) : Infinity;
      // Upper end: the time τ by which level + steady·τ reaches the limit with z standard errors of
      // both the level and the slope to spare: (steady·τ − H)² = z² (seLevel² + τ² se²).
      const qa = steady * steady - z * z * se * se;
      const disc = steady * steady * head * head - qa * (head * head - z * z * seLevel * seLevel);
      f.upper = sure > 0 ? Math.max(f.tte, (steady * head + Math.sqrt(Math.max(0, disc))) / qa) : Infinity;
      const hz = p.horizonSeconds;
      f.confidence = normalCdf((steady * hz - head) / Math.sqrt(seLevel * seLevel + hz * hz * se * se));
    }
    const reach = Math.min(p.horizonSeconds, p.reachWindows * p.windowsSeconds[w]);
    return f.upper === Infinity ? 0 : zToScore(reach / f.upper, 1, 2);
  }

  /** The state as JSON (kind `kad-exhaustion`, formatVersion 1). */
  toJSON(): ExhaustionSnapshot {
    const t: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.params.capacity;
      t.push(this.ts[i]);
      v.push(this.vs[i]);
    }
    const num = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      kind: 'kad-exhaustion', formatVersion: 1, params: { ...this.params, windowsSeconds: [...this.params.windowsSeconds] },
      state: {
        t, v, negSum: [...this.negSum], negCount: [...this.negCount], lastT: num(this.lastT), lastValue: num(this.lastValue), lastRestarts: num(this.lastRestarts), warmUntil: num(this.warmUntil),
        carried: { since: Array.from(this.fittedAt, (f) => num(this.kept - f)), fits: Array.from(this.lastFit, num) },
      },
    };
  }

  /** Restores an estimator saved by {@link toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(json: unknown, scratch?: ExhaustionScratch): ExhaustionEstimator {
    const s = json as Partial<ExhaustionSnapshot> | null;
    if (typeof s !== 'object' || s === null) throw new ModelFormatError('exhaustion snapshot must be an object');
    if (s.kind !== 'kad-exhaustion') throw new ModelFormatError(`exhaustion snapshot: kind must be "kad-exhaustion", got ${JSON.stringify(s.kind)}`);
    if (s.formatVersion !== 1) throw new ModelFormatError(`exhaustion snapshot: formatVersion ${JSON.stringify(s.formatVersion)} is not supported (expected 1)`);
    let e: ExhaustionEstimator;
    try {
      e = new ExhaustionEstimator(s.params ?? {}, scratch);
    } catch (err) {
      throw new ModelFormatError(`exhaustion snapshot: field "params" is invalid: ${(err as Error).message}`);
    }
    const st = s.state;
    const finiteArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((y) => typeof y === 'number' && Number.isFinite(y));
    if (!st || !finiteArray(st.t) || !finiteArray(st.v) || st.t.length !== st.v.length || st.t.length > e.params.capacity) {
      throw new ModelFormatError(`exhaustion snapshot: "state.t" and "state.v" must be arrays of the same length (at most ${e.params.capacity}) of finite numbers`);
    }
    for (let k = 0; k < st.t.length; k++) e.push(st.t[k], st.v[k]);
    const nw = e.params.windowsSeconds.length;
    if (!finiteArray(st.negSum) || !finiteArray(st.negCount) || st.negSum.length !== nw || st.negCount.length !== nw) {
      throw new ModelFormatError(`exhaustion snapshot: "state.negSum" and "state.negCount" must be arrays of ${nw} finite numbers (one per window)`);
    }
    e.negSum.set(st.negSum);
    e.negCount.set(st.negCount);
    const opt = (name: 'lastT' | 'lastValue' | 'lastRestarts' | 'warmUntil'): number => {
      const x = st[name];
      if (x === null || x === undefined) return NaN;
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new ModelFormatError(`exhaustion snapshot: "state.${name}" must be a finite number or null`);
      return x;
    };
    const c = st.carried;
    if (c !== undefined) {
      const ok = (xs: unknown, n: number) => Array.isArray(xs) && xs.length === n && xs.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x)));
      if (typeof c !== 'object' || c === null || !ok(c.since, nw) || !ok(c.fits, nw * FIT_FIELDS)) {
        throw new ModelFormatError(`exhaustion snapshot: "state.carried" must hold "since" (${nw} numbers or null) and "fits" (${nw * FIT_FIELDS} numbers or null)`);
      }
      c.since.forEach((k, w) => { e.fittedAt[w] = k === null ? NaN : e.kept - k; }); // kept − fittedAt = since, as saved
      c.fits.forEach((x, i) => { e.lastFit[i] = x === null ? Infinity : x; });
    }
    e.lastT = opt('lastT');
    e.lastValue = opt('lastValue');
    e.lastRestarts = opt('lastRestarts');
    e.warmUntil = opt('warmUntil');
    return e;
  }
}

function emptyEstimate(): ExhaustionEstimate {
  return {
    at: NaN, tteSeconds: Infinity, tteLowerSeconds: Infinity, tteUpperSeconds: Infinity, slopePerSecond: 0, slopeStdErr: NaN,
    level: NaN, limit: NaN, confidence: 0, score: 0, windowSeconds: 0, warmingUp: false,
  };
}

function clearEstimate(e: ExhaustionEstimate): void {
  e.tteSeconds = e.tteLowerSeconds = e.tteUpperSeconds = Infinity;
  e.slopePerSecond = 0;
  e.slopeStdErr = NaN;
  e.level = NaN;
  e.confidence = 0;
  e.score = 0;
  e.windowSeconds = 0;
}
