/**
 * Seasonality for forecasting: which seasonal periods a series has (daily, weekly, or configured),
 * and its seasonal shapes, estimated on bucket means (see store/series-history.ts) and anchored to epoch time, so
 * the same phase of the day has the same index whatever the data's start.
 *
 * Periods: a candidate period P (P / fitStep = p buckets) is kept when the series holds at least two
 * seasons of it after detrending, and the correlation of the detrended series with itself p buckets
 * earlier reaches `threshold` (default 0.3). Detrending removes a centred moving average one shortest
 * candidate long (a day), which keeps the seasonal shape and drops trends and slow level changes, so a
 * random walk or a trend is not mistaken for a season. A longer candidate (a week) must also beat the
 * correlation of every shorter kept period by 0.05: a daily pattern repeats after a week too.
 *
 * Shapes (MSTL-like, with medians instead of loess): the detrended series d = y − trend is split into
 * one zero-mean profile per period, shortest first, each the median over the seasons of the same phase
 * of d minus the other profiles, smoothed over ~1% of the period, two passes. Medians keep incidents
 * (a spike, a crash) out of the shape. The profiles are interpolated between bucket centres.
 */
import { fillGaps } from './augurs.js';

/** One day and one week, ms: the default candidate periods. */
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Seasonal shapes fitted by {@link fitSeasonal}. */
export interface SeasonalFit {
  fitStepMs: number;
  /** Where a bucket's values sit on average after its start, ms: (fitStep − step) / 2. */
  centreOffsetMs: number;
  /** The periods, ms, shortest first. */
  periodsMs: number[];
  /** One zero-mean profile per period: entry j is the phase bucket j of `period / fitStep` (epoch-anchored). */
  profiles: Float64Array[];
  /** How many seasons of detrended data each profile is the median of. */
  cycles: number[];
  /**
   * Variance of the error of the summed profiles at one time, estimated as Σ (π/2) · σ² / (k · w) over
   * the periods: σ² the variance of the bucket remainder, k seasons per median, w buckets smoothed.
   */
  errorVariance: number;
}

/**
 * The periods of `candidatesMs` that the bucketed series shows (see the module comment), shortest
 * first. Candidates that are not a whole number (at least 2) of buckets are skipped.
 */
export function selectPeriods(buckets: Float64Array, fitStepMs: number, candidatesMs: readonly number[], threshold = 0.3): number[] {
  const cands = [...new Set(candidatesMs)].filter((P) => P % fitStepMs === 0 && P / fitStepMs >= 2).sort((a, b) => a - b);
  if (cands.length === 0) return [];
  const y = fillGaps(buckets);
  const pTrend = cands[0] / fitStepMs;
  const d = detrend(y, pTrend);
  if (!d) return [];
  const out: number[] = [];
  let best = -Infinity;
  for (const P of cands) {
    const p = P / fitStepMs;
    if (d.values.length < 2 * p) continue;
    const r = lagCorrelation(d.values, p);
    if (r >= threshold && (out.length === 0 || r >= best + 0.05)) {
      out.push(P);
      best = Math.max(best, r);
    }
  }
  return out;
}

/**
 * Seasonal profiles of the bucketed series for `periodsMs` (whole multiples of `fitStepMs`, each with
 * two seasons of data: use {@link selectPeriods}). `stepMs` is the step of the values the buckets
 * average (for where a bucket's centre is). Returns no profiles when `periodsMs` is empty.
 */
export function fitSeasonal(buckets: Float64Array, bucketsEndMs: number, fitStepMs: number, stepMs: number, periodsMs: readonly number[]): SeasonalFit {
  const periods = [...periodsMs].sort((a, b) => a - b);
  const fit: SeasonalFit = { fitStepMs, centreOffsetMs: (fitStepMs - stepMs) / 2, periodsMs: [], profiles: [], cycles: [], errorVariance: 0 };
  if (periods.length === 0) return fit;
  const y = fillGaps(buckets);
  const d = detrend(y, Math.round(periods[0] / fitStepMs));
  if (!d) return fit;
  // Epoch bucket index of d.values[0].
  const b0 = Math.round(bucketsEndMs / fitStepMs) - y.length + d.offset;
  const ps = periods.map((P) => Math.round(P / fitStepMs));
  const profiles: Float64Array[] = ps.map((p) => new Float64Array(p));
  const work = new Float64Array(d.values.length);
  for (let pass = 0; pass < (ps.length > 1 ? 2 : 1); pass++) {
    for (let k = 0; k < ps.length; k++) {
      for (let i = 0; i < work.length; i++) {
        let v = d.values[i];
        for (let o = 0; o < ps.length; o++) if (o !== k) v -= profiles[o][mod(b0 + i, ps[o])];
        work[i] = v;
      }
      profiles[k] = phaseMedians(work, b0, ps[k]);
    }
  }
  fit.periodsMs = periods;
  fit.profiles = profiles;
  fit.cycles = ps.map((p) => Math.floor(d.values.length / p));
  let ss = 0;
  for (let i = 0; i < d.values.length; i++) {
    let e = d.values[i];
    for (let k = 0; k < ps.length; k++) e -= profiles[k][mod(b0 + i, ps[k])];
    ss += e * e;
  }
  const v = ss / d.values.length;
  fit.errorVariance = ps.reduce((a, p, k) => a + (Math.PI / 2) * v / (Math.max(1, fit.cycles[k]) * smoothingWidth(p)), 0);
  return fit;
}

/** The sum of the seasonal profiles at time `t` (epoch ms), interpolated between bucket centres; 0 without profiles. */
export function seasonalAt(fit: SeasonalFit, t: number): number {
  if (fit.profiles.length === 0) return 0;
  const x = (t - fit.centreOffsetMs) / fit.fitStepMs - 0.5;
  const a = Math.floor(x);
  const f = x - a;
  let s = 0;
  for (const prof of fit.profiles) {
    const p = prof.length;
    s += prof[mod(a, p)] * (1 - f) + prof[mod(a + 1, p)] * f;
  }
  return s;
}

/** Removes a centred moving average `p` long (2×p for even p); the ends, where it is undefined, are dropped. */
function detrend(y: Float64Array, p: number): { values: Float64Array; offset: number } | undefined {
  const half = Math.floor(p / 2);
  const n = y.length;
  if (n <= 2 * half + 1) return undefined;
  const cs = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cs[i + 1] = cs[i] + y[i];
  const out = new Float64Array(n - 2 * half);
  for (let i = half; i < n - half; i++) {
    // Odd p: mean of y[i−half … i+half]. Even p: the same window with half weight at both ends.
    const full = cs[i + half + 1] - cs[i - half];
    const ma = p % 2 === 1 ? full / p : (full - 0.5 * (y[i - half] + y[i + half])) / p;
    out[i - half] = y[i] - ma;
  }
  return { values: out, offset: half };
}

/** Pearson correlation of `a[p:]` with `a[:-p]`. */
function lagCorrelation(a: Float64Array, p: number): number {
  const m = a.length - p;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < m; i++) {
    sx += a[i + p];
    sy += a[i];
  }
  const mx = sx / m;
  const my = sy / m;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < m; i++) {
    const dx = a[i + p] - mx;
    const dy = a[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Median of `v` by phase `mod(b0 + i, p)`, circularly smoothed over ~1% of the period, centred to mean 0. */
function phaseMedians(v: Float64Array, b0: number, p: number): Float64Array {
  const med = new Float64Array(p);
  const buf: number[] = [];
  for (let j = 0; j < p; j++) {
    buf.length = 0;
    for (let i = mod(j - b0, p); i < v.length; i += p) buf.push(v[i]);
    med[j] = median(buf);
  }
  const w = smoothingWidth(p);
  const h = (w - 1) / 2;
  const out = new Float64Array(p);
  let mean = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let o = -h; o <= h; o++) s += med[mod(j + o, p)];
    out[j] = s / w;
    mean += out[j];
  }
  mean /= p;
  for (let j = 0; j < p; j++) out[j] -= mean;
  return out;
}

/** Buckets a profile of `p` buckets is smoothed over: odd, about 1% of the period. */
function smoothingWidth(p: number): number {
  return Math.max(1, 2 * Math.floor(p / 200) + 1);
}

function median(a: number[]): number {
  if (a.length === 0) return 0;
  a.sort((x, y) => x - y);
  const h = a.length >> 1;
  return a.length % 2 === 1 ? a[h] : 0.5 * (a[h - 1] + a[h]);
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
