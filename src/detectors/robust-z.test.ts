import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { madOf, medianOf, RobustZDetector } from './robust-z.js';
import { zToScore } from '../core/score-map.js';

/** Median and MAD by sorting copies, for comparison. */
function naive(values: number[]): { med: number; mad: number } {
  const med = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
  };
  const m = med(values);
  return { med: m, mad: med(values.map((v) => Math.abs(v - m))) };
}

const one = (v: number) => Float64Array.of(v);

describe('medianOf / madOf', () => {
  it('match a sort-based median and MAD for every length from 1 to 40, with ties', () => {
    const rng = createRng(3);
    for (let c = 1; c <= 40; c++) {
      const v = Array.from({ length: c }, () => Math.round(rng.normal() * 3));
      const a = new Float64Array(c + 5);
      a.set([...v].sort((x, y) => x - y), 5);
      const med = medianOf(a, 5, c);
      const want = naive(v);
      expect(med).toBe(want.med);
      expect(madOf(a, 5, c, med)).toBe(want.mad);
    }
  });
});

describe('RobustZDetector', () => {
  it('keeps the rolling window: median and MAD of the last `window` points, as a sort would give', () => {
    const d = new RobustZDetector({ window: 7, minPoints: 1, relativeFloor: 0 });
    const rng = createRng(5);
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) {
      const v = rng.normal() * 10;
      d.learnOne(one(v));
      seen.push(v);
      const { med, mad } = naive(seen.slice(-7));
      const e = d.explain(one(med + 3), ['x'])[0];
      expect(e.z).toBeCloseTo(3 / Math.max(1.482602218505602 * mad, 1e-9), 9);
    }
  });

  it('is causal: a point is scored against the points before it, and scoring changes nothing', () => {
    const d = new RobustZDetector({ window: 20 });
    for (let i = 0; i < 20; i++) d.learnOne(one(i % 2));
    const spike = one(50);
    const before = d.scoreOne(spike);
    expect(before).toBeCloseTo(zToScore(d.zOf(spike), 6, 4), 12);
    expect(d.zOf(spike)).toBeGreaterThan(30); // far past z50 = 6
    expect(d.scoreOne(spike)).toBe(before);
    d.learnOne(spike);
    expect(d.scoreOne(one(0))).toBeLessThan(0.01); // one spike does not move the median
  });

  it('scores a constant series finitely: the relative floor, then minScale, set the scale', () => {
    const d = new RobustZDetector({ window: 30 });
    for (let i = 0; i < 30; i++) d.learnOne(one(100));
    expect(d.scoreOne(one(100))).toBe(0);
    expect(d.zOf(one(101))).toBeCloseTo(10, 9); // relativeFloor 1e-3 · 100 = 0.1
    const zero = new RobustZDetector({ window: 30, minScale: [0.5] });
    for (let i = 0; i < 30; i++) zero.learnOne(one(0));
    expect(zero.zOf(one(1))).toBeCloseTo(2, 9);
    expect(Number.isFinite(zero.scoreOne(one(1e300)))).toBe(true);
  });

  it('maps z smoothly: 0.5 at z50, increasing, below 1; ±Infinity scores just below 1', () => {
    const d = new RobustZDetector({ window: 4, minPoints: 4, relativeFloor: 0 });
    for (const v of [-1, 1, -1, 1]) d.learnOne(one(v));
    const scale = 1.482602218505602;
    expect(d.scoreOne(one(6 * scale))).toBeCloseTo(0.5, 9);
    const s = [2, 5, 10, 50, 1000].map((z) => d.scoreOne(one(z * scale)));
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    expect(s[s.length - 1]).toBeLessThan(1);
    expect(d.scoreOne(one(Infinity))).toBe(1 - 1e-12);
  });

  it('skips missing values when learning and scoring, per feature', () => {
    const d = new RobustZDetector({ window: 10, minPoints: 5 });
    for (let i = 0; i < 10; i++) d.learnOne(Float64Array.of(i, NaN));
    expect(d.scoreOne(Float64Array.of(NaN, 1e6))).toBe(0); // feature 1 has no history
    const far = Float64Array.of(1e6, NaN);
    expect(d.zOf(far)).toBeGreaterThan(1e5);
    expect(d.scoreOne(far)).toBeCloseTo(zToScore(d.zOf(far), 6, 4), 12);
    d.learnOne(Float64Array.of(Infinity, -Infinity));
    expect(d.toJSON().state).toMatchObject({ dims: 2, windows: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], []] });
  });

  it('round-trips mid-stream and refuses bad settings with InputError', () => {
    const d = new RobustZDetector({ window: 8 });
    for (let i = 0; i < 13; i++) d.learnOne(Float64Array.of(i * i, -i));
    const e = RobustZDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    for (let i = 0; i < 5; i++) {
      const x = Float64Array.of(100 + i * 7, i);
      expect(e.scoreOne(x)).toBe(d.scoreOne(x));
      d.learnOne(x);
      e.learnOne(x);
    }
    expect(e.toJSON()).toEqual(d.toJSON());
    expect(() => new RobustZDetector({ window: 2 })).toThrow(InputError);
    expect(() => new RobustZDetector({ window: 10, minPoints: 11 })).toThrow(/minPoints/);
    expect(() => new RobustZDetector({ windowSize: 10 } as never)).toThrow(/unknown parameter "windowSize"/);
  });
});
