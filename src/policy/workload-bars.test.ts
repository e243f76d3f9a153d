import { describe, expect, it } from 'vitest';
import { barRate, barThreshold, WorkloadBars } from './workload-bars.js';

describe('WorkloadBars', () => {
  it('halves a workload\'s factor per false alarm, down to 1/16, and leaves others at 1', () => {
    const b = new WorkloadBars();
    expect(b.factor('shop/web')).toBe(1);
    expect([1, 2, 3, 4, 5].map(() => b.raise('shop/web'))).toEqual([0.5, 0.25, 0.125, 0.0625, 0.0625]);
    expect(b.factor('shop/api')).toBe(1);
    expect(b.entries()).toEqual([['shop/web', 0.0625]]);
  });

  it('takes counts loaded from the store, and takes a false alarm back', () => {
    const b = new WorkloadBars({ step: 0.8, min: 0.1 });
    expect(b.setFalseAlarms('a/x', 20)).toBe(0.1);
    b.setFalseAlarms('a/y', -3);
    b.setFalseAlarms('a/z', NaN);
    expect([b.factor('a/x'), b.factor('a/y'), b.factor('a/z')]).toEqual([0.1, 1, 1]);
    b.setFalseAlarms('a/w', 2);
    expect(b.lower('a/w')).toBeCloseTo(0.8, 12);
    expect(b.lower('a/w')).toBe(1);
    expect(b.lower('a/w')).toBe(1);
    expect(b.falseAlarms('a/w')).toBe(0);
    expect(() => new WorkloadBars({ step: 1 })).toThrow(/step/);
    expect(() => new WorkloadBars({ min: 0 })).toThrow(/min/);
  });

  it('lowers the rate and raises the threshold by the factor; a factor of 1 changes nothing', () => {
    expect(barRate(0.001, 0.5)).toBe(0.0005);
    expect(barThreshold(0.6, 0.5)).toBeCloseTo(0.8, 12);
    expect(barRate(0.001, 1)).toBe(0.001);
    expect(barThreshold(0.7, 1)).toBe(0.7);
  });
});
