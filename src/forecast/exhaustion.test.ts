import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { ExhaustionEstimator, type ExhaustionEstimate, type ExhaustionParams } from './exhaustion.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5);
const LIMIT = 1000;

/** AR(1) noise with standard deviation `sd` and time constant `tauMin` minutes, sampled each minute. */
function ar1(seed: number, sd: number, tauMin: number): () => number {
  const rng = createRng(seed);
  const phi = Math.exp(-1 / tauMin);
  let x = sd * rng.normal();
  return () => (x = phi * x + Math.sqrt(1 - phi * phi) * sd * rng.normal());
}

interface Point {
  t: number;
  e: ExhaustionEstimate;
}

/** Feeds `minutes` one-minute points from `start`; returns a copy of every estimate. */
function run(est: ExhaustionEstimator, start: number, minutes: number, value: (t: number) => number, limit = LIMIT, restarts?: (t: number) => number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < minutes; i++) {
    const t = start + i * MIN;
    out.push({ t, e: { ...est.observe(t, value(t), limit, restarts ? restarts(t) : NaN, T0 - DAY) } });
  }
  return out;
}

const maxScore = (pts: Point[]) => Math.max(...pts.map((p) => p.e.score));

describe('ExhaustionEstimator', () => {
  it('predicts a noisy steady climb: warns an hour or more before the limit, and the interval holds the truth', () => {
    const noise = ar1(1, 8, 10);
    const leakAt = T0 + 6 * HOUR;
    const rate = 40 / HOUR; // 4% of the limit per hour, from 50%: reaches the limit 12.5 h in
    const value = (t: number) => 500 + Math.max(0, t - leakAt) * rate + noise();
    const est = new ExhaustionEstimator();
    const pts = run(est, T0, 6 * 60 + 12 * 60, value);
    const oomAt = leakAt + 500 / rate;
    const first = pts.find((p) => p.e.score >= 0.5);
    expect(first).toBeDefined();
    expect((oomAt - first!.t) / MIN).toBeGreaterThan(60);
    expect(pts.filter((p) => p.t < leakAt + HOUR).every((p) => p.e.score < 0.5)).toBe(true);
    // Over the last 3 hours before the line reaches the limit: point predictions close to the truth,
    // intervals that hold it, and the chance of exhaustion within the 2-hour horizon low at 3 h, high at 1 h.
    const late = pts.filter((x) => x.t >= oomAt - 3 * HOUR && x.t <= oomAt - HOUR);
    const errors = late.map((p) => Math.abs(p.e.tteSeconds * 1000 - (oomAt - p.t)) / (oomAt - p.t)).sort((x, y) => x - y);
    expect(errors[Math.floor(errors.length / 2)]).toBeLessThan(0.15);
    const held = late.filter((p) => p.e.tteLowerSeconds * 1000 <= oomAt - p.t && oomAt - p.t <= p.e.tteUpperSeconds * 1000);
    expect(held.length / late.length).toBeGreaterThan(0.9);
    for (const p of late) {
      if (oomAt - p.t > 2.75 * HOUR) expect(p.e.confidence).toBeLessThan(0.5);
      if (oomAt - p.t < 1.25 * HOUR) expect(p.e.confidence).toBeGreaterThan(0.5);
    }
  });

  it('stays quiet on a week of daily swings and slow noise that never reach the limit', () => {
    const slow = ar1(2, 30, 15);
    const fast = ar1(3, 10, 2);
    const value = (t: number) => 550 + 200 * Math.sin((2 * Math.PI * (t - T0)) / DAY) + slow() + fast();
    const pts = run(new ExhaustionEstimator(), T0, 7 * 24 * 60, value);
    expect(Math.max(...pts.filter((p) => p.e.level > 0).map((p) => p.e.level / LIMIT))).toBeGreaterThan(0.75);
    expect(maxScore(pts)).toBeLessThan(0.5);
  });

  it('does not take a step (a cache loaded at once) for a climb', () => {
    const noise = ar1(4, 5, 5);
    const value = (t: number) => (t < T0 + 6 * HOUR ? 400 : 800) + noise();
    const pts = run(new ExhaustionEstimator(), T0, 12 * 60, value);
    expect(maxScore(pts)).toBeLessThan(0.5);
  });

  it('warms up after a restart (counted or seen as a drop) instead of flagging the refill', () => {
    for (const counted of [true, false]) {
      const restartAt = T0 + 3 * HOUR;
      const noise = ar1(5, 5, 10);
      const value = (t: number) => (t < restartAt ? 900 : 900 * (1 - 0.7 * Math.exp(-(t - restartAt) / 30_000))) + noise();
      const est = new ExhaustionEstimator();
      const pts = run(est, T0, 6 * 60, value, LIMIT, counted ? (t) => (t < restartAt ? 3 : 4) : undefined);
      const warm = pts.filter((p) => p.e.warmingUp).map((p) => p.t);
      expect(warm[0]).toBe(restartAt);
      expect(warm.length).toBe(10);
      expect(maxScore(pts)).toBeLessThan(0.5);
    }
  });

  it('warms up a new pod from its start time, or from its first point when that is unknown', () => {
    const est = new ExhaustionEstimator();
    expect(est.observe(T0, 500, LIMIT, 0, T0 - HOUR).warmingUp).toBe(false);
    const fresh = new ExhaustionEstimator({ warmupSeconds: 300 });
    expect(fresh.observe(T0, 500, LIMIT).warmingUp).toBe(true);
    expect(fresh.observe(T0 + 4 * MIN, 500, LIMIT).warmingUp).toBe(true);
    expect(fresh.observe(T0 + 5 * MIN, 500, LIMIT).warmingUp).toBe(false);
  });

  it('predicts nothing without a limit', () => {
    const pts = run(new ExhaustionEstimator(), T0, 6 * 60, (t) => 100 + (t - T0) / 10_000, NaN);
    expect(pts.every((p) => p.e.score === 0 && p.e.tteSeconds === Infinity)).toBe(true);
  });

  it('scores a nearer and a surer exhaustion higher', () => {
    const climb = (rate: number, sd: number, seed: number) => {
      const noise = ar1(seed, sd, 5);
      const est = new ExhaustionEstimator();
      // Same level at the end (800), different rates and noise.
      const pts = run(est, T0, 4 * 60, (t) => 800 - (T0 + 4 * 60 * MIN - MIN - t) * rate + noise());
      const last = pts.slice(-30);
      return { tteSeconds: last.at(-1)!.e.tteSeconds, score: last.reduce((s, p) => s + p.e.score, 0) / last.length };
    };
    const slow = climb(100 / HOUR, 2, 6);
    const fast = climb(200 / HOUR, 2, 6);
    const noisy = climb(200 / HOUR, 40, 6);
    expect(fast.tteSeconds).toBeLessThan(slow.tteSeconds);
    expect(fast.score).toBeGreaterThan(slow.score);
    expect(fast.score).toBeGreaterThan(noisy.score);
    expect(slow.score).toBeGreaterThan(0);
  });

  it('treats sitting at the limit as exhausted only when saturationIsExhaustion is set', () => {
    const value = (t: number) => 990 + 2 * Math.sin((t - T0) / 600_000);
    const pinned = run(new ExhaustionEstimator({ exhaustAt: 0.98 }), T0, 60, value).at(-1)!.e;
    expect(pinned.tteSeconds).toBe(0);
    expect(pinned.score).toBeGreaterThan(0.9);
    const cache = run(new ExhaustionEstimator({ exhaustAt: 0.98, saturationIsExhaustion: false }), T0, 60, value).at(-1)!.e;
    expect(cache.score).toBe(0);
    expect(cache.tteUpperSeconds).toBe(Infinity);
  });

  it('keeps one point per sampleEverySeconds and ignores repeated or bad times', () => {
    const est = new ExhaustionEstimator({ warmupSeconds: 0 });
    for (let i = 0; i < 40; i++) est.observe(T0 + i * 15_000, 500, LIMIT, 0, T0 - HOUR);
    expect(est.size).toBe(10);
    est.observe(T0, 900, LIMIT);
    est.observe(NaN, 900, LIMIT);
    est.observe(T0 + 20 * MIN, NaN, LIMIT);
    expect(est.size).toBe(10);
  });

  it('refits the 4-hour window every 4th point and carries its fit forward in time in between', () => {
    // A slow climb only the 4-hour window is sure of: it is the window reported.
    const noise = ar1(3, 2, 5);
    const pts = run(new ExhaustionEstimator({ windowsSeconds: [14_400] }), T0, 6 * 60, (t) => 200 + 0.05 * ((t - T0) / MIN) + noise());
    const late = pts.slice(5 * 60).filter((p) => p.e.windowSeconds === 14_400 && Number.isFinite(p.e.tteSeconds));
    expect(late.length).toBeGreaterThan(50);
    let carried = 0;
    let refits = 0;
    for (let i = 1; i < late.length; i++) {
      const [a, b] = [late[i - 1], late[i]];
      if (b.t - a.t !== MIN) continue;
      // Carried: the same line a minute on (times to exhaustion 60 s shorter, the same slope); a refit
      // moves them otherwise.
      if (Math.abs(b.e.tteSeconds - (a.e.tteSeconds - 60)) < 1e-6) {
        carried++;
        expect(b.e.slopePerSecond).toBe(a.e.slopePerSecond);
        expect(b.e.tteUpperSeconds).toBeCloseTo(a.e.tteUpperSeconds - 60, 6);
      } else refits++;
    }
    // One refit in four points.
    expect(refits / (carried + refits)).toBeGreaterThan(0.2);
    expect(refits / (carried + refits)).toBeLessThan(0.3);
  });

  it('round-trips through JSON and continues exactly as the original', () => {
    const noise = ar1(7, 5, 10);
    const value = (t: number) => 500 + Math.max(0, t - T0 - 2 * HOUR) * (60 / HOUR) + noise();
    const values = Array.from({ length: 500 }, (_, i) => value(T0 + i * MIN));
    const a = new ExhaustionEstimator();
    for (let i = 0; i < 300; i++) a.observe(T0 + i * MIN, values[i], LIMIT, 1);
    const b = ExhaustionEstimator.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.toJSON()).toEqual(a.toJSON());
    for (let i = 300; i < 500; i++) {
      const ea = { ...a.observe(T0 + i * MIN, values[i], LIMIT, 1) };
      expect(b.observe(T0 + i * MIN, values[i], LIMIT, 1)).toEqual(ea);
    }
  });

  it('refuses bad settings and snapshots with coded errors', () => {
    expect(() => new ExhaustionEstimator({ horizonSeconds: 0 })).toThrow(InputError);
    expect(() => new ExhaustionEstimator({ windowsSeconds: [] })).toThrow(/windowsSeconds/);
    expect(() => new ExhaustionEstimator({ bogus: 1 } as ExhaustionParams)).toThrow(/unknown setting "bogus"/);
    const snap = new ExhaustionEstimator().toJSON();
    expect(() => ExhaustionEstimator.fromJSON({ ...snap, kind: 'other' })).toThrow(ModelFormatError);
    expect(() => ExhaustionEstimator.fromJSON({ ...snap, formatVersion: 2 })).toThrow(/formatVersion/);
    expect(() => ExhaustionEstimator.fromJSON({ ...snap, params: { ...snap.params, z: -1 } })).toThrow(ModelFormatError);
    expect(() => ExhaustionEstimator.fromJSON({ ...snap, state: { ...snap.state, t: [1, 2], v: [1] } })).toThrow(/state\.t/);
    expect(() => ExhaustionEstimator.fromJSON({ ...snap, state: { ...snap.state, negSum: [] } })).toThrow(/negSum/);
  });
});
