import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { forecastRemainder } from './remainder.js';

/** AR(1) around `mean` with coefficient `phi` and innovation sd 1. */
function ar1(n: number, phi: number, mean: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const out = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = phi * x + rng.normal();
    out[i] = mean + x;
  }
  return out;
}

describe('forecastRemainder', () => {
  it('learns how fast deviations fade: forecasts and spreads match an AR(1)', () => {
    const phi = 0.9;
    const r = ar1(3000, phi, 50, 4);
    const f = forecastRemainder(r, 30, 180, 2000);
    const mu = r.slice(3000 - 180).reduce((a, b) => a + b, 0) / 180;
    const dev = r[2999] - mu;
    for (const h of [1, 5, 10, 30]) {
      expect(f.point[h - 1]).toBeCloseTo(mu + phi ** h * dev, 0);
      const theory = Math.sqrt((1 - phi ** (2 * h)) / (1 - phi * phi)); // sd of the h-step error
      expect(f.sd[h - 1] / theory).toBeGreaterThan(0.85);
      expect(f.sd[h - 1] / theory).toBeLessThan(1.25);
    }
    for (let h = 1; h < 30; h++) expect(f.sd[h]).toBeGreaterThanOrEqual(f.sd[h - 1]);
  });

  it('covers about 95% of what comes next out of sample', () => {
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = ar1(1500, 0.95, 0, seed);
      const f = forecastRemainder(r.subarray(0, 1470), 30, 180, 720);
      for (let h = 1; h <= 30; h++, total++) if (Math.abs(r[1469 + h] - f.point[h - 1]) <= 1.96 * f.sd[h - 1]) inside++;
    }
    expect(inside / total).toBeGreaterThan(0.9);
    expect(inside / total).toBeLessThan(0.98);
  });

  it('ignores pairs with a filled-in value when told which were observed', () => {
    const rng = createRng(9);
    const r = Float64Array.from({ length: 1000 }, () => rng.normal());
    const observed = new Uint8Array(1000).fill(1);
    // Every other value "missing" and filled with a perfect interpolation of 0: without the mask the
    // spread looks smaller than it is.
    for (let i = 0; i < 1000; i += 2) {
      r[i] = 0;
      observed[i] = 0;
    }
    const blind = forecastRemainder(r, 5, 60, 720);
    const masked = forecastRemainder(r, 5, 60, 720, observed);
    expect(masked.sd[4]).toBeGreaterThan(blind.sd[4]);
    expect(masked.sd[4]).toBeCloseTo(1, 0);
  });

  it('falls back to the level and the spread of the values on a short series', () => {
    const f = forecastRemainder(Float64Array.of(1, 2, 3, 4), 10, 180, 720);
    expect(Array.from(f.point)).toEqual(new Array(10).fill(2.5));
    expect(f.sd[0]).toBeGreaterThan(1);
    expect(f.origins).toBe(0);
    const flat = forecastRemainder(new Float64Array(500).fill(7), 5, 60, 720);
    expect(Array.from(flat.point)).toEqual([7, 7, 7, 7, 7]);
    expect(Array.from(flat.sd)).toEqual([0, 0, 0, 0, 0]);
  });
});
