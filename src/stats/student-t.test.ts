import { describe, expect, it } from 'vitest';
import { studentT95 } from './student-t.js';

describe('studentT95', () => {
  it('is the one-sided 95% critical value of Student t', () => {
    expect(studentT95(1)).toBe(6.314);
    expect(studentT95(4)).toBe(2.132); // a paired test over 5 folds
    expect(studentT95(30)).toBe(1.697);
    // Past the table: the expansion, against the exact values 1.684 (40), 1.671 (60), 1.658 (120).
    expect(studentT95(40)).toBeCloseTo(1.684, 3);
    expect(studentT95(60)).toBeCloseTo(1.671, 3);
    expect(studentT95(120)).toBeCloseTo(1.658, 3);
    // Falls towards the normal's 1.645, never below it.
    for (let df = 2; df < 500; df++) {
      expect(studentT95(df)).toBeLessThanOrEqual(studentT95(df - 1));
      expect(studentT95(df)).toBeGreaterThan(1.6448);
    }
    expect(studentT95(0)).toBeNaN();
    expect(studentT95(2.5)).toBeNaN();
  });
});
