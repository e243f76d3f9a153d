/**
 * The event-recall curve both evaluation paths report (issue 13: "the recall at 1, 2, 5 and 10 false
 * alerts per pod-day, so the trade-off is visible"): the flags' target false-alarm rate is swept over
 * {@link CURVE_RATES} and, at each budget of {@link FALSE_ALERT_BUDGETS}, the best recall among the
 * rates whose false alerts stay within it is read off. Per series (`kad evaluate --loco`, loco.ts) and
 * through the service (`kad evaluate --corpus nezha --engine`, nezha-engine.ts) sweep the same rates,
 * so their R@n figures are read off the same curve. The rate that reaches a budget is picked on the
 * labels: a point of the curve, not a setting.
 */

/** False alerts per series-day (Nezha: per pod-day) at which recall is reported. */
export const FALSE_ALERT_BUDGETS: readonly number[] = Object.freeze([1, 2, 5, 10]);

/**
 * The flags' target rates swept for the curve: 1 in a million to 1 in 5 points, about three steps a
 * decade (1-2-5, 1-3 below 1 in 10,000). Chosen when the per-series curve was written, to span the
 * budgets on every corpus, not on recall.
 */
export const CURVE_RATES: readonly number[] = Object.freeze([1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2]);

/** One point of the curve: event recall and false alerts per series-day at one rate. */
export interface CurvePoint {
  recall: number;
  falseAlertsPerDay: number;
}

/** The best recall among `points` with at most `budget` false alerts per series-day (0 when none is). */
export function recallAtBudget(points: readonly CurvePoint[], budget: number): number {
  let best = 0;
  for (const p of points) if (p.falseAlertsPerDay <= budget) best = Math.max(best, p.recall);
  return best;
}
