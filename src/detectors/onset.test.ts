import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../core/errors.js';
import { createRng } from '../core/rng.js';
import { loadDetector } from './index.js';
import { OnsetDetector } from './onset.js';
import { zToScore } from '../core/score-map.js';

const pt = (...v: number[]) => Float64Array.from(v);

/** A detector fed `n` points of noise around `level` (sd `sd`) in one column. */
function warmed(params: ConstructorParameters<typeof OnsetDetector>[0], n = 300, level = 10, sd = 1, seed = 1): OnsetDetector {
  const d = new OnsetDetector(params);
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) d.learnOne(pt(level + sd * rng.normal()));
  return d;
}

describe('OnsetDetector', () => {
  it('scores a lasting rise at its onset, and no longer once the short median has caught up', () => {
    const d = warmed({ baseline: 5 });
    const z: number[] = [];
    for (let i = 0; i < 8; i++) {
      z.push(d.zOf(pt(40)));
      d.learnOne(pt(40));
    }
    expect(z[0]).toBeGreaterThan(12); // 30 sd above the median, the unit being about 2 sd
    expect(z[2]).toBeGreaterThan(12); // two of five baseline points are the new level: the median is still the old one
    expect(z[3]).toBeLessThan(0.5); // three of five: the median is the new level
    expect(z[7]).toBeLessThan(0.5);
  });

  it('measures moves in units of the column’s usual moves: a bursty column needs a bigger move', () => {
    const d = new OnsetDetector({ minPoints: 20 });
    const rng = createRng(2);
    for (let i = 0; i < 500; i++) {
      const burst = i % 10 === 0 ? 20 : 0; // column 1 jumps by 20 every tenth point
      d.learnOne(pt(10 + 0.5 * rng.normal(), 10 + 0.5 * rng.normal() + burst));
    }
    const quiet = d.zOf(pt(25, 10));
    const bursty = d.zOf(pt(10, 25));
    expect(quiet).toBeGreaterThan(6); // 15 against a unit of about 1 (the 95th percentile of |N(0, 0.5)|)
    expect(bursty).toBeLessThan(2); // the same move is an ordinary burst of column 1
    const e = d.explain(pt(25, 25), ['quiet', 'bursty']);
    expect(e.map((c) => c.name)).toEqual(['quiet', 'bursty']);
    expect(e[0].expected[0]).toBeLessThan(10);
    expect(e[0].expected[1]).toBeGreaterThan(10);
  });

  it('gives a constant column a finite unit (relative floor): a 10% change scores high, not infinitely', () => {
    const d = new OnsetDetector({ relativeFloor: 1e-3 });
    for (let i = 0; i < 100; i++) d.learnOne(pt(50));
    expect(d.zOf(pt(55))).toBeCloseTo(5 / 0.05, 6);
    expect(d.scoreOne(pt(55))).toBeCloseTo(zToScore(100, d.params.z50, d.params.power), 12);
    expect(d.scoreOne(pt(55))).toBeLessThan(1);
    expect(d.scoreOne(pt(Infinity))).toBe(1 - 1e-12);
  });

  it('scores rises by default, or only the chosen direction', () => {
    expect(new OnsetDetector().params.direction).toBe('up');
    const up = warmed({ direction: 'up' });
    const down = warmed({ direction: 'down' });
    const both = warmed({ direction: 'both' });
    expect(up.zOf(pt(30))).toBeGreaterThan(6);
    expect(up.zOf(pt(-10))).toBe(0);
    expect(up.scoreOne(pt(-Infinity))).toBe(0);
    expect(down.zOf(pt(-10))).toBeGreaterThan(6);
    expect(down.zOf(pt(30))).toBe(0);
    expect(both.zOf(pt(30))).toBeCloseTo(up.zOf(pt(30)), 12);
    expect(both.zOf(pt(-10))).toBeCloseTo(down.zOf(pt(-10)), 12);
  });

  it('is causal and quiet until a column has minPoints values; scoring changes nothing', () => {
    const d = new OnsetDetector({ minPoints: 10 });
    for (let i = 0; i < 9; i++) {
      d.learnOne(pt(1, i % 2));
      expect(d.scoreOne(pt(1000, 1000))).toBe(0);
    }
    d.learnOne(pt(1, NaN)); // column 1 skips the NaN: 10 values in column 0, 9 in column 1
    expect(d.explain(pt(1000, 1000), ['a', 'b']).map((c) => c.name)).toEqual(['a']);
    const s = d.scoreOne(pt(1000, 1000));
    expect(s).toBeGreaterThan(0.9);
    expect(d.scoreOne(pt(1000, 1000))).toBe(s);
  });

  it('round-trips mid-stream through JSON and keeps scoring and learning the same', () => {
    const a = warmed({ baseline: 3, centerWindow: 7, spreadWindow: 11 }, 25);
    const b = loadDetector(JSON.parse(JSON.stringify(a.toJSON()))) as OnsetDetector;
    const rng = createRng(9);
    for (let i = 0; i < 40; i++) {
      const x = pt(10 + 3 * rng.normal());
      expect(b.scoreOne(x)).toBe(a.scoreOne(x));
      a.learnOne(x);
      b.learnOne(x);
    }
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it('relearns the level after a gap of more than gapSeconds, keeping the unit', () => {
    const MIN = 60_000;
    const feed = (d: OnsetDetector, from: number, n: number, level: number) => {
      for (let i = 0; i < n; i++) d.learnOne(pt(level + (i % 3) * 0.5), from + i * MIN);
    };
    const gap = new OnsetDetector({ gapSeconds: 3600 });
    const none = new OnsetDetector();
    for (const d of [gap, none]) feed(d, 0, 200, 10);
    const after = 200 * MIN + 12 * 3600_000; // a night later the series resumes at a new level
    for (const d of [gap, none]) d.learnOne(pt(40), after);
    expect(none.zOf(pt(40))).toBeGreaterThan(12); // without gapSeconds the stitched jump is an onset
    expect(gap.zOf(pt(40))).toBe(0); // one point since the gap: the level is not known yet
    gap.learnOne(pt(40), after + MIN);
    gap.learnOne(pt(40), after + 2 * MIN);
    expect(gap.zOf(pt(40))).toBe(0); // the new level is the level
    expect(gap.zOf(pt(60))).toBeGreaterThan(12); // and a rise from it scores again
    const unit = (d: OnsetDetector) => (d.explain(pt(0), ['x'])[0].expected[1] - d.explain(pt(0), ['x'])[0].expected[0]) / (2 * d.params.z50);
    expect(unit(gap)).toBeCloseTo(unit(none), 1); // the spread learned before the gap is kept
    // A short pause (under gapSeconds) changes nothing.
    const pause = new OnsetDetector({ gapSeconds: 3600 });
    feed(pause, 0, 200, 10);
    pause.learnOne(pt(40), 200 * MIN + 30 * MIN);
    expect(pause.zOf(pt(40))).toBeGreaterThan(12);
    // The time of the last point travels with the snapshot; one saved without it still loads.
    const back = loadDetector(JSON.parse(JSON.stringify(gap.toJSON()))) as OnsetDetector;
    back.learnOne(pt(10), after + 2 * MIN + 2 * 3600_000);
    gap.learnOne(pt(10), after + 2 * MIN + 2 * 3600_000);
    expect(back.toJSON()).toEqual(gap.toJSON());
    expect(back.zOf(pt(10))).toBe(0);
    const { lastT: _dropped, ...old } = none.toJSON().state as Record<string, unknown>;
    expect(OnsetDetector.fromJSON({ ...none.toJSON(), state: old }).zOf(pt(40))).toBe(none.zOf(pt(40)));
  });

  it('refuses bad settings with InputError and malformed snapshots with ModelFormatError', () => {
    expect(() => new OnsetDetector({ direction: 'sideways' as never })).toThrow(InputError);
    expect(() => new OnsetDetector({ spreadQuantile: 0 })).toThrow(/spreadQuantile/);
    expect(() => new OnsetDetector({ window: 5 } as never)).toThrow(/unknown parameter "window"/);
    const snap = warmed({}, 30).toJSON();
    const state = snap.state as Record<string, unknown>;
    expect(() => OnsetDetector.fromJSON({ ...snap, state: { ...state, spread: [[1, NaN]] } })).toThrow(ModelFormatError);
    expect(() => OnsetDetector.fromJSON({ ...snap, state: { ...state, seen: [999] } })).toThrow(/state.seen/);
    expect(() => OnsetDetector.fromJSON({ ...snap, params: { z50: -1 } })).toThrow(/params/);
    expect(() => new OnsetDetector({ gapSeconds: -1 })).toThrow(/gapSeconds/);
    expect(() => OnsetDetector.fromJSON({ ...snap, state: { ...state, lastT: 'yesterday' } })).toThrow(/state.lastT/);
  });
});
