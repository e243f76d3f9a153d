import { describe, expect, it } from 'vitest';
import { CURVE_RATES, FALSE_ALERT_BUDGETS, recallAtBudget } from './recall-curve.js';

describe('recall curve', () => {
  it('reads the best recall within each false-alert budget, 0 where no rate is that quiet', () => {
    const pts = [{ recall: 0.2, falseAlertsPerDay: 0.5 }, { recall: 0.5, falseAlertsPerDay: 3 }, { recall: 0.4, falseAlertsPerDay: 1.5 }, { recall: 0.7, falseAlertsPerDay: 12 }];
    expect([0.1, ...FALSE_ALERT_BUDGETS, 20].map((b) => recallAtBudget(pts, b))).toEqual([0, 0.2, 0.4, 0.5, 0.5, 0.7]);
  });

  it('sweeps rates in increasing order, within (0, 1), and has the service default 1e-3 among them', () => {
    expect([...CURVE_RATES].sort((a, b) => a - b)).toEqual(CURVE_RATES);
    expect(CURVE_RATES.every((r) => r > 0 && r < 1)).toBe(true);
    expect(CURVE_RATES).toContain(1e-3);
  });
});
