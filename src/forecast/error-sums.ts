/**
 * The forecast error measures, one implementation for the live tracker (forecast/accuracy.ts) and
 * the offline evaluation (evaluate/forecast.ts). Each scored point (actual y, forecast ŷ with its 80%
 * and 95% intervals, a baseline ŷ_naive) is {@link scorePoint}ed and added to {@link ErrorSums}:
 *
 * - MASE: Σ|y − ŷ| / Σ|y − ŷ_naive| over the points with a finite baseline (NaN without any; ∞ when
 *   the baseline is exact and the forecast is not; 0 when both are);
 * - MAPE: mean |y − ŷ| / |y| over the points with y ≠ 0, percent (NaN without any);
 * - coverage: the share of the points inside the 80% and the 95% interval;
 * - MAE of the forecast and of the baseline, over the points with a finite baseline.
 */

/** One scored point. */
export interface PointScore {
  /** |y − ŷ| and |y − ŷ_naive| (NaN: no baseline). */
  absError: number;
  absNaive: number;
  /** |y − ŷ| / |y|; NaN when y = 0. */
  ape: number;
  /** 1 when y is inside the 80% / 95% interval, else 0. */
  in80: number;
  in95: number;
}

/** The measures over the points added (see the module comment). */
export interface ErrorSummary {
  points: number;
  mase: number;
  mape: number;
  coverage80: number;
  coverage95: number;
  maeModel: number;
  maeNaive: number;
}

/** Scores the actual `y` against a forecast step: its `point`, its intervals and the baseline `naive`. */
export function scorePoint(y: number, point: number, naive: number, lower80: number, upper80: number, lower95: number, upper95: number): PointScore {
  const absError = Math.abs(y - point);
  return {
    absError,
    absNaive: Math.abs(y - naive),
    ape: y !== 0 ? absError / Math.abs(y) : NaN,
    in80: y >= lower80 && y <= upper80 ? 1 : 0,
    in95: y >= lower95 && y <= upper95 ? 1 : 0,
  };
}

/** Running sums of scored points, and the measures over them. */
export class ErrorSums {
  private points = 0;
  private paired = 0;
  private absError = 0;
  private absNaive = 0;
  private ape = 0;
  private apeCount = 0;
  private in80 = 0;
  private in95 = 0;

  /** Adds one scored point (the fields of a {@link PointScore}). */
  add(absError: number, absNaive: number, ape: number, in80: number, in95: number): void {
    this.points++;
    if (Number.isFinite(absNaive)) {
      this.absError += absError;
      this.absNaive += absNaive;
      this.paired++;
    }
    if (Number.isFinite(ape)) {
      this.ape += ape;
      this.apeCount++;
    }
    this.in80 += in80;
    this.in95 += in95;
  }

  /** The measures over the points added so far. */
  summary(): ErrorSummary {
    const { points: n, paired, absError: e, absNaive: en } = this;
    return {
      points: n,
      mase: paired === 0 ? NaN : en > 0 ? e / en : e > 0 ? Infinity : 0,
      mape: this.apeCount ? (100 * this.ape) / this.apeCount : NaN,
      coverage80: n ? this.in80 / n : NaN,
      coverage95: n ? this.in95 / n : NaN,
      maeModel: paired ? e / paired : NaN,
      maeNaive: paired ? en / paired : NaN,
    };
  }
}
