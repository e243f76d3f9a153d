/**
 * Forecast evaluation by rolling origin, the way the service runs: each series is pushed value by
 * value into a {@link SeriesHistory}; every `originEveryMs` after a warm-up a forecast is made from
 * it, and every step of the horizon that has an observed value is scored. Per series:
 *
 * - MASE (vs seasonal naive, out of sample): Σ|y − ŷ| / Σ|y − y_naive| over the same scored points,
 *   where y_naive(t) = y(t − season), the value one season (a day) before the target: the
 *   seasonal-naive forecast from one season earlier, same horizon. Below 1 beats it. (MASE, MAPE
 *   and coverage are computed by forecast/error-sums.ts, as the live accuracy tracker does.)
 * - MASE (Hyndman, in-sample scaled): mean |y − ŷ| / mean |y(t) − y(t − season)| over the warm-up.
 * - MAPE: mean |y − ŷ| / |y| over points with y ≠ 0, in percent.
 * - Coverage: the share of scored points inside the 80% and 95% intervals.
 *
 * Corpus summaries: the mean and median over series of each MASE and MAPE (series have different
 * units, so errors are not pooled), coverage pooled over all scored points.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fillGaps } from '../forecast/augurs.js';
import { ErrorSums, scorePoint } from '../forecast/error-sums.js';
import { forecastSeries, resolveForecastOptions, type ForecastOptions } from '../forecast/forecaster.js';
import type { Progress } from '../core/progress.js';
import { SeriesHistory, type HistoryOptions } from '../store/series-history.js';
import { readNabTrafficCorpus, simulatorForecastCorpusSteps, type ForecastSeriesData } from './forecast-corpus.js';
import { runSteps, runStepsAsync } from '../core/steps.js';

/** Options of {@link evaluateForecastSeries}. */
export interface ForecastEvalOptions {
  forecast?: ForecastOptions;
  /** History buffer settings (the step comes from the series). */
  history?: Omit<HistoryOptions, 'stepMs'>;
  /** No origin in the first `warmupMs` of a series. Default 7 days. */
  warmupMs?: number;
  /** Time between origins, ms. Default 30 minutes. */
  originEveryMs?: number;
  /** The season of the naive baseline, ms. Default one day. */
  seasonMs?: number;
}

/** One series' scores. */
export interface ForecastSeriesScore {
  name: string;
  origins: number;
  /** Scored (origin, step) pairs. */
  points: number;
  mase: number;
  maseInSample: number;
  mape: number;
  coverage80: number;
  coverage95: number;
  /** Forecasts that failed (not enough history, augurs errors). */
  failures: number;
  /** Time spent forecasting, ms. */
  ms: number;
  /** The seasonal periods of the last forecast, ms. */
  periodsMs: number[];
}

/** A corpus' scores. */
export interface ForecastEvalReport {
  corpus: string;
  model: string;
  horizonMinutes: number;
  series: ForecastSeriesScore[];
  summary: {
    series: number;
    points: number;
    mase: number;
    maseMedian: number;
    maseInSample: number;
    mape: number;
    coverage80: number;
    coverage95: number;
    msPerForecast: number;
  };
}

/** Evaluates the forecasts of one series (see the module comment). */
export function evaluateForecastSeries(s: ForecastSeriesData, opts: ForecastEvalOptions = {}): ForecastSeriesScore {
  return runSteps(forecastSeriesSteps(s, opts));
}

/** {@link evaluateForecastSeries}, yielding before each forecast (so a caller can stop between them). */
function* forecastSeriesSteps(s: ForecastSeriesData, opts: ForecastEvalOptions): Generator<void, ForecastSeriesScore, void> {
  const fo = resolveForecastOptions(opts.forecast);
  const { stepMs, values } = s;
  const H = Math.max(1, Math.round(fo.horizonMs / stepMs));
  const m = Math.round((opts.seasonMs ?? 86_400_000) / stepMs);
  const warm = Math.round((opts.warmupMs ?? 7 * 86_400_000) / stepMs);
  const every = Math.max(1, Math.round((opts.originEveryMs ?? 30 * 60_000) / stepMs));
  const filled = fillGaps(values);
  const history = new SeriesHistory({ ...opts.history, stepMs });
  const out: ForecastSeriesScore = { name: s.name, origins: 0, points: 0, mase: NaN, maseInSample: NaN, mape: NaN, coverage80: NaN, coverage95: NaN, failures: 0, ms: 0, periodsMs: [] };
  const sums = new ErrorSums();
  for (let i = 0; i < values.length; i++) {
    history.push(s.startMs + i * stepMs, values[i]);
    if (i < Math.max(warm, m) || (i - warm) % every !== 0 || i + H >= values.length || !Number.isFinite(values[i])) continue;
    yield;
    const view = history.view()!;
    const t0 = performance.now();
    let f;
    try {
      f = forecastSeries(view, fo);
    } catch {
      out.failures++;
      continue;
    } finally {
      out.ms += performance.now() - t0;
    }
    out.origins++;
    out.periodsMs = f.periodsMs;
    for (let h = 1; h <= H; h++) {
      const y = values[i + h];
      if (!Number.isFinite(y)) continue;
      const s = scorePoint(y, f.point[h - 1], filled[i + h - m], f.lower80[h - 1], f.upper80[h - 1], f.lower95[h - 1], f.upper95[h - 1]);
      sums.add(s.absError, s.absNaive, s.ape, s.in80, s.in95);
      out.points++;
    }
  }
  if (out.points > 0) {
    const s = sums.summary();
    out.mase = s.mase;
    out.mape = s.mape;
    out.coverage80 = s.coverage80;
    out.coverage95 = s.coverage95;
    const scale = inSampleScale(values, filled, m, Math.max(warm, m));
    out.maseInSample = s.maeModel / scale;
  }
  return out;
}

/** Evaluates every series and summarises (see the module comment). */
export function evaluateForecastCorpus(corpus: string, series: readonly ForecastSeriesData[], opts: ForecastEvalOptions = {}): ForecastEvalReport {
  return runSteps(forecastCorpusSteps(corpus, series, opts));
}

/** {@link evaluateForecastCorpus}, yielding before each forecast; `onSeries` is told each series done. */
function* forecastCorpusSteps(
  corpus: string, series: readonly ForecastSeriesData[], opts: ForecastEvalOptions, onSeries?: (name: string) => void,
): Generator<void, ForecastEvalReport, void> {
  const fo = resolveForecastOptions(opts.forecast);
  const scores: ForecastSeriesScore[] = [];
  for (const s of series) {
    scores.push(yield* forecastSeriesSteps(s, opts));
    onSeries?.(s.name);
  }
  const scored = scores.filter((s) => s.points > 0);
  const pts = scored.reduce((a, s) => a + s.points, 0);
  const mean = (f: (s: ForecastSeriesScore) => number): number => scored.reduce((a, s) => a + f(s), 0) / Math.max(1, scored.length);
  const pooled = (f: (s: ForecastSeriesScore) => number): number => scored.reduce((a, s) => a + f(s) * s.points, 0) / Math.max(1, pts);
  const fits = scores.reduce((a, s) => a + s.origins + s.failures, 0);
  return {
    corpus, model: fo.model, horizonMinutes: fo.horizonMs / 60_000, series: scores,
    summary: {
      series: scored.length, points: pts, mase: mean((s) => s.mase), maseMedian: median(scored.map((s) => s.mase)),
      maseInSample: mean((s) => s.maseInSample), mape: mean((s) => s.mape),
      coverage80: pooled((s) => s.coverage80), coverage95: pooled((s) => s.coverage95),
      msPerForecast: scores.reduce((a, s) => a + s.ms, 0) / Math.max(1, fits),
    },
  };
}

/** Report tables: one summary line per report, and with `perSeries` a line per series. */
export function formatForecastReport(reports: readonly ForecastEvalReport[], perSeries = false): string {
  const f = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const lines = [
    'MASE = Σ|y − forecast| / Σ|y − y(t − 1 day)| over the same points (seasonal naive from one season earlier, same horizon; < 1 beats it);',
    'MASE-H = Hyndman\'s in-sample-scaled MASE (scale: mean |y(t) − y(t − 1 day)| over the warm-up). Coverage: share of actual values inside the interval.',
    '',
    'corpus                  model          horizon  series  points   MASE   median  MASE-H  MAPE%   cov80   cov95   ms/fc',
  ];
  for (const r of reports) {
    const s = r.summary;
    lines.push(`${r.corpus.padEnd(23)} ${r.model.padEnd(14)} ${`${r.horizonMinutes} min`.padStart(7)} ${String(s.series).padStart(6)} ${String(s.points).padStart(7)}  ${f(s.mase)}  ${f(s.maseMedian)}  ${f(s.maseInSample)}  ${f(s.mape, 1).padStart(5)}  ${f(s.coverage80)}  ${f(s.coverage95)}  ${f(s.msPerForecast, 2).padStart(6)}`);
  }
  if (perSeries) {
    for (const r of reports) {
      lines.push('', `${r.corpus} (${r.model}) per series:`, 'series                                   origins  points   MASE  MASE-H  MAPE%   cov80   cov95  periods');
      for (const s of r.series) {
        const periods = s.periodsMs.map((p) => `${p / 3_600_000}h`).join('+') || 'none';
        lines.push(`${s.name.padEnd(40)} ${String(s.origins).padStart(7)} ${String(s.points).padStart(7)}  ${f(s.mase)}  ${f(s.maseInSample)}  ${f(s.mape, 1).padStart(5)}  ${f(s.coverage80)}  ${f(s.coverage95)}  ${periods}${s.failures ? ` (${s.failures} failed)` : ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Mean |y(t) − y(t − m)| over observed pairs before `end`. */
function inSampleScale(values: Float64Array, filled: Float64Array, m: number, end: number): number {
  let s = 0;
  let c = 0;
  for (let t = m; t < Math.min(end, values.length); t++) {
    if (!Number.isFinite(values[t])) continue;
    s += Math.abs(values[t] - filled[t - m]);
    c++;
  }
  return c > 0 ? s / c : NaN;
}

function median(a: number[]): number {
  const s = a.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Options of {@link evaluateForecastCorpora}. */
export interface ForecastCorporaOptions {
  forecast?: ForecastOptions;
  /** Simulated days (the last 3 are scored, or all after 2 days' warm-up). Default 10; 0 leaves the simulator out. */
  simulatorDays?: number;
  /** Also score the simulator with its random incidents. Default false. */
  incidents?: boolean;
  seed?: number;
  /** The NAB folder (holding data/realTraffic); undefined leaves NAB out. */
  nabDir?: string;
  /** Only the first N NAB series. */
  nabLimit?: number;
  /** Told the series found (each corpus adds its own when it is built) and each series done. */
  progress?: Pick<Progress, 'setTotal' | 'tick' | 'update'>;
}

/** What `kad evaluate --corpus forecast` reports: one report per corpus, and the corpora left out with why. */
export interface ForecastCorporaResult {
  reports: ForecastEvalReport[];
  skipped: { corpus: string; reason: string }[];
}

/**
 * The forecast evaluation of `kad evaluate --corpus forecast`: the simulator's workloads (CPU and
 * memory, one value a minute; warm-up all but the last 3 days, at least 2) and NAB's realTraffic
 * (5-minute grid, 3 days' warm-up), origins every 30 minutes.
 */
export function evaluateForecastCorpora(o: ForecastCorporaOptions = {}): ForecastCorporaResult {
  return runSteps(forecastCorporaSteps(o));
}

/**
 * {@link evaluateForecastCorpora}, awaiting `between()` before each simulated hour and each forecast:
 * it may let the event loop run and throw to stop (`kad evaluate` on SIGINT/SIGTERM).
 */
export function evaluateForecastCorporaAsync(o: ForecastCorporaOptions, between: () => Promise<void>): Promise<ForecastCorporaResult> {
  return runStepsAsync(forecastCorporaSteps(o), between);
}

function* forecastCorporaSteps(o: ForecastCorporaOptions): Generator<void, ForecastCorporaResult, void> {
  const out: ForecastCorporaResult = { reports: [], skipped: [] };
  const days = o.simulatorDays ?? 10;
  let total = 0;
  let done = 0;
  const found = (n: number) => o.progress?.setTotal((total += n));
  const onSeries = (name: string) => o.progress?.update(++done, name);
  if (days > 0) {
    const warmupMs = Math.max(2, days - 3) * 86_400_000;
    const runs: [string, boolean][] = o.incidents ? [['simulator', false], ['simulator+incidents', true]] : [['simulator', false]];
    for (const [name, incidents] of runs) {
      o.progress?.update(done, `simulating ${days} days (${name})`);
      const series = yield* simulatorForecastCorpusSteps({ days, incidents, seed: o.seed });
      found(series.length);
      out.reports.push(yield* forecastCorpusSteps(name, series, { forecast: o.forecast, warmupMs }, onSeries));
    }
  }
  if (o.nabDir !== undefined) {
    if (!existsSync(join(o.nabDir, 'data', 'realTraffic'))) out.skipped.push({ corpus: 'nab-realTraffic', reason: `no ${join(o.nabDir, 'data', 'realTraffic')} folder` });
    else {
      const series = readNabTrafficCorpus(o.nabDir).slice(0, o.nabLimit);
      found(series.length);
      out.reports.push(yield* forecastCorpusSteps('nab-realTraffic', series, { forecast: o.forecast, warmupMs: 3 * 86_400_000 }, onSeries));
    }
  }
  return out;
}
