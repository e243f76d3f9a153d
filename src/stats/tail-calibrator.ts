/**
 * Turns one series' raw detector scores into tail probabilities against that series' own history of
 * scores, so that scores of different detectors and different series mean the same thing: p = the
 * share of past scores at least this high. This is what lets one threshold serve a whole corpus (and
 * a whole cluster): a detector whose scores sit near 1 on a noisy series gets p ≈ 0.5 there, not an
 * alarm. The idea is HTM's "anomaly likelihood" (Ahmad et al. 2017) with an empirical distribution.
 *
 * Scores s ∈ [0, 1) are binned on u = −ln(1 − s) (bins of 1/8 up to u = 28, s ≈ 1 − 7e-13), so the
 * far tail near 1 keeps its resolution. Below the `tailQuantile` point (default the 95th percentile of
 * u) p is read off the histogram (linear within a bin); above it the tail is extrapolated as
 * exponential (peaks over threshold): p = (1 − tailQuantile) · exp(−(u − u_q) / mean excess), so a
 * score beyond anything seen still gets a smaller p the further out it is. With `minExceedances`,
 * a short history's tail starts lower, where that many scores lie above it (see the setting). The histogram is halved
 * every `window` points so the distribution follows the recent past. Quantile and tail are refreshed
 * every 32 learned points; {@link TailCalibrator.pValue} allocates nothing.
 */
import { InputError, ModelFormatError } from '../core/errors.js';

const BINS = 224;
const WIDTH = 0.125;
const REFRESH = 32;

/** Settings of {@link TailCalibrator}. */
export interface TailCalibratorParams {
  /** Scores needed before p < 1 is given (default 50). */
  minPoints?: number;
  /** Points after which the histogram is halved (default 10,000). */
  window?: number;
  /** Where the exponential tail starts (default 0.95). */
  tailQuantile?: number;
  /**
   * Fewest past scores the exponential tail is fitted on (default 0: none). While the history is short
   * (fewer than this / (1 − tailQuantile) scores) the tail starts lower, at the quantile that leaves
   * this many above it (never below the median): a scale fitted on one or two exceedances is whatever
   * gap the largest score left, and one early outlier then puts the 1-in-1,000 bar at a score of 1.
   */
  minExceedances?: number;
}

/** Validates {@link TailCalibratorParams}; throws {@link InputError} naming the setting (prefixed by `who`). */
export function resolveTailParams(p: TailCalibratorParams, who: string): Required<TailCalibratorParams> {
  const minPoints = p.minPoints ?? 50;
  const window = p.window ?? 10_000;
  const tailQuantile = p.tailQuantile ?? 0.95;
  const minExceedances = p.minExceedances ?? 0;
  if (!Number.isInteger(minPoints) || minPoints < 1) throw new InputError(`${who}: minPoints must be an integer >= 1, got ${JSON.stringify(minPoints)}`);
  if (!Number.isInteger(window) || window < 2 * minPoints) throw new InputError(`${who}: window must be an integer >= 2 · minPoints, got ${JSON.stringify(window)}`);
  if (!(tailQuantile > 0.5 && tailQuantile < 1)) throw new InputError(`${who}: tailQuantile must be in (0.5, 1), got ${JSON.stringify(tailQuantile)}`);
  if (!Number.isInteger(minExceedances) || minExceedances < 0) throw new InputError(`${who}: minExceedances must be an integer >= 0, got ${JSON.stringify(minExceedances)}`);
  return { minPoints, window, tailQuantile, minExceedances };
}

/** One series' score-to-tail-probability calibration; see the module comment. */
export class TailCalibrator {
  private readonly hist = new Float64Array(BINS);
  /** above[b] = mass of bins > b (refreshed every 32 points). */
  private readonly above = new Float64Array(BINS);
  private n = 0;
  private sinceRefresh = 0;
  private uq = Infinity;
  private meanExcess = WIDTH;
  private mass = 0;

  constructor(private readonly params: Required<TailCalibratorParams>) {}

  /** Points in the histogram (after halvings). */
  get count(): number {
    return this.n;
  }

  /** Adds one raw score in [0, 1] (NaN ignored). */
  learn(score: number): void {
    if (!(score >= 0)) return;
    const u = -Math.log(Math.max(1e-300, 1 - score));
    this.hist[Math.min(BINS - 1, Math.floor(u / WIDTH))] += 1;
    this.n += 1;
    if (this.n >= this.params.window) {
      for (let i = 0; i < BINS; i++) this.hist[i] *= 0.5;
      this.n *= 0.5;
    }
    if (++this.sinceRefresh >= REFRESH || this.n <= this.params.minPoints) this.refresh();
  }

  /** The share of past scores at least `score` (1 until `minPoints` scores were learned). */
  pValue(score: number): number {
    if (this.n < this.params.minPoints || !(score > 0)) return 1;
    const u = -Math.log(Math.max(1e-300, 1 - score));
    if (u > this.uq) return this.tailShare() * Math.exp(-(u - this.uq) / this.meanExcess);
    const b = Math.min(BINS - 1, Math.floor(u / WIDTH));
    const frac = (u - b * WIDTH) / WIDTH;
    return Math.min(1, (this.above[b] + (1 - frac) * this.hist[b]) / this.mass);
  }

  /** The share of the history in the exponential tail: 1 − tailQuantile, or more while the history is short (`minExceedances`). */
  private tailShare(): number {
    const base = 1 - this.params.tailQuantile;
    const k = this.params.minExceedances;
    return k > 0 && this.mass > 0 ? Math.min(0.5, Math.max(base, k / this.mass)) : base;
  }

  private refresh(): void {
    this.sinceRefresh = 0;
    let acc = 0;
    for (let b = BINS - 1; b >= 0; b--) {
      this.above[b] = acc;
      acc += this.hist[b];
    }
    this.mass = acc;
    // u_q: where the linear-in-bin tail mass falls to the tail's share of the mass (so p is continuous there).
    const want = this.tailShare() * acc;
    let b = BINS - 1;
    while (b > 0 && this.above[b] + this.hist[b] < want) b--;
    const frac = this.hist[b] > 0 ? 1 - Math.min(1, (want - this.above[b]) / this.hist[b]) : 0;
    this.uq = (b + frac) * WIDTH;
    let m = 0;
    let s = 0;
    for (let i = b; i < BINS; i++) {
      const lo = Math.max(i * WIDTH, this.uq);
      const w = i === b ? this.hist[i] * (1 - frac) : this.hist[i];
      m += w;
      s += w * (((i + 1) * WIDTH + lo) / 2 - this.uq);
    }
    this.meanExcess = Math.max(WIDTH, m > 0 ? s / m : WIDTH);
  }

  /** The state as plain data (the histogram and the quantile and tail last derived from it). */
  toJSON(): TailCalibratorState {
    return { n: this.n, hist: [...this.hist], above: [...this.above], sinceRefresh: this.sinceRefresh, uq: this.uq, meanExcess: this.meanExcess, mass: this.mass };
  }

  /** Restores a state saved by {@link TailCalibrator.toJSON}; throws {@link ModelFormatError} for a malformed one. */
  static fromJSON(params: Required<TailCalibratorParams>, s: TailCalibratorState): TailCalibrator {
    const ok = typeof s === 'object' && s !== null && Array.isArray(s.hist) && s.hist.length === BINS && Array.isArray(s.above) && s.above.length === BINS &&
      [s.n, s.sinceRefresh, s.meanExcess, s.mass].every((v) => typeof v === 'number' && Number.isFinite(v)) && typeof s.uq === 'number';
    if (!ok) throw new ModelFormatError(`tail calibrator state: expected { n, hist[${BINS}], above[${BINS}], sinceRefresh, uq, meanExcess, mass }`);
    const c = new TailCalibrator(params);
    c.hist.set(s.hist);
    c.above.set(s.above);
    c.n = s.n;
    c.sinceRefresh = s.sinceRefresh;
    c.uq = s.uq ?? Infinity;
    c.meanExcess = s.meanExcess;
    c.mass = s.mass;
    return c;
  }
}

/** What {@link TailCalibrator.toJSON} saves (uq may be null in JSON for Infinity). */
export interface TailCalibratorState {
  n: number;
  hist: number[];
  above: number[];
  sinceRefresh: number;
  uq: number;
  meanExcess: number;
  mass: number;
}
