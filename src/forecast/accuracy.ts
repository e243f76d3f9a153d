/**
 * Live forecast accuracy. The engine hands every forecast it issues to {@link ForecastAccuracy.issue}
 * and every new actual value to {@link ForecastAccuracy.observe}; each actual is scored against every
 * pending forecast that has a step at its time (within half a step), so with forecasts refreshed every
 * 5 minutes over a 30-minute horizon each actual scores six (origin, step) pairs, as a rolling-origin
 * evaluation would. Per series, over the newest `window` pairs:
 *
 * - MASE: Σ|y − ŷ| / Σ|y − y_naive|, y_naive the forecast's own seasonal-naive value for that step
 *   (the value one day earlier; the newest value at issue time when the history was shorter);
 * - MAPE: mean |y − ŷ| / |y| over y ≠ 0, percent;
 * - coverage of the 80% and 95% intervals
 * (computed by forecast/error-sums.ts, as the offline evaluation does).
 *
 * A series is *poor* once it has `minPoints` pairs and its MASE is at least `poorMase` (default 1: no
 * better than the naive forecast); scaling then falls back to the reactive recommendation.
 * State is bounded: at most `maxPending` forecasts and `window` pairs (14 bytes each) per series.
 */
import { InputError, ModelFormatError } from '../core/errors.js';
import { ErrorSums, scorePoint, type ErrorSummary } from './error-sums.js';
import type { SeriesForecast } from './forecaster.js';

/** Options of {@link ForecastAccuracy}. */
export interface AccuracyOptions {
  /** Scored pairs kept per series. Default 1,440 (4 hours of actuals at 1 minute with 5-minute refreshes). */
  window?: number;
  /** Pairs needed before a series can be marked poor. Default 120. */
  minPoints?: number;
  /** MASE at or above which a series is poor. Default 1. */
  poorMase?: number;
  /** Forecasts waiting for actuals per series; the oldest goes first. Default 32. */
  maxPending?: number;
}

/**
 * Accuracy of one series over its window (`points`: the scored (forecast, step) pairs in it; see
 * {@link ErrorSummary}). NaN where there is nothing to measure yet.
 */
export interface AccuracyStats extends ErrorSummary {
  /** Lag of the baseline of the newest forecast, ms (0: the newest value, not a seasonal one). */
  naiveLagMs: number;
  poor: boolean;
}

/** A {@link ForecastAccuracy} as JSON. */
export interface AccuracySnapshot {
  kind: 'kad-forecast-accuracy';
  formatVersion: 1;
  options: Required<AccuracyOptions>;
  series: Record<string, { naiveLagMs: number; head: number; count: number; pairs: (number | null)[][]; pending: PendingJson[] }>;
}

interface PendingJson {
  startMs: number;
  stepMs: number;
  next: number;
  values: (number | null)[][];
}

const DEFAULTS: Required<AccuracyOptions> = { window: 1440, minPoints: 120, poorMase: 1, maxPending: 32 };
/** Order of the arrays of a pending forecast. */
const FIELDS = ['point', 'lower80', 'upper80', 'lower95', 'upper95', 'naive'] as const;

interface Pending {
  startMs: number;
  stepMs: number;
  /** First step not yet scored or passed. */
  next: number;
  /** point, lower80, upper80, lower95, upper95, naive. */
  v: Float64Array[];
}

interface Track {
  pending: Pending[];
  naiveLagMs: number;
  /** Ring of pairs: |e|, |e_naive|, ape (NaN when y = 0), in80, in95. */
  err: Float32Array;
  naive: Float32Array;
  ape: Float32Array;
  in80: Uint8Array;
  in95: Uint8Array;
  head: number;
  count: number;
}

/** Rolling forecast accuracy per series (see the module comment). */
export class ForecastAccuracy {
  readonly options: Required<AccuracyOptions>;
  private readonly tracks = new Map<string, Track>();

  constructor(options: AccuracyOptions = {}) {
    this.options = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
    const { window, minPoints, poorMase, maxPending } = this.options;
    if (!(Number.isInteger(window) && window >= 1 && Number.isInteger(maxPending) && maxPending >= 1)) throw new InputError(`forecast accuracy: window and maxPending must be integers >= 1, got ${window} and ${maxPending}`);
    if (!(minPoints >= 0 && poorMase > 0)) throw new InputError(`forecast accuracy: minPoints must be >= 0 and poorMase > 0, got ${minPoints} and ${poorMase}`);
  }

  /** Registers a forecast of series `key`; its steps are scored as actuals arrive. */
  issue(key: string, f: SeriesForecast): void {
    const tr = this.track(key);
    tr.pending.push({ startMs: f.startMs, stepMs: f.stepMs, next: 0, v: FIELDS.map((k) => Float64Array.from(f[k])) });
    if (tr.pending.length > this.options.maxPending) tr.pending.shift();
    tr.naiveLagMs = f.naiveLagMs;
  }

  /** Scores the actual `value` of series `key` at `t` against its pending forecasts; returns the pairs scored. */
  observe(key: string, t: number, value: number): number {
    const tr = this.tracks.get(key);
    if (!tr || !Number.isFinite(value)) return 0;
    let scored = 0;
    tr.pending = tr.pending.filter((p) => {
      const len = p.v[0].length;
      const i = Math.round((t - p.startMs) / p.stepMs);
      if (i >= p.next && i < len && Math.abs(t - (p.startMs + i * p.stepMs)) <= p.stepMs / 2) {
        this.record(tr, value, p.v, i);
        p.next = i + 1;
        scored++;
      }
      return p.next < len && t < p.startMs + (len - 0.5) * p.stepMs;
    });
    return scored;
  }

  private record(tr: Track, y: number, v: Float64Array[], i: number): void {
    const [point, lo80, hi80, lo95, hi95, naive] = v;
    const k = tr.head;
    const s = scorePoint(y, point[i], naive[i], lo80[i], hi80[i], lo95[i], hi95[i]);
    tr.err[k] = s.absError;
    tr.naive[k] = s.absNaive;
    tr.ape[k] = s.ape;
    tr.in80[k] = s.in80;
    tr.in95[k] = s.in95;
    tr.head = (k + 1) % this.options.window;
    tr.count = Math.min(tr.count + 1, this.options.window);
  }

  /** The accuracy of series `key`, or undefined when it has never had a forecast. */
  stats(key: string): AccuracyStats | undefined {
    const tr = this.tracks.get(key);
    if (!tr) return undefined;
    const sums = new ErrorSums();
    for (let k = 0; k < tr.count; k++) sums.add(tr.err[k], tr.naive[k], tr.ape[k], tr.in80[k], tr.in95[k]);
    const s = sums.summary();
    return { ...s, naiveLagMs: tr.naiveLagMs, poor: s.points >= this.options.minPoints && s.mase >= this.options.poorMase };
  }

  /** Whether series `key` is marked poor (see {@link AccuracyStats.poor}). */
  isPoor(key: string): boolean {
    return this.stats(key)?.poor ?? false;
  }

  /** The series tracked. */
  keys(): string[] {
    return [...this.tracks.keys()];
  }

  /** Drops a series (a workload deleted). */
  forget(key: string): void {
    this.tracks.delete(key);
  }

  private track(key: string): Track {
    let tr = this.tracks.get(key);
    if (!tr) {
      const w = this.options.window;
      tr = { pending: [], naiveLagMs: 0, err: new Float32Array(w), naive: new Float32Array(w), ape: new Float32Array(w), in80: new Uint8Array(w), in95: new Uint8Array(w), head: 0, count: 0 };
      this.tracks.set(key, tr);
    }
    return tr;
  }

  /** The state as JSON (see {@link AccuracySnapshot}). */
  toJSON(): AccuracySnapshot {
    const num = (v: number): number | null => (Number.isFinite(v) ? v : null);
    const series: AccuracySnapshot['series'] = {};
    for (const [key, tr] of this.tracks) {
      series[key] = {
        naiveLagMs: tr.naiveLagMs, head: tr.head, count: tr.count,
        pairs: [tr.err, tr.naive, tr.ape, tr.in80, tr.in95].map((a) => Array.from(a, num)),
        pending: tr.pending.map((p) => ({ startMs: p.startMs, stepMs: p.stepMs, next: p.next, values: p.v.map((a) => Array.from(a, num)) })),
      };
    }
    return { kind: 'kad-forecast-accuracy', formatVersion: 1, options: { ...this.options }, series };
  }

  /** Restores a tracker saved by {@link toJSON}; throws {@link ModelFormatError} on a wrong kind, version or shape. */
  static fromJSON(s: AccuracySnapshot): ForecastAccuracy {
    if (s?.kind !== 'kad-forecast-accuracy' || s.formatVersion !== 1) {
      throw new ModelFormatError(`expected a kad-forecast-accuracy snapshot of formatVersion 1, got ${JSON.stringify({ kind: s?.kind, formatVersion: s?.formatVersion })}`);
    }
    const acc = new ForecastAccuracy(s.options);
    const w = acc.options.window;
    for (const [key, j] of Object.entries(s.series)) {
      if (j.pairs.length !== 5 || j.pairs.some((a) => a.length !== w)) throw new ModelFormatError(`kad-forecast-accuracy: series ${key} does not hold ${w} pairs`);
      const tr = acc.track(key);
      const nan = (v: number | null): number => v ?? NaN;
      tr.err.set(j.pairs[0].map(nan));
      tr.naive.set(j.pairs[1].map(nan));
      tr.ape.set(j.pairs[2].map(nan));
      tr.in80.set(j.pairs[3].map((v) => v ?? 0));
      tr.in95.set(j.pairs[4].map((v) => v ?? 0));
      tr.head = j.head;
      tr.count = j.count;
      tr.naiveLagMs = j.naiveLagMs;
      tr.pending = j.pending.map((p) => ({ startMs: p.startMs, stepMs: p.stepMs, next: p.next, v: p.values.map((a) => Float64Array.from(a, nan)) }));
    }
    return acc;
  }
}
