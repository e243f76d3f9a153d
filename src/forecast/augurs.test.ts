import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { InputError, NotReadyError } from '../core/errors.js';
import { detectPeriod, fillGaps, fitForecast, levelToZ, loadProphet, prophetLoaded } from './augurs.js';

const sine = (n: number, period: number, seed = 1, noise = 1): Float64Array => {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / period) + noise * rng.normal());
};

describe('fitForecast', () => {
  it('forecasts a seasonal series with MSTL: point near the truth, band around it, in-sample fit on request', () => {
    const y = sine(240, 24);
    const f = fitForecast(y, [24], 30, 0.95, 'mstl', { inSample: true });
    expect(f.point).toHaveLength(30);
    for (let k = 0; k < 30; k++) {
      expect(Math.abs(f.point[k] - (100 + 20 * Math.sin((2 * Math.PI * (240 + k)) / 24)))).toBeLessThan(2);
      expect(f.lower[k]).toBeLessThan(f.point[k]);
      expect(f.upper[k]).toBeGreaterThan(f.point[k]);
    }
    expect(f.fitted?.point).toHaveLength(240);
  });

  it('fits non-seasonal ETS for "ets", and for "mstl" without periods; gaps are interpolated', () => {
    const rng = createRng(2);
    const y = Float64Array.from({ length: 300 }, () => 5 + rng.normal());
    y[10] = NaN;
    y[11] = Infinity;
    for (const model of ['ets', 'mstl'] as const) {
      const f = fitForecast(y, [], 10, 0.95, model);
      expect(Math.abs(f.point[0] - 5)).toBeLessThan(0.5);
      expect(f.upper[0] - f.lower[0]).toBeGreaterThan(2 * 1.5);
      expect(f.upper[0] - f.lower[0]).toBeLessThan(2 * 2.5);
      expect(f.fitted).toBeUndefined();
    }
  });

  it('refuses bad arguments with InputError', () => {
    const y = sine(100, 10);
    expect(() => fitForecast(y, [], 0, 0.95, 'ets')).toThrow(/horizon/);
    expect(() => fitForecast(y, [], 5, 1, 'ets')).toThrow(/level/);
    expect(() => fitForecast(y, [60], 5, 0.9, 'mstl')).toThrow(/period/);
    expect(() => fitForecast([1, NaN, 2], [], 5, 0.9, 'ets')).toThrow(InputError);
    expect(() => fitForecast(y, [], 5, 0.9, 'arima' as 'ets')).toThrow(/model/);
  });
});

describe('detectPeriod', () => {
  it('finds the season of a noisy sine, a daily pattern on a trend, and none in noise or a random walk', () => {
    expect(detectPeriod(sine(480, 24))).toBe(24);
    const rng = createRng(3);
    const daily = Float64Array.from({ length: 1152 }, (_, i) => 0.05 * i + 30 * Math.max(0, Math.sin((2 * Math.PI * i) / 288)) + 3 * rng.normal());
    expect(Math.abs(detectPeriod(daily) - 288)).toBeLessThanOrEqual(1); // 4 noisy seasons place it to ±1 step
    expect(detectPeriod(Float64Array.from({ length: 1000 }, () => rng.normal()))).toBe(0);
    let w = 0;
    expect(detectPeriod(Float64Array.from({ length: 1000 }, () => (w += rng.normal())))).toBe(0);
    expect(detectPeriod(new Float64Array(100).fill(3))).toBe(0);
  });
});

describe('helpers', () => {
  it('fillGaps interpolates inside and extends the ends; levelToZ inverts the normal', () => {
    expect(Array.from(fillGaps([NaN, 1, NaN, NaN, 4, Infinity]))).toEqual([1, 1, 2, 3, 4, 4]);
    expect(fillGaps([NaN, NaN])).toHaveLength(0);
    expect(levelToZ(0.95)).toBeCloseTo(1.959964, 5);
    expect(levelToZ(0.5)).toBeCloseTo(0.67449, 4);
  });
});

describe('Prophet (slower: about 0.1 s to load, 0.1-0.4 s a fit)', () => {
  it('needs loadProphet first, then forecasts a seasonal series deterministically', async () => {
    const y = sine(192, 48, 4);
    if (!prophetLoaded()) expect(() => fitForecast(y, [48], 24, 0.9, 'prophet')).toThrow(NotReadyError);
    await loadProphet();
    const opts = { startMs: 1_700_000_000_000, stepMs: 300_000, inSample: true };
    const f = fitForecast(y, [48], 24, 0.9, 'prophet', opts);
    for (let k = 0; k < 24; k++) {
      expect(Math.abs(f.point[k] - (100 + 20 * Math.sin((2 * Math.PI * (192 + k)) / 48)))).toBeLessThan(3);
      expect(f.upper[k] - f.point[k]).toBeGreaterThan(0.5);
    }
    expect(f.fitted?.point).toHaveLength(192);
    expect(fitForecast(y, [48], 24, 0.9, 'prophet', opts).point).toEqual(f.point);
  });
});
