import { describe, expect, it } from 'vitest';
import { defaultTopology } from './topology.js';
import { dailyFactor, isWeekend, peakWindows, TrafficModel, weeklyFactor } from './traffic.js';

const MONDAY = Date.parse('2024-03-04T00:00:00Z');
const MIN = 60_000;
const H = 3_600_000;

describe('seasonality', () => {
  it('peaks mid-afternoon UTC with a night trough 3-4x lower, mean 1', () => {
    let max = -Infinity, min = Infinity, argmax = 0, argmin = 0, sum = 0;
    for (let t = MONDAY; t < MONDAY + 24 * H; t += MIN) {
      const f = dailyFactor(t, 'web');
      sum += f;
      if (f > max) { max = f; argmax = t; }
      if (f < min) { min = f; argmin = t; }
    }
    expect(max / min).toBeGreaterThanOrEqual(3);
    expect(max / min).toBeLessThanOrEqual(4);
    expect((argmax - MONDAY) / H).toBe(15);
    expect((argmin - MONDAY) / H).toBe(3);
    expect(sum / (24 * 60)).toBeCloseTo(1, 6);
    expect(dailyFactor(MONDAY + 2 * H, 'nightly')).toBeGreaterThan(dailyFactor(MONDAY + 14 * H, 'nightly') * 2.5);
    expect(dailyFactor(MONDAY + 7 * H, 'flat')).toBe(1);
  });

  it('lowers weekends and changes smoothly across midnight', () => {
    const saturday = MONDAY + 5 * 24 * H;
    expect(isWeekend(saturday + H)).toBe(true);
    expect(isWeekend(MONDAY + H)).toBe(false);
    expect(weeklyFactor(MONDAY + 12 * H, 'web')).toBe(1);
    expect(weeklyFactor(saturday + 12 * H, 'web')).toBeCloseTo(0.65, 6);
    for (let t = saturday - 2 * H; t < saturday + 2 * H; t += MIN) {
      expect(Math.abs(weeklyFactor(t + MIN, 'web') - weeklyFactor(t, 'web'))).toBeLessThan(0.01);
    }
  });

  it('records one traffic_peak window per seasonal namespace and day', () => {
    const w = peakWindows(defaultTopology().workloads, MONDAY, MONDAY + 24 * H);
    const shop = w.filter((x) => x.namespace === 'shop');
    expect(shop).toHaveLength(1);
    expect(shop[0].start).toBe(MONDAY + 13.5 * H);
    expect(shop[0].end).toBe(MONDAY + 16.5 * H);
    expect(w.find((x) => x.namespace === 'batch')!.start).toBe(MONDAY + 0.5 * H);
    expect(w.some((x) => x.namespace === 'platform')).toBe(true);
  });
});

describe('TrafficModel', () => {
  it('follows the seasonal level with a few percent of slow, shared noise', () => {
    const workloads = defaultTopology().workloads;
    const m = new TrafficModel(1, workloads);
    const fe = workloads.findIndex((w) => w.name === 'frontend');
    const ing = workloads.findIndex((w) => w.name === 'ingress-nginx');
    const ratios: number[] = [];
    const a: number[] = [], b: number[] = [];
    for (let t = MONDAY; t < MONDAY + 24 * H; t += 5000) {
      m.step(t, 5000);
      ratios.push(m.rps[fe] / m.expected(fe, t));
      a.push(m.rps[fe] / m.expected(fe, t) - 1);
      b.push(m.rps[ing] / m.expected(ing, t) - 1);
    }
    const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
    const sd = Math.sqrt(ratios.reduce((x, y) => x + (y - mean) ** 2, 0) / ratios.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(0.02);
    expect(sd).toBeLessThan(0.12);
    // Frontend and ingress serve the same users: their noise is correlated.
    let sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < a.length; i++) { sab += a[i] * b[i]; saa += a[i] ** 2; sbb += b[i] ** 2; }
    expect(sab / Math.sqrt(saa * sbb)).toBeGreaterThan(0.4);
  });
});
