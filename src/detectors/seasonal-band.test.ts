import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.js';
import { InputError, ModelFormatError } from '../core/errors.js';
import { loadProphet } from '../forecast/augurs.js';
import { RobustZDetector } from './robust-z.js';
import { SeasonalBandDetector, type SeasonalBandParams } from './seasonal-band.js';
import type { DetectorSnapshot } from '../core/snapshot.js';

const T0 = 1_700_000_000_000;
const STEP = 300_000; // 5 minutes
const DAY = 288;

/** Scores each point before learning it (the streaming order); `skip` marks points never learned nor scored. */
function stream(d: SeasonalBandDetector, y: Float64Array, skip: (i: number) => boolean = () => false): Float64Array {
  const s = new Float64Array(y.length);
  const x = new Float64Array(1);
  for (let i = 0; i < y.length; i++) {
    if (skip(i)) continue;
    x[0] = y[i];
    s[i] = d.scoreOne(x, T0 + i * STEP);
    d.learnOne(x, T0 + i * STEP);
  }
  return s;
}

const maxExcept = (s: Float64Array, from: number, except: number[]): number => {
  let m = 0;
  for (let i = from; i < s.length; i++) if (!except.includes(i) && s[i] > m) m = s[i];
  return m;
};

const daily = (days: number, seed: number): Float64Array => {
  const rng = createRng(seed);
  return Float64Array.from({ length: days * DAY }, (_, i) => 100 + 50 * Math.sin((2 * Math.PI * i) / DAY) + 3 * rng.normal());
};

describe('SeasonalBandDetector', () => {
  it('scores a spike on a noisy sine far above every other point', () => {
    const rng = createRng(1);
    const y = Float64Array.from({ length: 480 }, (_, i) => 10 + 5 * Math.sin((2 * Math.PI * i) / 48) + 0.5 * rng.normal());
    y[450] += 6;
    const s = stream(new SeasonalBandDetector({ refitEvery: 48, minHistory: 144, maxHistory: 288 }), y);
    expect(s[450]).toBeGreaterThan(0.75); // 12 sd: z ≈ 10 beyond the band
    expect(maxExcept(s, 200, [450])).toBeLessThan(0.5);
  });

  it('scores a level shift high until a refit learns the new level', () => {
    const rng = createRng(2);
    const y = Float64Array.from({ length: 900 }, (_, i) => (i < 700 ? 10 : 20) + rng.normal());
    const s = stream(new SeasonalBandDetector({ refitEvery: 96, minHistory: 192, maxHistory: 384 }), y);
    expect(Math.min(...s.subarray(700, 710))).toBeGreaterThan(0.6); // 10 sd
    expect(maxExcept(s.subarray(0, 700), 300, [])).toBeLessThan(0.5);
    expect(maxExcept(s, 800, [])).toBeLessThan(0.5); // refitted at 768 on the new level
  });

  it('sees a value normal at the daily peak as abnormal at the trough, where a plain robust z cannot; no echo a day later', () => {
    const y = daily(5, 3);
    const trough = 3 * DAY + Math.round(0.75 * DAY);
    y[trough] = 140; // the peak is ~150
    const d = new SeasonalBandDetector();
    const s = stream(d, y);
    expect(s[trough]).toBeGreaterThan(0.8);
    expect(maxExcept(s, 3 * DAY, [trough])).toBeLessThan(0.3);
    const z = new RobustZDetector({ window: 4 * DAY });
    for (let i = 0; i < trough; i++) z.learnOne(Float64Array.of(y[i]));
    expect(z.scoreOne(Float64Array.of(140))).toBeLessThan(0.05);
    expect(d.explain(Float64Array.of(140), ['cpu'], T0 + (trough + DAY) * STEP)[0].expected[1]).toBeLessThan(60); // the spike did not enter the next day's band
  });

  it('keeps its steps aligned with time across a gap in learning', () => {
    const y = daily(4, 4);
    const anomaly = 3 * DAY + 200; // after a 6-hour gap in day 4
    y[anomaly] = y[anomaly] + 40;
    const s = stream(new SeasonalBandDetector(), y, (i) => i >= 3 * DAY + 100 && i < 3 * DAY + 172);
    expect(s[anomaly]).toBeGreaterThan(0.8);
    expect(maxExcept(s, 3 * DAY, [anomaly])).toBeLessThan(0.3);
  });

  it('handles constant series, NaN and infinities without NaN scores', () => {
    const d = new SeasonalBandDetector({ refitEvery: 32, minHistory: 64, maxHistory: 128 });
    for (let i = 0; i < 200; i++) d.learnOne(Float64Array.of(i % 17 === 0 ? NaN : 50, i % 23 === 0 ? Infinity : 7), T0 + i * STEP);
    const t = T0 + 200 * STEP;
    expect(d.scoreOne(Float64Array.of(50, 7), t)).toBe(0);
    expect(d.scoreOne(Float64Array.of(50.5, 7), t)).toBeGreaterThan(0.5); // 1% off a flat line
    expect(d.scoreOne(Float64Array.of(NaN, NaN), t)).toBe(0);
    expect(d.scoreOne(Float64Array.of(NaN, -Infinity), t)).toBe(1 - 1e-12);
    const fresh = new SeasonalBandDetector();
    expect(fresh.scoreOne(Float64Array.of(1), T0)).toBe(0);
  });

  it('fits Prophet when asked (slower: keep it small)', async () => {
    await loadProphet();
    const rng = createRng(5);
    const y = Float64Array.from({ length: 240 }, (_, i) => 10 + 5 * Math.sin((2 * Math.PI * i) / 48) + 0.5 * rng.normal());
    y[230] += 6;
    const d = new SeasonalBandDetector({ model: 'prophet', periods: [48], refitEvery: 48, minHistory: 96, maxHistory: 192 }, 7);
    const s = stream(d, y);
    expect(s[230]).toBeGreaterThan(0.75);
    expect(maxExcept(s, 100, [230])).toBeLessThan(0.5);
  });

  it('round-trips through JSON mid-stream: same scores, same learning, same snapshot', () => {
    const y = daily(3, 6);
    y[500] = NaN;
    const params: SeasonalBandParams = { refitEvery: 96 };
    const a = new SeasonalBandDetector(params);
    stream(a, y.subarray(0, 700));
    const snap = JSON.parse(JSON.stringify(a.toJSON())) as DetectorSnapshot;
    const b = SeasonalBandDetector.fromJSON(snap);
    expect(b.toJSON()).toEqual(snap);
    const rest = y.subarray(700);
    expect(stream(b, rest)).toEqual(stream(a, rest));
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(() => SeasonalBandDetector.fromJSON({ ...snap, state: { ...(snap.state as object), history: [[1, 'x']] } })).toThrow(ModelFormatError);
    expect(() => SeasonalBandDetector.fromJSON({ ...snap, params: { refitEvery: -1 } })).toThrow(/params/);
  });

  it('refuses bad settings with an InputError naming the setting', () => {
    const bad: [SeasonalBandParams, RegExp][] = [
      [{ model: 'arima' as 'ets' }, /model/],
      [{ periods: [1] }, /periods/],
      [{ periods: 'daily' as 'auto' }, /periods/],
      [{ refitEvery: 0 }, /refitEvery/],
      [{ maxHistory: 8 }, /maxHistory/],
      [{ minHistory: 5000 }, /minHistory/],
      [{ minPoints: 0 }, /minPoints/],
      [{ level: 1 }, /level/],
      [{ minScale: 0 }, /minScale/],
      [{ relativeFloor: -1 }, /relativeFloor/],
      [{ z50: 0 }, /z50/],
      [{ power: NaN }, /power/],
      [{ windw: 3 } as SeasonalBandParams, /unknown parameter "windw"/],
    ];
    for (const [p, re] of bad) {
      expect(() => new SeasonalBandDetector(p)).toThrow(InputError);
      expect(() => new SeasonalBandDetector(p)).toThrow(re);
    }
  });
});
