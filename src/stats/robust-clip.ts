/**
 * Bounds on what one point may teach a streaming estimator, so that a single absurd reading (a
 * `1e308` from a broken exporter, a counter read as a float) cannot drag a learned mean, spread or
 * range so far that every later anomaly looks ordinary (issue 13, item 5). This is the winsorising
 * step of robust streaming estimators (Huber's M-estimators clip residuals the same way): before a
 * value is learned it is clamped to [lo − k·spread, hi + k·spread] of what the estimator has learned
 * so far. A real level shift is still learned, geometrically: each point can widen the range by k
 * spreads, so a new level a factor F away is reached in about log(F) / log(1 + k) points.
 *
 * k = {@link LEARN_CLIP} = 10, chosen from first principles, not on any corpus: every detector here
 * calls a point anomalous at 6 spreads or less (z50 = 6 for zmax and profile-z, 0.1 range past the
 * extremes for novelty), so a value more than 10 spreads out has already been scored as an anomaly
 * and what it teaches beyond that only blinds; Gaussian data never reaches 10 standard deviations
 * (p ≈ 1e-23), and Chebyshev bounds any distribution's share past it at 1%.
 */

/** Spreads past the learned range beyond which a learned value is clamped (see the module comment). */
export const LEARN_CLIP = 10;

/**
 * Values an estimator learns freely before it clamps (a standard deviation from fewer points is too
 * rough to bound anything; 30 is the textbook "large sample" size).
 */
export const CLIP_AFTER = 30;

/**
 * The largest magnitude an estimator learns: 1e150. Its square (1e300), the square of the distance
 * between two such values (4e300) and a sum of 10,000 such squares stay below the largest double
 * (1.8e308), so means, sums of squares, covariances and spreads stay finite, and a model that learned
 * a `1e308` before its clip was warm ({@link CLIP_AFTER}) can still be saved and loaded back. No metric
 * reading comes near it; a value past it is a broken exporter's, already scored as an anomaly.
 */
export const LEARNABLE_MAX = 1e150;

/** `v` clamped to ±{@link LEARNABLE_MAX} (±Infinity too); NaN stays NaN. Does not allocate. */
export function learnable(v: number): number {
  return v > LEARNABLE_MAX ? LEARNABLE_MAX : v < -LEARNABLE_MAX ? -LEARNABLE_MAX : v;
}

/** `v` clamped to [lo − k·spread, hi + k·spread]; NaN stays NaN. Does not allocate. */
export function clampLearned(v: number, lo: number, hi: number, spread: number, k = LEARN_CLIP): number {
  const a = lo - k * spread;
  const b = hi + k * spread;
  return v < a ? a : v > b ? b : v;
}

/**
 * Spreads (times √n) past a running mean beyond which a value learned by a Welford mean and variance
 * is clamped: such a value adds at most 3² = 9 times the current sum of squares, so one point can
 * raise the standard deviation at most about 3.2-fold, and a feature that was constant still learns a
 * new spread geometrically (threefold per point). A bound in plain spreads cannot do that: the sum of
 * squares of n points moves by 1/n of what one point adds, so a constant start would never widen.
 */
export const WELFORD_CLIP = 3;

/**
 * `v` clamped for a Welford update of a running mean with sum of squared deviations `m2` over `n`
 * values: to mean ± {@link WELFORD_CLIP} · max(√m2, √n · floor). Does not allocate.
 */
export function clampWelford(v: number, mean: number, m2: number, n: number, floor: number): number {
  const b = WELFORD_CLIP * Math.max(Math.sqrt(Math.max(0, m2)), Math.sqrt(n) * floor);
  return v < mean - b ? mean - b : v > mean + b ? mean + b : v;
}

/**
 * Limits for winsorising a batch of values (sorted ascending, finite): [q01 − k·s, q99 + k·s] with
 * s = max(q99 − q01, 1e-3 · max(1, |median|)), intersected with the data's own [min, max]. For batch
 * learners (ranges of a first window, a history to fit a model on): the 1% quantiles ignore up to 1%
 * of absurd values. Returns [NaN, NaN] for an empty array.
 */
export function winsorLimits(sorted: ArrayLike<number>, k = LEARN_CLIP): [number, number] {
  const n = sorted.length;
  if (n === 0) return [NaN, NaN];
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(q * (n - 1))))];
  const q01 = at(0.01);
  const q99 = at(0.99);
  const s = Math.max(q99 - q01, 1e-3 * Math.max(1, Math.abs(at(0.5))));
  return [Math.max(sorted[0], q01 - k * s), Math.min(sorted[n - 1], q99 + k * s)];
}
