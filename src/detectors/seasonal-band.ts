/**
 * Seasonal band detector: per feature, an expected value and a band for each coming step, forecast
 * by MSTL (ETS when the series has no season) or optionally Prophet through augurs, refitted every
 * `refitEvery` learned points; a point scores by how far it lies outside the band at its step.
 *
 * Learning appends each point to a per-feature history ring (`maxHistory` values, Float64). Every
 * `refitEvery` steps the model is refitted on the history and the forecast of the next
 * H = refitEvery + ⌈refitEvery / 4⌉ steps is stored (point, lower and upper half-widths), so scoring is
 * a lookup: the step of `t` is counted from the last point learned at the refit, in steps of the
 * median spacing of recent timestamps (without usable times, the points learned since the refit).
 * Past the horizon (learning paused) or before it, the step wraps by whole seasons; a series without a
 * season uses the nearest end.
 *
 * Score: d = (|x − point| − half-width) / half-width, the distance outside the band in half-widths
 * (0 inside); z = d · z(level), the distance beyond the band's edge in forecast standard deviations;
 * the largest z over the features goes through {@link zToScore} (0.5 at z = z50, default 3: about
 * z(level) + 3 ≈ 5 standard deviations from the expected value at level 0.95).
 *
 * Seasons: `periods` in steps, or "auto": at each refit the strongest autocorrelation period of the
 * history ({@link detectPeriod}), none if it has no clear one. The model is fitted once the history
 * holds `minHistory` points (default 576: two days of 5-minute points, enough to see a daily season)
 * and, for given periods, two seasons of each. Before that, or when a fit fails, the band is the
 * history's median ± z(level) · 1.4826 · MAD. Half-widths are floored at z(level) · max(minScale,
 * relativeFloor · |point|), so a constant series scores finitely. Non-seasonal ETS is fitted on the
 * last 2 · refitEvery points only (its level is local; more points cost time, not information).
 *
 * Robust: each fit sees the history winsorised (robust-clip.ts `winsorLimits`: the 1% and 99%
 * quantiles ± 10 times their distance), so one absurd reading (1e308) does not blow up the model.
 *
 * Missing values: NaN and ±Infinity are stored as gaps (interpolated for the fit) and a jump in time
 * of more than 1.5 steps adds gap slots, so the history stays on a regular grid. At scoring, NaN
 * features are skipped (none left → 0), ±Infinity scores 1 − 1e-12. Same input, same scores; the seed
 * only feeds Prophet's optimizer. Prophet needs `await loadProphet()` (../forecast/augurs.ts) first.
 */
import { intIn, paramReader } from '../core/params.js';
import { InputError, ModelFormatError, NotReadyError } from '../core/errors.js';
import type { Features } from '../core/frame.js';
import { detectPeriod, fitForecast, levelToZ, prophetLoaded, type ForecastModel } from '../forecast/augurs.js';
import { zToScore } from '../core/score-map.js';
import { winsorLimits } from '../stats/robust-clip.js';
import { type Detector, type Explainer } from './base.js';
import { readFloorAndMapping } from './scale-settings.js';
import { openSnapshot, type DetectorSnapshot, type FeatureContribution } from '../core/snapshot.js';

const KIND = 'seasonal-band';
const FORMAT_VERSION = 1;
const MAD_TO_SD = 1.482602218505602;
const DELTAS = 15; // timestamp spacings kept for the step estimate
const PARAMS = ['model', 'periods', 'refitEvery', 'maxHistory', 'minHistory', 'minPoints', 'level', 'minScale', 'relativeFloor', 'z50', 'power'];
const MODELS: readonly ForecastModel[] = ['mstl', 'ets', 'prophet'];

/** Parameters of {@link SeasonalBandDetector}; every field has a default. */
export interface SeasonalBandParams {
  /** "mstl" (default; ETS when there is no season), "ets" (never seasonal) or "prophet" (slower; needs `loadProphet()`). */
  model?: ForecastModel;
  /** Seasonal periods in steps, or "auto" (default): detected at each refit. */
  periods?: 'auto' | number[];
  /** Steps between refits (default 288: a day of 5-minute points). */
  refitEvery?: number;
  /** History kept per feature (default 1152: four days of 5-minute points; at least two seasons). */
  maxHistory?: number;
  /** History needed before the first model fit (default 576, at most maxHistory). */
  minHistory?: number;
  /** Values a feature needs before it is scored at all (default 10). */
  minPoints?: number;
  /** Probability of the forecast band (default 0.95). */
  level?: number;
  /** Smallest standard deviation, in the features' units (default 1e-9). */
  minScale?: number;
  /** Smallest standard deviation relative to |expected value| (default 1e-3). */
  relativeFloor?: number;
  /** The z beyond the band at which the score is 0.5 (default 3). */
  z50?: number;
  /** Steepness of the score mapping (default 4). */
  power?: number;
}

type Resolved = Required<Omit<SeasonalBandParams, 'periods'>> & { periods: 'auto' | number[] };

function resolve(p: Record<string, unknown>): Resolved {
  const num = paramReader(KIND, p, PARAMS);
  const model = p.model ?? 'mstl';
  if (!MODELS.includes(model as ForecastModel)) throw new InputError(`${KIND}: model must be one of ${MODELS.join(', ')}, got ${JSON.stringify(model)}`);
  const refitEvery = num('refitEvery', 288, intIn(1, 100_000), 'an integer in [1, 100000]');
  const maxHistory = num('maxHistory', 1152, intIn(16, 1_000_000), 'an integer in [16, 1e6]');
  const periods = p.periods ?? 'auto';
  if (periods !== 'auto' && !(Array.isArray(periods) && periods.every((v) => intIn(2, maxHistory / 2)(v as number)))) {
    throw new InputError(`${KIND}: periods must be "auto" or an array of integers in [2, maxHistory / 2 = ${maxHistory / 2}] (steps), got ${JSON.stringify(periods)}`);
  }
  return {
    model: model as ForecastModel,
    periods: periods === 'auto' ? 'auto' : [...(periods as number[])],
    refitEvery,
    maxHistory,
    minHistory: num('minHistory', Math.min(576, maxHistory), intIn(8, maxHistory), `an integer in [8, maxHistory = ${maxHistory}]`),
    minPoints: num('minPoints', 10, intIn(1, maxHistory), `an integer in [1, maxHistory = ${maxHistory}]`),
    level: num('level', 0.95, (v) => v >= 0.5 && v <= 0.999, 'a number in [0.5, 0.999]'),
    minScale: num('minScale', 1e-9, (v) => Number.isFinite(v) && v >= 1e-12, 'a finite number >= 1e-12'),
    ...readFloorAndMapping(num, 3),
  };
}

/** Forecast-band detector, per feature, streaming, refitted on a schedule. See the file comment. */
export class SeasonalBandDetector implements Detector, Explainer {
  /** Registry key and snapshot kind. */
  readonly kind = KIND;
  /** A point is anomalous on its own past score 0.5 (z = z50 beyond the band). */
  readonly threshold = 0.5;
  /** The settings, defaults filled in. */
  readonly params: Readonly<Resolved>;
  /** Steps forecast at each refit. */
  readonly horizon: number;
  private readonly seed: number;
  private readonly zLevel: number;
  private d = 0;
  private hist = new Float64Array(0); // feature j: maxHistory slots at [j·M, (j+1)·M), ring, NaN = gap
  private head = 0; // next slot
  private filled = 0; // slots in use
  private sinceRefit = 0; // slots learned since the last refit
  private point = new Float64Array(0); // feature j, step k: [j·H + k]
  private lowHw = new Float32Array(0); // half-widths below and above the point
  private highHw = new Float32Array(0);
  private mode = new Uint8Array(0); // per feature: 0 not scored, 1 median/MAD band, 2 model band
  private wrap = new Int32Array(0); // per feature: the period steps wrap by (0: none)
  private lastT = NaN; // latest time learned
  private tRef = NaN; // lastT at the last refit
  private refStep = 0; // step (ms) at the last refit
  private deltas = new Float64Array(DELTAS); // recent spacings, ring
  private nDeltas = 0;
  private scratch = new Float64Array(DELTAS);

  /** Creates an empty detector; throws {@link InputError} naming a bad setting. */
  constructor(params: SeasonalBandParams = {}, seed = 1) {
    this.params = Object.freeze(resolve(params as Record<string, unknown>));
    if (this.params.model === 'prophet' && !prophetLoaded()) throw new NotReadyError(`${KIND}: model "prophet" needs \`await loadProphet()\` (src/forecast/augurs.ts) before the detector is built`);
    this.horizon = this.params.refitEvery + Math.ceil(this.params.refitEvery / 4);
    this.zLevel = levelToZ(this.params.level);
    this.seed = seed;
  }

  /** The feature dimension (0 before any point is learned). */
  get dims(): number {
    return this.d;
  }

  /** The median spacing of recent timestamps in ms (0 while unknown). */
  get stepMs(): number {
    const n = Math.min(this.nDeltas, DELTAS);
    if (n === 0) return 0;
    const s = this.scratch;
    for (let i = 0; i < n; i++) {
      let k = i;
      for (const v = this.deltas[i]; k > 0 && s[k - 1] > v; k--) s[k] = s[k - 1];
      s[k] = this.deltas[i];
    }
    return n % 2 === 1 ? s[n >> 1] : 0.5 * (s[(n >> 1) - 1] + s[n >> 1]);
  }

  /** Appends one point at time `t` (epoch ms) to the history, and refits when due. */
  learnOne(x: Features, t: number): void {
    if (this.d === 0) this.init(x.length);
    if (Number.isFinite(t)) {
      if (t > this.lastT) {
        const step = this.stepMs;
        const dt = t - this.lastT;
        this.deltas[this.nDeltas++ % DELTAS] = dt;
        if (step > 0 && dt > 1.5 * step) for (let g = Math.min(Math.round(dt / step) - 1, this.params.maxHistory); g > 0; g--) this.push(undefined);
        this.lastT = t;
      } else if (Number.isNaN(this.lastT)) this.lastT = t;
    }
    this.push(x);
    const { refitEvery, minHistory } = this.params;
    if (this.sinceRefit >= refitEvery || (this.filled <= minHistory && (this.filled === minHistory || 4 * this.sinceRefit >= this.filled))) this.refit();
  }

  /** The largest z beyond the band over the scored features of `x` (0 when none). Does not allocate. */
  zOf(x: Features, t: number): number {
    const raw = this.rawStep(t);
    let zmax = 0;
    for (let j = 0, n = Math.min(this.d, x.length); j < n; j++) {
      const v = x[j];
      if (Number.isNaN(v) || this.mode[j] === 0) continue;
      const z = this.zAt(j, this.stepAt(j, raw), v);
      if (z > zmax) zmax = z;
    }
    return zmax;
  }

  /** Scores one point in [0, 1) by its distance outside the band at its step; does not allocate. */
  scoreOne(x: Features, t: number): number {
    return zToScore(this.zOf(x, t), this.params.z50, this.params.power);
  }

  /** Every scored feature's z beyond the band, largest first, with the band at its step as the expected range. Allocates. */
  explain(x: Features, names: readonly string[], t = NaN): FeatureContribution[] {
    const raw = this.rawStep(t);
    const out: FeatureContribution[] = [];
    for (let j = 0; j < Math.min(this.d, x.length); j++) {
      if (Number.isNaN(x[j]) || this.mode[j] === 0) continue;
      const k = this.stepAt(j, raw);
      const i = j * this.horizon + k;
      out.push({ name: names[j] ?? `x${j}`, value: x[j], z: this.zAt(j, k, x[j]), expected: [this.point[i] - this.lowHw[i], this.point[i] + this.highHw[i]] });
    }
    return out.sort((a, b) => b.z - a.z);
  }

  /** Saves settings, history (oldest first, gaps as null), the stored forecast and the clock as JSON. */
  toJSON(): DetectorSnapshot {
    const M = this.params.maxHistory;
    const H = this.horizon;
    const history: (number | null)[][] = [];
    const band: { mode: number; wrap: number; point: number[]; low: number[]; high: number[] }[] = [];
    for (let j = 0; j < this.d; j++) {
      const h: (number | null)[] = [];
      for (let i = 0; i < this.filled; i++) {
        const v = this.hist[j * M + ((this.head - this.filled + i + M) % M)];
        h.push(Number.isNaN(v) ? null : v);
      }
      history.push(h);
      const range = (a: Float64Array | Float32Array) => Array.from(a.subarray(j * H, (j + 1) * H));
      band.push({ mode: this.mode[j], wrap: this.wrap[j], point: range(this.point), low: range(this.lowHw), high: range(this.highHw) });
    }
    const nd = Math.min(this.nDeltas, DELTAS);
    const deltas = Array.from({ length: nd }, (_, i) => this.deltas[(this.nDeltas - nd + i) % DELTAS]);
    const time = (v: number) => (Number.isNaN(v) ? null : v);
    return {
      kind: KIND,
      formatVersion: FORMAT_VERSION,
      params: { ...this.params, periods: this.params.periods === 'auto' ? 'auto' : [...this.params.periods] },
      state: { seed: this.seed, dims: this.d, sinceRefit: this.sinceRefit, lastT: time(this.lastT), tRef: time(this.tRef), refStep: this.refStep, deltas, history, band },
    };
  }

  /** Restores a detector saved by {@link SeasonalBandDetector.toJSON}; throws {@link ModelFormatError} naming the bad field. */
  static fromJSON(s: DetectorSnapshot): SeasonalBandDetector {
    const { model: m, state: st } = openSnapshot(s, KIND, FORMAT_VERSION, (p, st) => {
      if (typeof st.seed !== 'number' || !Number.isFinite(st.seed)) bad('state.seed', 'must be a number');
      return new SeasonalBandDetector(p as SeasonalBandParams, st.seed);
    });
    const { dims, sinceRefit, lastT, tRef, refStep, deltas, history, band } = st;
    const { maxHistory: M } = m.params;
    const H = m.horizon;
    const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
    const numOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
    const finiteArray = (v: unknown, len: number) => Array.isArray(v) && v.length === len && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!isInt(dims, 0, 1e6)) bad('state.dims', 'must be an integer >= 0');
    if (!isInt(sinceRefit, 0, 1e9) || !numOrNull(lastT) || !numOrNull(tRef) || !(typeof refStep === 'number' && refStep >= 0 && Number.isFinite(refStep))) bad('state', 'needs "sinceRefit" (integer >= 0), "lastT" and "tRef" (number or null) and "refStep" (number >= 0)');
    if (!Array.isArray(deltas) || deltas.length > DELTAS || !deltas.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) bad('state.deltas', `must be at most ${DELTAS} positive numbers`);
    if (!Array.isArray(history) || history.length !== dims || !Array.isArray(band) || band.length !== dims) bad('state.history', 'and "state.band" must be arrays of one entry per feature');
    const hs = history as unknown[][];
    const filled = dims === 0 ? 0 : Array.isArray(hs[0]) ? hs[0].length : -1;
    if (!hs.every((h) => Array.isArray(h) && h.length === filled && filled <= M && h.every(numOrNull))) bad('state.history', `must hold, per feature, the same number (at most ${M}) of finite numbers or null`);
    for (const b of band as { mode?: unknown; wrap?: unknown; point?: unknown; low?: unknown; high?: unknown }[]) {
      if (typeof b !== 'object' || b === null || !isInt(b.mode, 0, 2) || !isInt(b.wrap, 0, H) || !finiteArray(b.point, H) || !finiteArray(b.low, H) || !finiteArray(b.high, H)) {
        bad('state.band', `entries must be { mode: 0-2, wrap: 0-${H}, point, low, high: ${H} finite numbers each }`);
      }
    }
    if (dims === 0) return m;
    m.init(dims);
    for (let j = 0; j < dims; j++) {
      for (let i = 0; i < filled; i++) m.hist[j * M + i] = hs[j][i] === null ? NaN : (hs[j][i] as number);
      const b = (band as { mode: number; wrap: number; point: number[]; low: number[]; high: number[] }[])[j];
      m.mode[j] = b.mode;
      m.wrap[j] = b.wrap;
      m.point.set(b.point, j * H);
      m.lowHw.set(b.low, j * H);
      m.highHw.set(b.high, j * H);
    }
    m.filled = filled;
    m.head = filled % M;
    m.sinceRefit = sinceRefit as number;
    m.lastT = lastT === null ? NaN : (lastT as number);
    m.tRef = tRef === null ? NaN : (tRef as number);
    m.refStep = refStep as number;
    m.deltas.set(deltas as number[]);
    m.nDeltas = (deltas as number[]).length;
    return m;
  }

  private init(d: number): void {
    if (d === 0) throw new InputError(`${KIND}: learnOne got an empty feature vector`);
    const H = this.horizon;
    this.d = d;
    this.hist = new Float64Array(d * this.params.maxHistory);
    this.point = new Float64Array(d * H);
    this.lowHw = new Float32Array(d * H);
    this.highHw = new Float32Array(d * H);
    this.mode = new Uint8Array(d);
    this.wrap = new Int32Array(d);
  }

  /** Appends one slot: the finite values of `x`, NaN for the rest (all NaN when `x` is undefined: a gap). */
  private push(x: Features | undefined): void {
    const M = this.params.maxHistory;
    for (let j = 0; j < this.d; j++) {
      const v = x !== undefined && j < x.length ? x[j] : NaN;
      this.hist[j * M + this.head] = Number.isFinite(v) ? v : NaN;
    }
    this.head = (this.head + 1) % M;
    if (this.filled < M) this.filled++;
    this.sinceRefit++;
  }

  /** The step of time `t` after the last refit, unwrapped (may be outside [0, horizon)). */
  private rawStep(t: number): number {
    if (this.refStep > 0 && Number.isFinite(t) && Number.isFinite(this.tRef)) return Math.round((t - this.tRef) / this.refStep) - 1;
    return this.sinceRefit;
  }

  /** Brings a raw step into [0, horizon) for feature j: by whole seasons when it has one, else to the nearest end. */
  private stepAt(j: number, k: number): number {
    const H = this.horizon;
    if (k >= 0 && k < H) return k;
    const P = this.wrap[j];
    if (P === 0) return k < 0 ? 0 : H - 1;
    return k < 0 ? ((k % P) + P) % P : H - P + ((k - (H - P)) % P);
  }

  /** z beyond the band of value v at step k of feature j. */
  private zAt(j: number, k: number, v: number): number {
    const i = j * this.horizon + k;
    const dev = v - this.point[i];
    const hw = dev > 0 ? this.highHw[i] : this.lowHw[i];
    const out = Math.abs(dev) - hw;
    return out > 0 ? (out / hw) * this.zLevel : 0;
  }

  /** Refits every feature on its history and stores the forecast of the next `horizon` steps. */
  private refit(): void {
    const fresh = Math.min(this.sinceRefit, this.filled, this.horizon);
    this.sinceRefit = 0;
    this.tRef = this.lastT;
    this.refStep = this.stepMs;
    const M = this.params.maxHistory;
    const y = new Float64Array(this.filled);
    for (let j = 0; j < this.d; j++) {
      const slot = (i: number) => j * M + ((this.head - this.filled + i + M) % M);
      for (let i = 0; i < this.filled; i++) y[i] = this.hist[slot(i)];
      const oosSd = this.review(j, y, fresh);
      for (let i = y.length - fresh; i < y.length; i++) this.hist[slot(i)] = y[i];
      this.fitFeature(j, y, oosSd);
    }
  }

  /**
   * Checks the last forecast against the `fresh` points it covered (the end of `y`): short runs of
   * points past z50 (spikes: at most refitEvery / 48 points) become gaps, so the next fit does not
   * copy them into the next season; longer runs (a shift) stay to be learned. Returns the robust
   * standard deviation of the forecast's errors (0 without a model forecast), which the next band
   * may not undercut: in-sample spreads of a seasonal fit on few seasons run narrow.
   */
  private review(j: number, y: Float64Array, fresh: number): number {
    if (this.mode[j] !== 2 || fresh < 2) return 0;
    const start = y.length - fresh;
    const maxRun = Math.max(1, Math.ceil(this.params.refitEvery / 48));
    let run = 0;
    for (let k = 0; k <= fresh; k++) {
      const v = k < fresh ? y[start + k] : NaN;
      if (Number.isFinite(v) && this.zAt(j, k, v) >= this.params.z50) run++;
      else {
        if (run > 0 && run <= maxRun) y.fill(NaN, start + k - run, start + k);
        run = 0;
      }
    }
    const err = new Float64Array(fresh);
    let n = 0;
    for (let k = 0; k < fresh; k++) if (Number.isFinite(y[start + k])) err[n++] = y[start + k] - this.point[j * this.horizon + k];
    if (n < 2) return 0;
    const e = err.subarray(0, n).sort();
    const mid = medianSorted(e);
    return MAD_TO_SD * medianSorted(e.map((v) => Math.abs(v - mid)).sort());
  }

  private fitFeature(j: number, y: Float64Array, oosSd: number): void {
    const p = this.params;
    const finite = y.filter(Number.isFinite).sort();
    this.wrap[j] = 0;
    if (finite.length < p.minPoints) {
      this.mode[j] = 0;
      return;
    }
    // Robust (robust-clip.ts): the model is fitted on the history winsorised at its 1% quantiles ± 10 spreads.
    const [wLo, wHi] = winsorLimits(finite);
    for (let i = 0; i < y.length; i++) y[i] = y[i] < wLo ? wLo : y[i] > wHi ? wHi : y[i];
    const med = medianSorted(finite);
    const mad = medianSorted(finite.map((v) => Math.abs(v - med)).sort());
    const fallback = () => {
      this.mode[j] = 1;
      this.store(j, undefined, med, MAD_TO_SD * mad, 0);
    };
    if (y.length < p.minHistory || 2 * finite.length < y.length) return fallback();
    let periods: number[] = [];
    if (p.model !== 'ets') {
      if (p.periods === 'auto') {
        const found = detectPeriod(y);
        periods = found > 0 ? [found] : [];
      } else {
        periods = p.periods.filter((q) => 2 * q <= y.length);
        if (periods.length < p.periods.length) return fallback(); // seasonal, but not two seasons seen yet
      }
    }
    const series = periods.length === 0 && p.model !== 'prophet' ? y.subarray(Math.max(0, y.length - 2 * p.refitEvery)) : y;
    try {
      const step = this.refStep > 0 ? this.refStep : 60_000;
      const f = fitForecast(series, periods, this.horizon, p.level, p.model, { stepMs: step, startMs: Number.isFinite(this.tRef) ? this.tRef - (series.length - 1) * step : 0, seed: this.seed });
      this.mode[j] = 2;
      this.store(j, f, med, MAD_TO_SD * mad, oosSd);
      this.wrap[j] = periods.filter((q) => q <= this.horizon).reduce((a, b) => Math.max(a, b), 0);
    } catch {
      fallback();
    }
  }

  /** Writes feature j's band: the forecast `f` (non-finite entries replaced by the median band) or the median band; floors (and `minSd`) applied. */
  private store(j: number, f: { point: Float64Array; lower: Float64Array; upper: Float64Array } | undefined, med: number, sd: number, minSd: number): void {
    const { minScale, relativeFloor } = this.params;
    const zq = this.zLevel;
    for (let k = 0; k < this.horizon; k++) {
      const i = j * this.horizon + k;
      const pt = f && Number.isFinite(f.point[k]) ? f.point[k] : med;
      const floor = zq * Math.max(minScale, relativeFloor * Math.abs(pt), minSd);
      const side = (w: number) => Math.max(Number.isFinite(w) ? w : zq * sd, floor);
      this.point[i] = pt;
      this.lowHw[i] = side(f ? pt - f.lower[k] : zq * sd);
      this.highHw[i] = side(f ? f.upper[k] - pt : zq * sd);
    }
  }
}

function bad(field: string, what: string): never {
  throw new ModelFormatError(`${KIND} snapshot: field "${field}" ${what}`);
}

function medianSorted(s: Float64Array): number {
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}
