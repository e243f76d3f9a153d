import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { classifyShift, LevelShiftTracker } from './changepoint.js';

/** 120 points of level 10 with N(0, 0.5²) noise; `f(i)` is added to point i. */
function series(seed: number, f: (i: number) => number = () => 0, n = 120): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, (_, i) => 10 + 0.5 * rng.normal() + f(i));
}

describe('classifyShift', () => {
  it.each([30, 70, 100, 112])('finds a level shift at %i (±2) with robust before/after levels', (at) => {
    for (const seed of [1, 2, 3]) {
      const r = classifyShift(series(seed, (i) => (i >= at ? 5 : 0)));
      expect(r.kind).toBe('level-shift');
      expect(Math.abs((r.changeIndex ?? -99) - at)).toBeLessThanOrEqual(2);
      expect(r.before).toBeCloseTo(10, 0);
      expect(r.after).toBeCloseTo(15, 0);
    }
  });

  it('finds a downward shift too, and the most recent of two', () => {
    const r = classifyShift(series(4, (i) => (i >= 40 ? -4 : 0) + (i >= 90 ? 8 : 0)));
    expect(r.kind).toBe('level-shift');
    expect(Math.abs((r.changeIndex ?? -99) - 90)).toBeLessThanOrEqual(2);
    expect(r.before).toBeCloseTo(6, 0);
    expect(r.after).toBeCloseTo(14, 0);
  });

  it('keeps a shift and reports a later spike, rejecting the spike boundaries augurs also returns', () => {
    const r = classifyShift(series(5, (i) => (i >= 40 ? 5 : 0) + (i === 90 ? 9 : 0)));
    expect(r.kind).toBe('level-shift');
    expect(Math.abs((r.changeIndex ?? -99) - 40)).toBeLessThanOrEqual(2);
    expect(r.spikeIndex).toBe(90);
  });

  it('calls a single spike a spike and claims no changepoint', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = classifyShift(series(seed, (i) => (i === 60 ? 8 : 0)));
      expect(r.kind).toBe('spike');
      expect(r.changeIndex).toBeNull();
      expect(r.spikeIndex).toBe(60);
      expect(r.before).toBeCloseTo(10, 0);
    }
  });

  it('calls a 3-point excursion a spike, but not one still open at the end of the window', () => {
    expect(classifyShift(series(6, (i) => (i >= 50 && i < 53 ? -6 : 0))).kind).toBe('spike');
    const open = classifyShift(series(6, (i) => (i >= 118 ? 8 : 0)));
    expect(open.kind).toBe('none');
    expect(open.changeIndex).toBeNull();
  });

  it('finds nothing in noise', () => {
    for (let seed = 10; seed < 40; seed++) {
      const r = classifyShift(series(seed));
      expect(r.kind, `seed ${seed}`).toBe('none');
      expect(r.changeIndex).toBeNull();
    }
  });

  it('skips NaN and ±Infinity, keeping indices into the input', () => {
    const x = series(7, (i) => (i >= 70 ? 5 : 0));
    for (const i of [3, 20, 68, 69, 71, 90]) x[i] = NaN;
    x[50] = Infinity;
    const r = classifyShift(x);
    expect(r.kind).toBe('level-shift');
    expect(Math.abs((r.changeIndex ?? -99) - 70)).toBeLessThanOrEqual(2);
    expect(Number.isFinite(r.before) && Number.isFinite(r.after)).toBe(true);
    expect(classifyShift([NaN, NaN]).kind).toBe('none');
    expect(classifyShift([]).before).toBeNaN();
  });

  it('is deterministic and handles a constant series', () => {
    const x = series(8, (i) => (i >= 64 ? 3 : 0) + (i === 20 ? 9 : 0));
    expect(classifyShift(x)).toEqual(classifyShift(x));
    expect(classifyShift(new Float64Array(120).fill(3)).kind).toBe('none');
    const flatStep = Float64Array.from({ length: 120 }, (_, i) => (i < 80 ? 1 : 2));
    expect(classifyShift(flatStep)).toMatchObject({ kind: 'level-shift', changeIndex: 80, before: 1, after: 2 });
  });

  it('rejects bad options with an InputError naming the option', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ minHold: 1 }, 'minHold'],
      [{ maxSpike: 5 }, 'maxSpike'],
      [{ minShift: 0 }, 'minShift'],
      [{ spikeZ: NaN }, 'spikeZ'],
      [{ hazardLambda: 1 }, 'hazardLambda'],
      [{ minHld: 3 }, 'minHld'],
    ];
    for (const [o, name] of bad) {
      expect(() => classifyShift([1, 2, 3], o)).toThrow(InputError);
      expect(() => classifyShift([1, 2, 3], o)).toThrow(name);
    }
    expect(() => new LevelShiftTracker({ window: 4 })).toThrow('window');
    expect(() => new LevelShiftTracker({ every: 0 })).toThrow('every');
  });
});

describe('LevelShiftTracker', () => {
  it('reports the time of a level shift once it has held, and keeps it', () => {
    const tr = new LevelShiftTracker();
    const x = series(9, (i) => (i >= 150 ? 5 : 0), 300);
    const t = (i: number) => 1_700_000_000_000 + i * 60_000;
    for (let i = 0; i < 150; i++) expect(tr.push(x[i], t(i))).not.toBe('level-shift');
    expect(tr.lastShift).toBeNull();
    let firstSeen = -1;
    for (let i = 150; i < 300; i++) if (tr.push(x[i], t(i)) === 'level-shift' && firstSeen < 0) firstSeen = i;
    expect(firstSeen).toBeGreaterThanOrEqual(154); // held minHold = 5 points
    expect(firstSeen).toBeLessThan(160);
    expect(Math.abs((tr.lastShift?.t ?? 0) - t(150))).toBeLessThanOrEqual(2 * 60_000);
    expect(tr.lastShift?.after).toBeCloseTo(15, 0);
    expect(tr.last.kind).toBe('none'); // the shift has left the 120-point window
  });

  it('does not report a spike as a shift', () => {
    const tr = new LevelShiftTracker({ window: 60 });
    const x = series(10, (i) => (i === 80 ? 10 : 0), 150);
    const kinds = new Set<string>();
    for (let i = 0; i < 150; i++) kinds.add(tr.push(x[i], i));
    expect(kinds.has('spike')).toBe(true);
    expect(kinds.has('level-shift')).toBe(false);
    expect(tr.lastShift).toBeNull();
  });

  it('measures the cost per call on a 120-point window', () => {
    const cases: [string, Float64Array][] = [
      ['noise (screened out)', series(11)],
      ['spike', series(12, (i) => (i === 60 ? 8 : 0))],
      ['step at 70 (augurs)', series(13, (i) => (i >= 70 ? 5 : 0))],
    ];
    for (const [name, x] of cases) {
      for (let i = 0; i < 20; i++) classifyShift(x);
      const reps = 200;
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) classifyShift(x);
      const us = ((performance.now() - t0) / reps) * 1000;
      console.log(`changepoint ${name}: ${us.toFixed(0)} µs per classifyShift (120 points)`);
      expect(us).toBeLessThan(50_000);
    }
    const tr = new LevelShiftTracker();
    const x = series(14, () => 0, 1200);
    const t0 = performance.now();
    for (let i = 0; i < 1200; i++) tr.push(x[i], i);
    console.log(`changepoint tracker on noise: ${(((performance.now() - t0) / 1200) * 1000).toFixed(0)} µs per push (120-point window)`);
  });
});
