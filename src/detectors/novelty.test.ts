import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { createDetector, loadDetector } from './index.js';
import { NoveltyDetector, type NoveltyParams } from './novelty.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Scores then learns each value (one every `step` ms from T0); returns the scores. */
function run(values: ArrayLike<number>, params: NoveltyParams = {}, step = MIN, det = new NoveltyDetector(params)): Float64Array {
  const out = new Float64Array(values.length);
  const x = new Float64Array(1);
  for (let i = 0; i < values.length; i++) {
    x[0] = values[i];
    out[i] = det.scoreOne(x, T0 + i * step);
    det.learnOne(x, T0 + i * step);
  }
  return out;
}

const maxOf = (a: Float64Array, from = 0, to = a.length): number => Math.max(...a.subarray(from, to));

describe('NoveltyDetector', () => {
  it('takes a per-feature range floor (minScale): a feature that never moved is not novel at its first tiny move', () => {
    const v = Array.from({ length: 600 }, (_, i) => (i >= 500 ? 0.001 : 0));
    expect(maxOf(run(v), 500, 505)).toBeGreaterThan(0.5);
    expect(maxOf(run(v, { minScale: [0.005] }), 500, 505)).toBeLessThan(0.5);
    // A move of many floors still is.
    const big = Array.from({ length: 600 }, (_, i) => (i >= 500 ? 0.2 : 0));
    expect(maxOf(run(big, { minScale: [0.005] }), 500, 505)).toBeGreaterThan(0.5);
    expect(() => new NoveltyDetector({ minScale: [-1] })).toThrow(InputError);
  });

  it('scores the onset of a level shift above its threshold and above the noise before, and the points that continue it low', () => {
    for (const seed of [1, 2, 3]) {
      const rng = createRng(seed);
      const v = Array.from({ length: 3000 }, (_, i) => 100 + rng.normal() + (i >= 2000 ? 15 : 0));
      const s = run(v);
      const onset = maxOf(s, 2000, 2003);
      expect(onset).toBeGreaterThan(0.8);
      expect(onset).toBeGreaterThan(maxOf(s, 300, 2000));
      // Stationary noise sets new records now and then: at most a point or two above the threshold.
      expect(s.subarray(300, 2000).filter((x) => x >= 0.5).length).toBeLessThanOrEqual(2);
      expect(maxOf(s, 2010)).toBeLessThan(0.5);
    }
  });

  it('alarms rarely on a noisy series whose spikes are no bigger than before, and never on a clean one', () => {
    const rng = createRng(2);
    const spiky = Array.from({ length: 6000 }, () => 50 + 5 * rng.normal() + (rng.next() < 0.01 ? 40 * rng.next() : 0));
    const clean = Array.from({ length: 6000 }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 1440) + 0.01 * Math.sin(i));
    expect(run(spiky).subarray(1000).filter((x) => x >= 0.5).length).toBeLessThanOrEqual(5);
    expect(maxOf(run(clean), 300)).toBeLessThan(0.5);
  });

  it('flags a daily peak that does not come, although its values are ordinary for the day', () => {
    // Five-minute steps, 14 days; a peak of +10 from 12:00 to 16:00 UTC, missing on day 10.
    const v = Array.from({ length: 14 * 288 }, (_, i) => {
      const hour = (i % 288) / 12;
      const day = Math.floor(i / 288);
      return 5 + 0.1 * Math.sin(i) + (hour >= 12 && hour < 16 && day !== 10 ? 10 : 0);
    });
    const det = new NoveltyDetector();
    const s = run(v, {}, 5 * MIN, det);
    expect(det.dailyScale).toBe(16);
    const missed = 10 * 288 + 12 * 12;
    expect(maxOf(s, missed, missed + 48)).toBeGreaterThan(0.5);
    expect(maxOf(s, 8 * 288, missed - 1)).toBeLessThan(0.5);
    // Without the daily context the same day is ordinary.
    expect(maxOf(run(v, { daily: false }, 5 * MIN), missed, missed + 48)).toBeLessThan(0.5);
  });

  it('picks the scale nearest an hour for the daily context from the sampling interval', () => {
    const scaleAt = (step: number) => {
      const det = new NoveltyDetector();
      run(Array.from({ length: 20 }, (_, i) => i), {}, step, det);
      return det.dailyScale;
    };
    expect(scaleAt(MIN)).toBe(64);
    expect(scaleAt(5 * MIN)).toBe(16);
    expect(scaleAt(60 * MIN)).toBe(1);
    expect(new NoveltyDetector({ daily: false }).dailyScale).toBeNull();
  });

  it('scores a change of a feature that was constant, and ±Infinity, near 1', () => {
    const det = new NoveltyDetector();
    const x = Float64Array.of(3, 7);
    for (let i = 0; i < 500; i++) {
      x[0] = 3 + 0.01 * Math.sin(i);
      det.learnOne(x, T0 + i * MIN);
    }
    expect(det.scoreOne(Float64Array.of(3, 7), T0 + 500 * MIN)).toBeLessThan(0.5);
    expect(det.scoreOne(Float64Array.of(3, 7.5), T0 + 500 * MIN)).toBeGreaterThan(0.9);
    expect(det.scoreOne(Float64Array.of(Infinity, 7), T0 + 500 * MIN)).toBeGreaterThan(0.999);
    expect(det.scoreOne(Float64Array.of(NaN, NaN), T0 + 500 * MIN)).toBe(0);
  });

  it('restores from JSON mid-stream and scores the rest identically', () => {
    const rng = createRng(5);
    const v = Array.from({ length: 3000 }, (_, i) => 10 * Math.sin(i / 40) + rng.normal() + (i === 2500 ? 30 : 0));
    const a = new NoveltyDetector();
    run(v.slice(0, 2000), {}, MIN, a);
    const b = loadDetector(JSON.parse(JSON.stringify(a.toJSON()))) as NoveltyDetector;
    expect(b.dailyScale).toBe(a.dailyScale);
    const x = new Float64Array(1);
    for (let i = 2000; i < 3000; i++) {
      x[0] = v[i];
      expect(b.scoreOne(x, T0 + i * MIN)).toBe(a.scoreOne(x, T0 + i * MIN));
      a.learnOne(x, T0 + i * MIN);
      b.learnOne(x, T0 + i * MIN);
    }
  });

  it('rejects bad settings and malformed snapshots, naming them', () => {
    expect(() => createDetector('novelty', { scales: [4, 1] }, 1)).toThrow(/novelty: scales/);
    expect(() => createDetector('novelty', { forget: 1 }, 1)).toThrow(/novelty: forget/);
    expect(() => createDetector('novelty', { daily: 'yes' }, 1)).toThrow(InputError);
    expect(() => createDetector('novelty', { bogus: 1 }, 1)).toThrow(/unknown parameter "bogus"/);
    const snap = JSON.parse(JSON.stringify(new NoveltyDetector().toJSON()));
    expect(NoveltyDetector.fromJSON(snap).dailyScale).toBeNull();
    const d = new NoveltyDetector();
    run([1, 2, 3, 4], {}, MIN, d);
    const s = JSON.parse(JSON.stringify(d.toJSON()));
    expect(() => NoveltyDetector.fromJSON({ ...s, state: { ...s.state, lo: [1] } })).toThrow(/state.lo/);
    expect(() => NoveltyDetector.fromJSON({ ...s, state: { ...s.state, time: [0, 0, 0, 9] } })).toThrow(ModelFormatError);
  });
});
