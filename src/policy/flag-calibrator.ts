/**
 * Calibrated flags: the decision behind `kad score`'s `is_anomaly`, `kad evaluate`'s flags and the
 * service's `anomaly_flag`. A point is flagged when its score is rarer, among its own series' past
 * scores, than a target false-alarm rate (default 1 in 1,000 points, `policy.targetFalseAlarmRate`
 * in the config): p = the share of the series' earlier scores at least this high
 * ({@link TailCalibrator}: an empirical histogram with an exponential tail past its 99th percentile,
 * fitted on at least 10 scores, so p keeps falling beyond anything seen), flag when p < rate. No fixed score cut: a series whose
 * normal scores are high gets a higher bar, and on normal data about `rate` of the points are flagged
 * whatever the detector's scale.
 *
 * Per series: until `warmup` scores were seen p is 1 (no flag). {@link FlagCalibrator.observe} reads p
 * before adding the score (causal); {@link FlagCalibrator.learn} adds scores without deciding (training
 * rows). Every score is added, flagged or not, so a lasting change raises the bar instead of flagging
 * for ever; the histogram is halved every `window` scores so it follows the recent past.
 *
 * With an alert policy (alert-policy.ts) on top (K-of-N, hysteresis, cooldown), feed it score `1 − p`
 * against base level `1 − rate` (`policy.observe(key, 1 - p, t, 1 - rate)`): hot then means flagged.
 */
import { InputError } from '../core/errors.js';
import { resolveTailParams, TailCalibrator } from '../stats/tail-calibrator.js';

/** Settings of {@link FlagCalibrator}. */
export interface FlagCalibratorParams {
  /** Target share of a series' normal points that are flagged, in (0, 0.5]. */
  targetFalseAlarmRate: number;
  /** Scores a series needs before anything is flagged (default 100). */
  warmup?: number;
  /** Scores after which the series' histogram is halved (default 10,000). */
  window?: number;
}

/**
 * The tail calibrator's bins are 1/8 wide in u = −ln(1 − s), from 0 to 28: no resolution for detectors
 * whose normal scores all sit below ~0.1 (zmax, robust-z on noise). Ranks do not change under a
 * monotone map, so scores are fed as s' with u' = 9 + ln(u) / 2 below u = 1 and 9 + (u − 1) / 2 above:
 * continuous with its slope, resolving u from ~1.5e-8 (bins 28% apart) up to 39 (beyond the largest
 * score below 1 a double holds), and still exponential-tailed in u where scores are high.
 */
function spread(s: number): number {
  if (!(s > 0)) return s;
  const u = -Math.log(Math.max(1e-300, 1 - s));
  const v = 9 + 0.5 * (u < 1 ? Math.log(u) : u - 1);
  return v <= 0 ? 0 : 1 - Math.exp(-v);
}

/**
 * Where the exponential tail starts: the 99th percentile. From the 95th (the calibrator's default)
 * the fitted tail is too heavy, and a target of 1 in 1,000 flagged 0.00–0.03% of the points of most
 * detectors on the development corpora; from the 99th the flagged share is 0.02–0.23% at 1 in 1,000
 * and 0.3–1.7% at 1 in 100 for ensemble, zmax, profile-z and onset on NAB, ASD, SMD and Nezha
 * (chosen on the flagged share alone, not on labels).
 */
const TAIL_QUANTILE = 0.99;

/**
 * The tail is fitted on at least 10 scores: the 99th percentile of 1,000 (the target's 1 in 1,000)
 * leaves 10 above it; with fewer scores the tail starts where 10 are left (the 90th percentile of the
 * default 100-score warm-up; never below the median, so a warm-up under 20 scores fits it on half of
 * them). See `minExceedances` in stats/tail-calibrator.ts.
 */
const MIN_EXCEEDANCES = 10;

/** Per-series calibrated flags; see the module comment. */
export class FlagCalibrator {
  /** The target false-alarm rate. */
  readonly rate: number;
  private readonly minPoints: number;
  private readonly tail: ReturnType<typeof resolveTailParams>;
  private readonly series = new Map<string, TailCalibrator>();

  /** Throws {@link InputError} naming the setting for a bad one. */
  constructor(params: FlagCalibratorParams) {
    const r = params.targetFalseAlarmRate;
    if (!(r > 0 && r <= 0.5)) throw new InputError(`flag calibration: targetFalseAlarmRate must be in (0, 0.5], got ${JSON.stringify(r)}`);
    this.rate = r;
    const warmup = params.warmup ?? 100;
    this.minPoints = warmup;
    this.tail = resolveTailParams({ minPoints: warmup, window: params.window ?? Math.max(10_000, 2 * warmup), tailQuantile: TAIL_QUANTILE, minExceedances: MIN_EXCEEDANCES }, 'flag calibration');
  }

  /** Adds a score of series `key` without deciding (e.g. a training row's). NaN is ignored. */
  learn(key: string, score: number): void {
    this.of(key).learn(spread(score));
  }

  /** The tail probability of `score` among series `key`'s past scores (1 during warm-up), then learns it. */
  observe(key: string, score: number): number {
    const p = this.pValue(key, score);
    this.learn(key, Number.isFinite(score) ? score : score === Infinity ? 1 : 0);
    return p;
  }

  /** The tail probability of `score` among series `key`'s past scores (1 during warm-up), without learning it. */
  pValue(key: string, score: number): number {
    return this.of(key).pValue(spread(Number.isFinite(score) ? score : score === Infinity ? 1 : 0));
  }

  /**
   * The lowest score whose tail probability among series `key`'s past scores is below `p`: the score
   * bar that a rate of `p` sets for the series now (found by bisection in −ln(1 − s), to about 1e-9).
   * 1 when no score below 1 is that rare, or during warm-up.
   */
  scoreAt(key: string, p: number): number {
    const c = this.series.get(key);
    if (c === undefined || !this.warm(key)) return 1;
    const at = (u: number) => c.pValue(spread(1 - Math.exp(-u)));
    let lo = 0;
    let hi = 36; // 1 − e^−36: the largest score below 1 a double tells apart
    if (!(at(hi) < p)) return 1;
    if (at(lo) < p) return 0;
    for (let i = 0; i < 36; i++) {
      const mid = (lo + hi) / 2;
      if (at(mid) < p) hi = mid;
      else lo = mid;
    }
    return 1 - Math.exp(-hi);
  }

  /** Whether series `key` has seen its warm-up of scores (before, {@link observe} gives 1). */
  warm(key: string): boolean {
    return (this.series.get(key)?.count ?? 0) >= this.minPoints;
  }

  /** Whether a tail probability from {@link observe} is a flag (p < rate). */
  flagged(p: number): boolean {
    return p < this.rate;
  }

  /** Series `to` starts from a copy of series `from`'s calibration (a new replica judged as its sibling is, until it has its own); nothing when `from` has none. */
  copy(from: string, to: string): void {
    const c = this.series.get(from);
    if (c !== undefined) this.series.set(to, TailCalibrator.fromJSON(this.tail, c.toJSON()));
  }

  /** Forgets a series (its pod went away). */
  forget(key: string): void {
    this.series.delete(key);
  }

  private of(key: string): TailCalibrator {
    let c = this.series.get(key);
    if (c === undefined) {
      c = new TailCalibrator(this.tail);
      this.series.set(key, c);
    }
    return c;
  }
}
