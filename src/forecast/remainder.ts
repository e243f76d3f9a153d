/**
 * The short-term part of a forecast: what is left of a series once its seasonal shape is taken out
 * (the remainder r) is forecast by *direct* multi-horizon regression towards a local level:
 *
 *   r̂(t + h) = μ(t) + β_h · (r(t) − μ(t)),    μ(t) = mean of the newest `levelWindow` values of r,
 *
 * with one β_h in [0, 1] per horizon h, fitted by least squares over the newest `fitWindow` origins,
 * and the h-step error's standard deviation σ_h measured on the same origins (the empirical error of
 * this very predictor, not a model's formula), made non-decreasing in h. β_h near 1 keeps a
 * persistent deviation; near 0, deviations fade back to the level: the data decide, per horizon.
 * Cost O(fitWindow · horizon), a few thousand multiply-adds.
 */

/** A forecast of the remainder, h = 1 … horizon. */
export interface RemainderForecast {
  point: Float64Array;
  /** Standard deviation of the h-step error, measured in sample. */
  sd: Float64Array;
  /** How many origins the fit used (for the longest horizon). */
  origins: number;
}

/** Fewest origins for a regression; below it the forecast is the level with the spread of the values. */
const MIN_ORIGINS = 12;

/**
 * Forecasts `r` (finite values, oldest first) `horizon` steps ahead (see the module comment). Where
 * `observed` is given, only pairs of observed values (1) teach the regression and the error spread,
 * so that gaps filled by interpolation do not make the intervals look narrower than they are. With
 * too few values for the regression, the level (mean of the newest `levelWindow`) and the values'
 * standard deviation are returned.
 */
export function forecastRemainder(r: Float64Array, horizon: number, levelWindow: number, fitWindow: number, observed?: Uint8Array): RemainderForecast {
  const n = r.length;
  const point = new Float64Array(horizon);
  const sd = new Float64Array(horizon);
  // Shorten the level window on short series so that there are origins to learn from.
  const lw = Math.max(1, Math.min(levelWindow, Math.floor((n - horizon) / 3)));
  const cs = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cs[i + 1] = cs[i] + r[i];
  const mu = (t: number): number => (cs[t + 1] - cs[t + 1 - lw]) / lw;
  const firstOrigin = Math.max(lw - 1, n - 1 - horizon - fitWindow);
  const originsAtH = n - 1 - horizon - firstOrigin + 1;
  if (n < 2 || originsAtH < MIN_ORIGINS) {
    const level = n > 0 ? mean(r, Math.max(0, n - levelWindow), n) : 0;
    const s = n > 1 ? Math.sqrt(variance(r) * (1 + 1 / n)) : 0;
    point.fill(level);
    sd.fill(s);
    return { point, sd, origins: Math.max(0, originsAtH) };
  }
  const levelNow = mu(n - 1);
  const devNow = r[n - 1] - levelNow;
  let floor = 0;
  for (let h = 1; h <= horizon; h++) {
    const from = Math.max(lw - 1, n - 1 - h - fitWindow);
    let sxy = 0;
    let sxx = 0;
    for (let t = from; t + h < n; t++) {
      if (observed && !(observed[t] && observed[t + h])) continue;
      const m = mu(t);
      const x = r[t] - m;
      sxy += x * (r[t + h] - m);
      sxx += x * x;
    }
    const beta = sxx > 0 ? Math.min(1, Math.max(0, sxy / sxx)) : 0;
    let see = 0;
    let count = 0;
    for (let t = from; t + h < n; t++) {
      if (observed && !(observed[t] && observed[t + h])) continue;
      const m = mu(t);
      const e = r[t + h] - m - beta * (r[t] - m);
      see += e * e;
      count++;
    }
    if (count >= MIN_ORIGINS) floor = Math.max(floor, Math.sqrt(see / (count - 1)));
    point[h - 1] = levelNow + beta * devNow;
    sd[h - 1] = floor;
  }
  // No horizon had enough observed pairs: the spread of the values themselves.
  if (floor === 0) sd.fill(Math.sqrt(variance(r) * (1 + 1 / n)));
  return { point, sd, origins: originsAtH };
}

function mean(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return to > from ? s / (to - from) : 0;
}

function variance(a: Float64Array): number {
  const m = mean(a, 0, a.length);
  let s = 0;
  for (const v of a) s += (v - m) * (v - m);
  return s / Math.max(1, a.length - 1);
}
