import { describe, expect, it } from 'vitest';
import { addInstant, addRate, LOOKBACK_DELTA_MS, SampleRing } from './sample-ring.js';

const ring = (samples: [number, number][], max = 1000) => {
  const r = new SampleRing(2, max);
  for (const [t, v] of samples) r.push(t, v);
  return r;
};
const all = (r: SampleRing) => Array.from({ length: r.size }, (_, i) => [r.timeAt(i), r.valueAt(i)]);

describe('SampleRing', () => {
  it('keeps samples in time order, grows up to its bound, then drops its oldest', () => {
    const r = new SampleRing(2, 5);
    for (let t = 1; t <= 4; t++) expect(r.push(t * 10, t)).toBe(true);
    expect(all(r)).toEqual([[10, 1], [20, 2], [30, 3], [40, 4]]);
    for (let t = 5; t <= 8; t++) r.push(t * 10, t);
    expect(all(r)).toEqual([[40, 4], [50, 5], [60, 6], [70, 7], [80, 8]]);
    expect(r.bytes).toBe(5 * 16);
    expect([r.oldest, r.newest]).toEqual([40, 80]);
  });

  it('refuses a sample not newer than its newest (a retried batch)', () => {
    const r = ring([[10, 1], [20, 2]]);
    expect(r.push(20, 9)).toBe(false);
    expect(r.push(15, 9)).toBe(false);
    expect(all(r)).toEqual([[10, 1], [20, 2]]);
  });

  it('drops samples older than a time, across the wrap-around', () => {
    const r = new SampleRing(4, 4);
    for (let t = 1; t <= 6; t++) r.push(t, t);
    r.dropBefore(5);
    expect(all(r)).toEqual([[5, 5], [6, 6]]);
    r.dropBefore(100);
    expect(r.size).toBe(0);
    expect(r.newest).toBe(-Infinity);
    expect(r.push(1, 1)).toBe(true);
  });
});

describe('addInstant', () => {
  it('takes the last sample within the lookback, nothing after a staleness marker, and sums or maxes into the row', () => {
    const r = ring([[0, 1], [60_000, 2], [120_000, NaN], [400_000, 5]]);
    const steps = [-1, 0, 59_999, 60_000, 100_000, 120_000, 300_000, 360_000, 400_000, 700_000];
    const out = new Float64Array(steps.length + 1).fill(NaN);
    addInstant(r, steps, LOOKBACK_DELTA_MS, out, 1, 'sum');
    expect(Array.from(out)).toEqual([NaN, NaN, 1, 1, 2, 2, NaN, NaN, NaN, 5, NaN]);
    addInstant(ring([[0, 10]]), [0], LOOKBACK_DELTA_MS, out, 2, 'sum');
    addInstant(ring([[0, 0.5]]), [0], LOOKBACK_DELTA_MS, out, 2, 'max');
    expect(out[2]).toBe(11);
  });
});

describe('addRate', () => {
  const rate = (samples: [number, number][], steps: number[], windowMs = 60_000) => {
    const out = new Float64Array(steps.length).fill(NaN);
    addRate(ring(samples), steps, windowMs, out, 0);
    return Array.from(out);
  };

  it('a steady counter: its slope, whatever the alignment of the window', () => {
    const samples: [number, number][] = Array.from({ length: 20 }, (_, i) => [i * 15_000, 100 + i * 30]);
    for (const r of rate(samples, [60_000, 67_000, 120_000, 200_000])) expect(r).toBeCloseTo(2, 10);
  });

  it('is Prometheus 2.42\'s extrapolatedRate (worked by hand)', () => {
    // Samples at 10 s, 25 s, 40 s of 5, 20, 50; range [0 s, 60 s]: increase 45 over 30 s sampled, 2 intervals of 15 s.
    // To the start: 10 s < 16.5 s threshold, but the counter reaches 0 at 30 × 5/45 = 3.33 s before the first: 3.33 s.
    // To the end: 20 s ≥ 16.5 s: half an interval, 7.5 s. 45 × (30 + 3.33 + 7.5) / 30 / 60.
    const [r] = rate([[10_000, 5], [25_000, 20], [40_000, 50]], [60_000]);
    expect(r).toBeCloseTo((45 * (30 + 30 * (5 / 45) + 7.5)) / 30 / 60, 12);
  });

  it('adds back counter resets, leaves out staleness markers, and needs two samples in [t − window, t]', () => {
    // 100 → 160, reset to 10, → 70: increase 60 + 10 + 60 = 130 over 45 s, extrapolated to both ends (within 1.1 × 15 s).
    const [r] = rate([[15_000, 100], [30_000, 160], [45_000, 10], [50_000, NaN], [60_000, 70]], [60_000], 45_000);
    expect(r).toBeCloseTo((130 * (45 / 45)) / 45, 10);
    // 0 → 59 s: extrapolated by 0 s to the start and 1 s to the end.
    expect(rate([[0, 1], [50_000, NaN], [59_000, 3]], [60_000])[0]).toBeCloseTo((2 * (60 / 59)) / 60, 12);
    expect(rate([[10_000, 1]], [60_000])).toEqual([NaN]);
    expect(rate([[0, 1], [61_000, 2]], [61_000])).toEqual([NaN]); // 0 is before [1 s, 61 s]
    expect(rate([[0, 1], [60_000, 2]], [60_000])[0]).toBeCloseTo(1 / 60, 12); // the range includes its start
  });
});
