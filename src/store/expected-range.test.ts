import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { expectedRange, RULE_DAILY, RULE_NONE, RULE_ROLLING } from './expected-range.js';

const MIN = 60_000;
const DAY = 1440 * MIN;

/** `days` days of a daily sine at 1-minute steps with a little seeded noise. */
function dailySine(days: number, seed = 1) {
  const rng = createRng(seed);
  const n = days * 1440;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = 1_700_000_000_000 + i * MIN;
    v[i] = 10 + 5 * Math.sin((2 * Math.PI * i) / 1440) + 0.2 * (rng.next() - 0.5);
  }
  return { t, v };
}

describe('expectedRange', () => {
  it('follows a daily sine once earlier days exist, and a spike falls outside', () => {
    const { t, v } = dailySine(4);
    const start = 3 * DAY / MIN; // the fourth day: three earlier days
    v[start + 360] = 25; // a spike at the day's peak hour
    const b = expectedRange(t, v, {}, start);
    expect(b.lo.length).toBe(1440);
    for (let i = 0; i < 1440; i++) {
      expect(b.rule[i]).toBe(RULE_DAILY);
      const truth = 10 + 5 * Math.sin((2 * Math.PI * i) / 1440);
      const mid = (b.lo[i] + b.hi[i]) / 2;
      // The ±10-minute windows of earlier days centre on the same phase: the band follows the curve.
      expect(Math.abs(mid - truth)).toBeLessThan(0.3);
      expect(b.hi[i] - b.lo[i]).toBeLessThan(2);
      if (i !== 360) expect(v[start + i]).toBeGreaterThanOrEqual(b.lo[i]);
      if (i !== 360) expect(v[start + i]).toBeLessThanOrEqual(b.hi[i]);
    }
    expect(v[start + 360]).toBeGreaterThan(b.hi[360]);
    // Peak and trough differ: the band moves with the day, not a flat average.
    expect(b.lo[360]).toBeGreaterThan(b.hi[1080]);
  });

  it('is causal: changing the present or the future does not move the band at t', () => {
    const { t, v } = dailySine(3);
    const at = 2 * 1440 + 100;
    const before = expectedRange(t, v, {}, at);
    const w = v.slice();
    for (let i = at; i < w.length; i++) w[i] = 1e6;
    const after = expectedRange(t, w, {}, at);
    expect(after.lo[0]).toBe(before.lo[0]);
    expect(after.hi[0]).toBe(before.hi[0]);
  });

  it('falls back to the last hour with fewer than two earlier days, with a floor that gives a flat series a band', () => {
    const n = 180;
    const t = Float64Array.from({ length: n }, (_, i) => i * MIN);
    const v = new Float64Array(n).fill(100);
    v[150] = 103;
    const b = expectedRange(t, v);
    expect(b.rule[5]).toBe(RULE_NONE); // fewer than 10 values before it
    expect(Number.isNaN(b.lo[5])).toBe(true);
    expect(b.rule[120]).toBe(RULE_ROLLING);
    expect(b.lo[120]).toBeCloseTo(97, 9); // 100 ± 3 × 1% of 100
    expect(b.hi[120]).toBeCloseTo(103, 9);
    expect(v[150]).toBeLessThanOrEqual(b.hi[150]);
    v[150] = 104;
    expect(v[150]).toBeGreaterThan(expectedRange(t, v).hi[150]);
  });

  it('skips gaps and NaN, and clips the low edge', () => {
    const { t, v } = dailySine(3, 7);
    for (let i = 1440 + 200; i < 1440 + 400; i++) v[i] = NaN; // day 2 missing around the asked time
    const start = 2 * 1440 + 300;
    const b = expectedRange(t, v, {}, start);
    // Day 1 alone is one earlier day: the last hour decides.
    expect(b.rule[0]).toBe(RULE_ROLLING);
    expect(Number.isFinite(b.lo[0]) && Number.isFinite(b.hi[0])).toBe(true);
    // Times missing altogether (a gap in t) work the same way.
    const keep = Array.from(t.keys()).filter((i) => i % 3 !== 0);
    const g = expectedRange(keep.map((i) => t[i]), keep.map((i) => v[i]), {}, keep.length - 10);
    expect(Array.from(g.lo).every(Number.isFinite)).toBe(true);
    const all = expectedRange(t, v.map(() => NaN));
    expect(Array.from(all.rule).every((r) => r === RULE_NONE)).toBe(true);
    const low = expectedRange(t, v, { lower: 9, k: 50 }, start);
    expect(low.lo[0]).toBe(9);
  });
});
