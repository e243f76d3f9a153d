/**
 * Forecasting with augurs (Grafana's time-series library, compiled to WebAssembly): a loader that
 * initialises each augurs module synchronously in Node, and {@link fitForecast}, one typed call that
 * fits MSTL, ETS or Prophet to a regular series and returns the point forecast and a band for the next
 * `horizon` steps. Shared by the seasonal band detector and the forecasts of issue 5.
 *
 * Loading: augurs' default (async, fetch-based) init fails in Node, so each module is initialised
 * with `initSync` from its `<name>_bg.wasm`, lazily, on first use. Prophet's Stan optimizer
 * (`@bsull/augurs-prophet-wasmstan`) can only load asynchronously: `await loadProphet()` once before
 * fitting with `model: 'prophet'`. Both inits are idempotent; nothing else is kept between calls.
 *
 * Periods are in steps. MSTL with no period falls back to non-seasonal AutoETS (augurs' MSTL refuses
 * an empty period list); augurs' AutoETS finds no seasonal model in this build, so 'ets' is always
 * non-seasonal. Prophet is fitted without its own (unseeded, sampled) intervals: its band is
 * point ± z(level) · the robust spread (1.4826 · MAD) of its in-sample residuals, so it is deterministic.
 * augurs' own `seasonalities` (a periodogram) proved unreliable here (it returns ~n/4 for a sine that
 * is not centred, and periods for white noise), so {@link detectPeriod} uses the autocorrelation.
 */
import type * as prophet from '@bsull/augurs/prophet';
import { useAugurs as use } from '../core/augurs.js';
import { InputError, NotReadyError } from '../core/errors.js';

/** The forecasting models {@link fitForecast} offers. */
export type ForecastModel = 'mstl' | 'ets' | 'prophet';

/** A point forecast with its band, one entry per step. */
export interface ForecastBand {
  point: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/** What {@link fitForecast} returns: the next `horizon` steps, and the in-sample fit when asked for and available. */
export interface Forecast extends ForecastBand {
  /** One entry per input value (MSTL and Prophet; undefined for ETS, which augurs does not give). */
  fitted?: ForecastBand;
}

/** Options of {@link fitForecast}. */
export interface FitOptions {
  /** Time of the first value, epoch ms (Prophet only; default 0). */
  startMs?: number;
  /** Time between values, ms (Prophet only; default 60,000). */
  stepMs?: number;
  /** Seed of Prophet's optimizer (default 1). */
  seed?: number;
  /** Also return the in-sample fit (default false). */
  inSample?: boolean;
}

let prophetLoading: Promise<void> | undefined;
let prophetReadyOptimizer: prophet.ProphetOptions['optimizer'] | undefined;

/** Loads Prophet's Stan optimizer (async, about 0.1 s, once); needed before `fitForecast(..., 'prophet')`. */
export async function loadProphet(): Promise<void> {
  prophetLoading ??= import('@bsull/augurs-prophet-wasmstan').then((m) => {
    prophetReadyOptimizer = m.optimizer as unknown as prophet.ProphetOptions['optimizer'];
  });
  await prophetLoading;
}

/** Whether {@link loadProphet} has finished. */
export function prophetLoaded(): boolean {
  return prophetReadyOptimizer !== undefined;
}

/** The two-sided normal quantile of a central interval: `level` 0.95 → 1.959964. */
export function levelToZ(level: number): number {
  return normalQuantile(0.5 + level / 2);
}

/**
 * Fits `model` to `values` (one per step; NaN and ±Infinity are filled by linear interpolation) and
 * forecasts the next `horizon` steps with a central band of probability `level`. Throws
 * {@link InputError} for bad arguments, {@link NotReadyError} for Prophet before {@link loadProphet},
 * and passes on augurs' own errors (a fit that finds no model).
 */
export function fitForecast(values: Float64Array | number[], periods: readonly number[], horizon: number, level: number, model: ForecastModel, opts: FitOptions = {}): Forecast {
  if (!Number.isInteger(horizon) || horizon < 1) throw new InputError(`fitForecast: horizon must be an integer >= 1, got ${horizon}`);
  if (!(level > 0 && level < 1)) throw new InputError(`fitForecast: level must be in (0, 1), got ${level}`);
  const y = fillGaps(values);
  if (y.length < 4) throw new InputError(`fitForecast: need at least 4 finite values, got ${y.length}`);
  for (const p of periods) {
    if (!Number.isInteger(p) || p < 2 || 2 * p > y.length) throw new InputError(`fitForecast: each period must be an integer >= 2 with two seasons of data (${y.length} values), got ${p}`);
  }
  if (model === 'prophet') return fitProphet(y, periods, horizon, level, opts);
  if (model === 'mstl' && periods.length > 0) {
    const m = use('mstl').MSTL.ets(Uint32Array.from(periods));
    try {
      m.fit(y);
      const out = bandOf(m.predict(horizon, level), horizon);
      return opts.inSample ? { ...out, fitted: bandOf(m.predictInSample(level), y.length) } : out;
    } finally {
      m.free();
    }
  }
  if (model !== 'mstl' && model !== 'ets') throw new InputError(`fitForecast: model must be "mstl", "ets" or "prophet", got ${JSON.stringify(model)}`);
  const e = new (use('ets').AutoETS)(1, 'ZZN');
  try {
    e.fit(y);
    return bandOf(e.predict(horizon, level), horizon);
  } finally {
    e.free();
  }
}

/**
 * The strongest seasonal period of `values` in steps, or 0 when none: the lag in [minPeriod, n/2]
 * with the highest (biased) autocorrelation of the linearly detrended series among local peaks that
 * reach `threshold` (default 0.3) and rise at least 0.1 above the lowest autocorrelation before them
 * (so a trend or a random walk, whose autocorrelation only decays, has no period), then moved to the
 * least variance of the differences at whole multiples of the lag within ±5%. O(n²/2); NaN filled.
 */
export function detectPeriod(values: Float64Array | number[], minPeriod = 4, threshold = 0.3): number {
  const raw = fillGaps(values);
  const y = raw.slice();
  const n = y.length;
  const maxLag = Math.floor(n / 2);
  if (maxLag < minPeriod + 1) return 0;
  // Remove the least-squares line.
  const tm = (n - 1) / 2;
  let ym = 0;
  for (let i = 0; i < n; i++) ym += y[i];
  ym /= n;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    sty += (i - tm) * (y[i] - ym);
    stt += (i - tm) * (i - tm);
  }
  const slope = sty / stt;
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    y[i] -= ym + slope * (i - tm);
    c0 += y[i] * y[i];
  }
  if (!(c0 > 0)) return 0;
  const acf = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1 && lag < n; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += y[i] * y[i - lag];
    acf[lag] = s / c0;
  }
  let best = 0;
  let bestAcf = threshold;
  let lowest = Infinity;
  for (let lag = 1; lag <= maxLag; lag++) {
    const a = acf[lag];
    if (lag >= minPeriod && a >= bestAcf && a >= acf[lag - 1] && a >= acf[lag + 1] && a - lowest >= 0.1) {
      best = lag;
      bestAcf = a;
    }
    if (a < lowest) lowest = a;
  }
  if (best === 0) return 0;
  // The autocorrelation's peak is flat and edge effects (and the line removed) move it: place the period
  // at the least variance of y[i] − y[i − m·lag] within ±5% instead (only noise at the period of a
  // periodic series plus a line), over as many seasons m as the series allows (m² times sharper).
  const reach = Math.ceil(0.05 * best);
  const m = Math.max(1, Math.floor((n - best) / (best + reach)));
  let refined = best;
  let least = Infinity;
  for (let lag = Math.max(minPeriod, best - reach); lag <= Math.min(maxLag, best + reach); lag++) {
    let s = 0;
    let s2 = 0;
    for (let i = m * lag; i < n; i++) {
      const diff = raw[i] - raw[i - m * lag];
      s += diff;
      s2 += diff * diff;
    }
    const k = n - m * lag;
    if (s2 / k - (s / k) ** 2 < least) {
      least = s2 / k - (s / k) ** 2;
      refined = lag;
    }
  }
  return refined;
}

/** A copy of the finite values with NaN and ±Infinity filled by linear interpolation (ends: nearest value); all-missing gives an empty array. */
export function fillGaps(values: Float64Array | number[]): Float64Array {
  const n = values.length;
  const y = Float64Array.from(values);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) continue;
    if (prev < 0) y.fill(y[i], 0, i);
    else for (let k = prev + 1; k < i; k++) y[k] = y[prev] + ((y[i] - y[prev]) * (k - prev)) / (i - prev);
    prev = i;
  }
  if (prev < 0) return new Float64Array(0);
  y.fill(y[prev], prev + 1);
  return y;
}

function fitProphet(y: Float64Array, periods: readonly number[], horizon: number, level: number, opts: FitOptions): Forecast {
  if (!prophetReadyOptimizer) throw new NotReadyError('Prophet is not loaded: call `await loadProphet()` (from src/forecast/augurs.ts) once before fitting with model "prophet"');
  const { startMs = 0, stepMs = 60_000, seed = 1 } = opts;
  if (!(stepMs > 0) || !Number.isFinite(startMs)) throw new InputError(`fitForecast: stepMs must be > 0 and startMs finite, got ${stepMs} and ${startMs}`);
  const off = { type: 'manual', enabled: false } as const;
  const p = new (use('prophet').Prophet)({ optimizer: prophetReadyOptimizer, uncertaintySamples: 0, yearlySeasonality: off, weeklySeasonality: off, dailySeasonality: off });
  try {
    for (const period of periods) p.addSeasonality(`p${period}`, { period: (period * stepMs) / 86_400_000, fourierOrder: Math.max(1, Math.min(10, Math.floor(period / 4))) });
    const ds = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => (startMs + (from + i) * stepMs) / 1000);
    p.fit({ ds: ds(0, y.length), y }, { seed: seed >>> 0 });
    const inSample = Float64Array.from(p.predict().yhat.point);
    const resid = y.map((v, i) => v - inSample[i]);
    const mid = median(resid);
    const mad = median(resid.map((r) => Math.abs(r - mid)));
    const rms = Math.sqrt(resid.reduce((s, r) => s + r * r, 0) / resid.length);
    const half = levelToZ(level) * (mad > 0 ? 1.482602218505602 * mad : rms);
    const around = (point: Float64Array): ForecastBand => ({ point, lower: point.map((v) => v - half), upper: point.map((v) => v + half) });
    const out = around(Float64Array.from(p.predict({ ds: ds(y.length, horizon) }).yhat.point));
    return opts.inSample ? { ...out, fitted: around(inSample) } : out;
  } finally {
    p.free();
  }
}

function bandOf(f: { point: number[]; intervals?: { lower: number[]; upper: number[] } }, n: number): ForecastBand {
  const point = Float64Array.from(f.point.slice(0, n));
  return {
    point,
    lower: f.intervals ? Float64Array.from(f.intervals.lower.slice(0, n)) : point.slice(),
    upper: f.intervals ? Float64Array.from(f.intervals.upper.slice(0, n)) : point.slice(),
  };
}

/** The median of a copy of `a`. */
function median(a: Float64Array): number {
  const s = a.slice().sort();
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const tail = (q: number): number => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
