/**
 * Horizon forecasts of one series (a workload's CPU or memory, or any other): a point forecast for
 * each step of the next `horizonMs` (default 30 minutes) at the series' own step, with central 80%
 * and 95% intervals, and the seasonal-naive forecast of the same steps to measure it against.
 *
 * Models (`model`):
 * - `seasonal` (default): the seasonal shapes (daily, weekly; found or configured, see seasonal.ts)
 *   are fitted on the bucket means of the long history; the remainder of the recent values at their
 *   own step is forecast by direct regression towards a local level (remainder.ts). Intervals: the
 *   measured h-step error spread, plus the estimated error of the shapes themselves (medians over a
 *   few seasons; the spread is measured on the data they were fitted to). About 1–3 ms a series.
 * - `seasonal-ets`: the same shapes, and augurs' AutoETS on the newest `levelWindowMs` of the
 *   remainder (its own intervals). About 10–15 ms a series.
 * - `mstl`: augurs' MSTL (STL decomposition + AutoETS) on the bucket means, interpolated to the
 *   series' step, the within-bucket spread added to its band. 60–110 ms a series (augurs' AutoETS
 *   over the whole history is what costs), too slow to refresh a thousand workloads a minute.
 * - `prophet`: augurs' Prophet on the bucket means (call `loadProphet()` from augurs.ts first).
 *
 * The seasonal-naive forecast is the value `naiveLagMs` (one day) before each forecast step when the
 * history reaches back that far, else the newest value; forecast accuracy is measured against it.
 */
import { InputError, NotReadyError } from '../core/errors.js';
import { fillGaps, fitForecast, levelToZ, type ForecastModel } from './augurs.js';
import type { HistoryView } from '../store/series-history.js';
import { forecastRemainder } from './remainder.js';
import { DAY_MS, WEEK_MS, fitSeasonal, seasonalAt, selectPeriods, type SeasonalFit } from './seasonal.js';

/** The forecasting models (see the module comment). */
export type ForecastModelName = 'seasonal' | 'seasonal-ets' | 'mstl' | 'prophet';
/** Every model name, default first. */
export const FORECAST_MODELS: readonly ForecastModelName[] = ['seasonal', 'seasonal-ets', 'mstl', 'prophet'];

/** Options of {@link forecastSeries}. */
export interface ForecastOptions {
  /** How far ahead, ms. Default 30 minutes. */
  horizonMs?: number;
  /** Default `seasonal`. */
  model?: ForecastModelName;
  /** `auto` (default): the `candidatePeriodsMs` the data show; or these periods (ms) where there are two seasons of data. */
  periodsMs?: 'auto' | readonly number[];
  /** Periods `auto` may find, ms. Default one day and one week. */
  candidatePeriodsMs?: readonly number[];
  /** Least lag correlation for `auto` to keep a period. Default 0.3. */
  seasonalityThreshold?: number;
  /** Window of the local level, ms. Default 3 hours. */
  levelWindowMs?: number;
  /** How many past origins the short-term regression learns from, ms. Default 12 hours. */
  fitWindowMs?: number;
  /** Lag of the seasonal-naive baseline, ms. Default one day. */
  naiveLagMs?: number;
  /** Least history (finite values at the series' step), ms; less throws {@link NotReadyError}. Default 1 hour. */
  minHistoryMs?: number;
  /** Clamp forecasts and bands at 0: `auto` (default) when the history has no negative value. */
  nonNegative?: boolean | 'auto';
  /** Seed of Prophet's optimizer. Default 1. */
  seed?: number;
}

/** A forecast of one series from one origin. Entry i of each array is the time `startMs + i · stepMs`. */
export interface SeriesForecast {
  /** The model that made it (`seasonal-ets` falls back to `seasonal` when ETS finds no model). */
  model: ForecastModelName;
  /** The origin: time of the newest value used, epoch ms. */
  issuedAt: number;
  stepMs: number;
  /** Time of the first forecast step (`issuedAt + stepMs`). */
  startMs: number;
  point: Float64Array;
  lower80: Float64Array;
  upper80: Float64Array;
  lower95: Float64Array;
  upper95: Float64Array;
  /** The seasonal-naive forecast of the same steps. */
  naive: Float64Array;
  /** Its lag, ms; 0 = the newest value (the history is shorter than `naiveLagMs`). */
  naiveLagMs: number;
  /** The seasonal periods used, ms. */
  periodsMs: number[];
}

/** The defaults of {@link ForecastOptions}. */
export const FORECAST_DEFAULTS: Readonly<Required<ForecastOptions>> = Object.freeze({
  horizonMs: 30 * 60_000, model: 'seasonal', periodsMs: 'auto', candidatePeriodsMs: [DAY_MS, WEEK_MS], seasonalityThreshold: 0.3,
  levelWindowMs: 3 * 3_600_000, fitWindowMs: 12 * 3_600_000, naiveLagMs: DAY_MS, minHistoryMs: 3_600_000, nonNegative: 'auto', seed: 1,
});

/** Fills in and checks {@link ForecastOptions}; throws {@link InputError} naming a bad setting. */
export function resolveForecastOptions(o: ForecastOptions = {}): Required<ForecastOptions> {
  const r = { ...FORECAST_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<ForecastOptions>;
  if (!FORECAST_MODELS.includes(r.model)) throw new InputError(`forecast: model must be one of ${FORECAST_MODELS.join(', ')}, got ${JSON.stringify(r.model)}`);
  for (const k of ['horizonMs', 'levelWindowMs', 'fitWindowMs', 'naiveLagMs', 'minHistoryMs'] as const) {
    if (!(Number.isFinite(r[k]) && r[k] >= 0)) throw new InputError(`forecast: ${k} must be a number of ms >= 0, got ${r[k]}`);
  }
  if (!(r.horizonMs > 0)) throw new InputError('forecast: horizonMs must be above 0');
  if (r.periodsMs !== 'auto' && !(Array.isArray(r.periodsMs) && r.periodsMs.every((p) => p > 0))) {
    throw new InputError(`forecast: periodsMs must be "auto" or a list of periods in ms above 0, got ${JSON.stringify(r.periodsMs)}`);
  }
  return r;
}

/**
 * Forecasts the series `view` holds (see the module comment). Throws {@link NotReadyError} when it has
 * less than `minHistoryMs` of finite values, {@link InputError} on bad options, and passes on augurs'
 * errors for `mstl` and `prophet`.
 */
export function forecastSeries(view: HistoryView, options: ForecastOptions = {}): SeriesForecast {
  const o = resolveForecastOptions(options);
  const { stepMs, endMs } = view;
  const H = Math.max(1, Math.round(o.horizonMs / stepMs));
  const finite = view.tail.reduce((c, v) => c + (Number.isFinite(v) ? 1 : 0), 0);
  if (finite < 2 || finite * stepMs < o.minHistoryMs) {
    throw new NotReadyError(`forecast: ${finite} values at ${stepMs / 1000} s steps, need ${Math.ceil(o.minHistoryMs / stepMs)} (minHistoryMs ${o.minHistoryMs})`);
  }
  const y = fillGaps(view.tail);
  const n = y.length;
  const configured = o.periodsMs === 'auto' ? [] : [...o.periodsMs];
  const periodsMs = o.periodsMs === 'auto'
    ? selectPeriods(view.buckets, view.fitStepMs, o.candidatePeriodsMs, o.seasonalityThreshold)
    : configured.filter((P) => P % view.fitStepMs === 0 && view.buckets.length >= (2 * P + Math.min(...configured)) / view.fitStepMs);
  const out = { point: new Float64Array(H), sd: new Float64Array(H), model: o.model };
  if (o.model === 'mstl' || o.model === 'prophet') bucketModel(view, y, periodsMs, H, o, out);
  else {
    const fit = fitSeasonal(view.buckets, view.bucketsEndMs, view.fitStepMs, stepMs, periodsMs);
    const r = y.map((v, i) => v - seasonalAt(fit, endMs - (n - 1 - i) * stepMs));
    const lw = Math.max(1, Math.round(o.levelWindowMs / stepMs));
    if (!(o.model === 'seasonal-ets' && etsRemainder(r, lw, H, out))) {
      const observed = Uint8Array.from(view.tail, (v) => (Number.isFinite(v) ? 1 : 0));
      const rem = forecastRemainder(r, H, lw, Math.max(1, Math.round(o.fitWindowMs / stepMs)), observed);
      out.point.set(rem.point);
      for (let h = 0; h < H; h++) out.sd[h] = Math.sqrt(rem.sd[h] ** 2 + fit.errorVariance);
      out.model = 'seasonal';
    }
    addSeasonal(fit, out.point, endMs, stepMs);
  }
  const nonNegative = o.nonNegative === 'auto' ? !y.some((v) => v < 0) && !view.buckets.some((v) => v < 0) : o.nonNegative;
  const band = (z: number, sign: 1 | -1): Float64Array => out.point.map((p, h) => clampAt(p + sign * z * out.sd[h], nonNegative));
  const z80 = levelToZ(0.8);
  const z95 = levelToZ(0.95);
  const m = Math.round(o.naiveLagMs / stepMs);
  const seasonalNaive = m >= H && n >= m;
  return {
    model: out.model, issuedAt: endMs, stepMs, startMs: endMs + stepMs,
    point: out.point.map((p) => clampAt(p, nonNegative)),
    lower80: band(z80, -1), upper80: band(z80, 1), lower95: band(z95, -1), upper95: band(z95, 1),
    naive: Float64Array.from({ length: H }, (_, h) => (seasonalNaive ? y[n + h - m] : y[n - 1])),
    naiveLagMs: seasonalNaive ? m * stepMs : 0,
    periodsMs,
  };
}

/** The time of step `i` of a forecast, epoch ms. */
export function forecastTime(f: SeriesForecast, i: number): number {
  return f.startMs + i * f.stepMs;
}

/** A forecast as plain JSON: one row per step with its time (ISO 8601) and values (6 significant digits). */
export function forecastRows(f: SeriesForecast): { time: string; point: number; lower80: number; upper80: number; lower95: number; upper95: number }[] {
  const r = (v: number): number => Number(v.toPrecision(6));
  return Array.from(f.point, (p, i) => ({
    time: new Date(forecastTime(f, i)).toISOString(), point: r(p), lower80: r(f.lower80[i]), upper80: r(f.upper80[i]), lower95: r(f.lower95[i]), upper95: r(f.upper95[i]),
  }));
}

interface Out {
  point: Float64Array;
  sd: Float64Array;
  model: ForecastModelName;
}

/** AutoETS on the newest `lw` remainder values; false when augurs finds no model. */
function etsRemainder(r: Float64Array, lw: number, H: number, out: Out): boolean {
  try {
    const f = fitForecast(r.subarray(Math.max(0, r.length - Math.max(lw, 8))), [], H, 0.95, 'ets');
    const z = levelToZ(0.95);
    out.point.set(f.point);
    for (let h = 0; h < H; h++) out.sd[h] = (f.upper[h] - f.lower[h]) / (2 * z);
    return true;
  } catch {
    return false;
  }
}

/** MSTL or Prophet on the bucket means, interpolated to the series' step, plus the within-bucket spread. */
function bucketModel(view: HistoryView, y: Float64Array, periodsMs: readonly number[], H: number, o: Required<ForecastOptions>, out: Out): void {
  const { fitStepMs: F, stepMs, endMs, bucketsEndMs } = view;
  const b = fillGaps(view.buckets);
  if (b.length < 4) throw new NotReadyError(`forecast: model ${o.model} needs at least 4 buckets of ${F / 60_000} min, got ${b.length}`);
  const centre = (F - stepMs) / 2;
  const c0 = bucketsEndMs + centre; // centre of the first forecast bucket
  const hb = Math.ceil((endMs + H * stepMs - c0) / F) + 2;
  const model: ForecastModel = o.model === 'prophet' ? 'prophet' : 'mstl';
  const f = fitForecast(b, periodsMs.map((P) => Math.round(P / F)), hb, 0.95, model, { startMs: bucketsEndMs - b.length * F + centre, stepMs: F, seed: o.seed });
  const z = levelToZ(0.95);
  const at = (j: number, which: 'p' | 's'): number => (j < 0 ? (which === 'p' ? b[b.length - 1] : 0) : which === 'p' ? f.point[j] : (f.upper[j] - f.lower[j]) / (2 * z));
  // Spread of the values around their bucket's mean, from the tail.
  const per = F / stepMs;
  let ss = 0;
  let cnt = 0;
  const slot0 = Math.round(endMs / stepMs) - y.length + 1;
  for (let i = 0; i < y.length;) {
    const g = Math.floor((slot0 + i) / per);
    let j = i;
    let s = 0;
    while (j < y.length && Math.floor((slot0 + j) / per) === g) s += y[j++];
    const m = s / (j - i);
    if (j - i === per) for (let k = i; k < j; k++, cnt++) ss += (y[k] - m) ** 2;
    i = j;
  }
  const within2 = cnt > per ? (ss / cnt) * (per / Math.max(1, per - 1)) : 0;
  for (let h = 1; h <= H; h++) {
    const x = (endMs + h * stepMs - c0) / F;
    const a = Math.floor(x);
    const w = x - a;
    out.point[h - 1] = at(a, 'p') * (1 - w) + at(a + 1, 'p') * w;
    const sb = at(a, 's') * (1 - w) + at(a + 1, 's') * w;
    out.sd[h - 1] = Math.sqrt(sb * sb + within2);
  }
}

function addSeasonal(fit: SeasonalFit, point: Float64Array, endMs: number, stepMs: number): void {
  for (let h = 0; h < point.length; h++) point[h] += seasonalAt(fit, endMs + (h + 1) * stepMs);
}

function clampAt(v: number, nonNegative: boolean): number {
  return nonNegative && v < 0 ? 0 : v;
}
