/** The standard normal distribution, for code in any folder (the simulator's latency histograms, the exhaustion estimator's confidence). */

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; absolute error below 1.5e-7). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x) / Math.SQRT2;
  const k = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
